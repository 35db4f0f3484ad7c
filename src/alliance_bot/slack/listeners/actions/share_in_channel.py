"""Share in channel: post the asker's answer for everyone, saying who shared it.

An ephemeral message's click payload does not include the message, so the button's value carries
what is needed to render the same answer again (`blocks.ShareRef`): the question and the day it
was asked, or the entry id. The post goes through `response_url`, which works in channels the bot
has not joined.

The private copy is deleted only once the public post got a 200: in an announcement-only
channel, or after the URL expired, Slack refuses the post, and deleting first would leave the
user with nothing. Then the user is told privately why, and the log gets a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from alliance_bot.logs import excerpt
from alliance_bot.slack.features import Services
from alliance_bot.slack.on_loop import answer_question
from alliance_bot.slack.render.answers import ShareRef, render_share_refused, render_shared
from alliance_bot.slack.replies import refusal_reason

Listener = Callable[..., Awaitable[None]]

logger = logging.getLogger(__name__)


def share_in_channel(services: Services) -> Listener:
    """The Share button listener, bound to `services`."""

    async def handle_share(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        ref = ShareRef.decode(str(action.get("value", "")))
        kb = services.knowledge.current
        if ref.entry_id is not None:
            answer = await asyncio.to_thread(services.engine.answer_entry, kb, ref.entry_id)
        else:
            today = ref.today or services.today()
            answer = await answer_question(services.engine, kb, ref.question or "", today)
        user_id = str(body.get("user", {}).get("id", ""))
        message = render_shared(answer, user_id=user_id, question=ref.question)
        shared = await respond(**message, response_type="in_channel", replace_original=False)
        if shared.status_code != 200:
            channel = str((body.get("channel") or {}).get("id", ""))
            logger.warning(
                "Share in channel refused for %s in %s: HTTP %d; the private answer is kept",
                excerpt(user_id, 40),
                excerpt(channel, 40),
                shared.status_code,
            )
            note = render_share_refused(refusal_reason(shared))
            await respond(**note, response_type="ephemeral", replace_original=False)
            return
        if body.get("container", {}).get("is_ephemeral"):
            # The private copy has done its job; leaving it would show the answer twice.
            await respond(delete_original=True)

    return handle_share
