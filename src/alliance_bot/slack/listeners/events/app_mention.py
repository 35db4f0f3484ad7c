"""`@alliance who is Hamada` in a channel: answer in a thread under the mention, once.

Slack re-sends `app_mention` when the message is edited (with an `edited` field and a new
`event_id`); the message keeps its (channel, ts), and that is what the answer is keyed on, so
an edit never gets a second reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.incoming import plain_text, question_from_mention
from alliance_bot.slack.render.answers import render_answer, render_text_only
from alliance_bot.slack.replies import post_reply

Listener = Callable[..., Awaitable[None]]

logger = logging.getLogger(__name__)


def app_mention(services: Services) -> Listener:
    """The `app_mention` listener, bound to `services`."""

    async def handle_app_mention(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        channel = str(event.get("channel", ""))
        if channel.startswith("D"):
            return  # a mention inside a DM also arrives as message.im, which answers it
        ts = str(event.get("ts", ""))
        if not await services.first_answer(channel, ts):
            logger.info(
                "Mention %s in %s already answered (edited: %s)", ts, channel, "edited" in event
            )
            return
        text = plain_text(question_from_mention(str(event.get("text", "")), context.bot_user_id))
        if not text and event.get("files"):
            message = render_text_only()
        else:
            kb = services.knowledge.current
            answer = await asyncio.to_thread(services.engine.answer, kb, text, services.today())
            message = render_answer(answer)  # no Share button: the thread is already public
        await post_reply(
            client,
            channel=channel,
            source_ts=ts,
            thread_ts=str(event.get("thread_ts") or ts),
            message=message,
            what=f"mention {ts} in {channel}",
        )

    return handle_app_mention
