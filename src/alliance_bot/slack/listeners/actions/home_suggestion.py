"""A did-you-mean button under an answer in the Home tab: answer that entry, in the Home tab."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.events.app_home import publish_home
from alliance_bot.slack.render.home import HomeSearch

Listener = Callable[..., Awaitable[None]]


def home_suggestion(services: Services) -> Listener:
    """The Home tab's suggestion button listener."""

    async def handle_home_suggestion(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        entry_id = str(action.get("value", ""))
        kb = services.knowledge.current
        answer = await asyncio.to_thread(services.engine.answer_entry, kb, entry_id)
        label = str((action.get("text") or {}).get("text") or entry_id)
        await publish_home(services, client, user_id, search=HomeSearch(label, answer))

    return handle_home_suggestion
