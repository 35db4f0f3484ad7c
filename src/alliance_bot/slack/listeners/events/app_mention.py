"""`@alliance who is Hamada` in a channel: answer in a thread under the mention."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.incoming import plain_text, strip_bot_mentions
from alliance_bot.slack.render.answers import render_answer

Listener = Callable[..., Awaitable[None]]


def app_mention(services: Services) -> Listener:
    """The `app_mention` listener, bound to `services`."""

    async def handle_app_mention(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        channel = str(event.get("channel", ""))
        if channel.startswith("D"):
            return  # a mention inside a DM also arrives as message.im, which answers it
        text = plain_text(strip_bot_mentions(str(event.get("text", "")), context.bot_user_id))
        kb = services.knowledge.current
        answer = await asyncio.to_thread(services.engine.answer, kb, text, services.today())
        # No Share button: the thread reply is already visible to the channel.
        await client.chat_postMessage(
            channel=channel,
            thread_ts=str(event.get("thread_ts") or event.get("ts")),
            **render_answer(answer),
        )

    return handle_app_mention
