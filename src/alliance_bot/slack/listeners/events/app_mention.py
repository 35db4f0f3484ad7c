"""`@alliance who is Hamada` in a channel: answer in a thread under the mention, once.

Slack re-sends `app_mention` when the message is edited (with an `edited` field and a new
`event_id`); the message keeps its (channel, ts), and that is what the answer is keyed on, so
an edit never gets a second reply. Instead the earlier reply, found in the thread by its
metadata, is updated to answer the edited question (`chat.update`).

Mentions by bots (another app's, or our own) and mentions in a canvas (`document_mention`) are
not questions: answering bots risks reply loops, and a canvas has no thread to answer in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.incoming import plain_text, question_from_mention
from alliance_bot.slack.on_loop import answer_question
from alliance_bot.slack.render.answers import render_answer, render_text_only
from alliance_bot.slack.replies import post_reply, update_reply

Listener = Callable[..., Awaitable[None]]

_NOT_QUESTIONS = frozenset({"bot_message", "document_mention"})

logger = logging.getLogger(__name__)


def app_mention(services: Services) -> Listener:
    """The `app_mention` listener, bound to `services`."""

    async def handle_app_mention(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        channel = str(event.get("channel", ""))
        if channel.startswith("D"):
            return  # a mention inside a DM also arrives as message.im, which answers it
        if event.get("bot_id") or event.get("subtype") in _NOT_QUESTIONS:
            return
        ts = str(event.get("ts", ""))
        thread_ts = str(event.get("thread_ts") or ts)
        what = f"mention {ts[:40]!a} in {channel[:40]!a}"
        if "edited" in event:
            message = await _reply_to(services, event, context)
            await update_reply(
                client,
                channel=channel,
                source_ts=ts,
                thread_ts=thread_ts,
                message=message,
                what=what,
            )
            return
        if not await services.first_answer(channel, ts):
            logger.info("%s already answered", what)
            return
        message = await _reply_to(services, event, context)
        await post_reply(
            client, channel=channel, source_ts=ts, thread_ts=thread_ts, message=message, what=what
        )

    return handle_app_mention


async def _reply_to(
    services: Services, event: dict[str, Any], context: AsyncBoltContext
) -> dict[str, Any]:
    text = plain_text(question_from_mention(str(event.get("text", "")), context.bot_user_id))
    if not text and event.get("files"):
        return render_text_only()
    kb = services.knowledge.current
    answer = await answer_question(services.engine, kb, text, services.today())
    return render_answer(answer)  # no Share button: the thread is already public
