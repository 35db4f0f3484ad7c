"""A direct message to the bot (`message.im`): answer in the DM, once per message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.incoming import plain_text, strip_bot_mentions
from alliance_bot.slack.on_loop import answer_question
from alliance_bot.slack.render.answers import render_answer, render_text_only
from alliance_bot.slack.replies import post_reply

Listener = Callable[..., Awaitable[None]]

# Message subtypes that are a person writing to us (`me_message` is `/me asks …`); edits,
# deletions, joins and bot posts are not.
_ANSWERED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})


async def is_direct_message(event: dict[str, Any]) -> bool:
    """Matcher: a new message in a DM, written by a person."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") in _ANSWERED_SUBTYPES
        and not event.get("bot_id")
    )


def direct_message(services: Services) -> Listener:
    """The `message.im` listener, bound to `services`."""

    async def handle_direct_message(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        channel = str(event.get("channel", ""))
        ts = str(event.get("ts", ""))
        if not await services.first_answer(channel, ts):
            return
        text = plain_text(strip_bot_mentions(str(event.get("text", "")), context.bot_user_id))
        if not text and event.get("files"):
            message = render_text_only()  # a picture alone: the help text would be no answer
        else:
            kb = services.knowledge.current
            answer = await answer_question(services.engine, kb, text, services.today())
            message = render_answer(answer)
        thread_ts = event.get("thread_ts")  # stay in a thread if the question was asked in one
        await post_reply(
            client,
            channel=channel,
            source_ts=ts,
            thread_ts=str(thread_ts) if thread_ts else None,
            message=message,
            what=f"direct message {ts[:40]!a} in {channel[:40]!a}",
        )

    return handle_direct_message
