"""The Home tab's Refresh button (it asks for confirmation first, in Slack): admins only, and it
runs exactly what `/alliance refresh` runs (`KnowledgeAdmin.refresh`, recorded the same way).
The outcome, or the refusal, is published at the top of the clicker's Home view."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.events.app_home import publish_home
from alliance_bot.slack.render.admin import admin_text

Listener = Callable[..., Awaitable[None]]


def home_refresh(services: Services) -> Listener:
    """The Refresh button listener."""

    async def handle_home_refresh(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        workspace = services.workspace
        if workspace is None or not await services.gate.allows(user_id):
            # A non-admin never sees the button, but a forged click must still be refused.
            notice = await services.gate.refuse(user_id, "refresh")
        else:
            notice = admin_text(await asyncio.to_thread(workspace.admin.refresh, user_id))
        await publish_home(services, client, user_id, notice=notice)

    return handle_home_refresh
