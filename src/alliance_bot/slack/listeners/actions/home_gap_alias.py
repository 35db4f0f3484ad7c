"""A gaps list's "make alias" button clicked in the Home tab: the same action ids and the same
`KnowledgeAdmin.make_alias` as the `/alliance gaps` message, but the outcome is published into
the Home view (a Home tab has no `response_url`). Registered with the `in_home_tab` matcher
ahead of the message version, so each click goes to the one that can answer it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.events.app_home import publish_home
from alliance_bot.slack.render.admin import admin_text

Listener = Callable[..., Awaitable[None]]


async def in_home_tab(body: dict[str, Any]) -> bool:
    """Matcher: the click came from a Home view, not from a message."""
    return (body.get("view") or {}).get("type") == "home"


def home_gap_alias(services: Services) -> Listener:
    """The Home tab's "make alias" listener."""

    async def handle_home_gap_alias(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        workspace = services.workspace
        if workspace is None or not await services.gate.allows(user_id):
            notice = await services.gate.refuse(user_id, "alias")
        else:
            try:
                value = json.loads(str(action.get("value", "")))
                entry_id, question = str(value["e"]), str(value["q"])
            except (ValueError, KeyError, TypeError):
                notice = "That button is from an older Home view; here is the current one."
            else:
                outcome = await asyncio.to_thread(
                    workspace.admin.make_alias, user_id, entry_id, question
                )
                notice = admin_text(outcome)
        await publish_home(services, client, user_id, notice=notice)

    return handle_home_gap_alias
