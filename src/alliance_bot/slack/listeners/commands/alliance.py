"""`/alliance TEXT`: answer ephemerally in the ack when the answer is ready in time, else
acknowledge at once and answer through `response_url`.

Slack shows a message sent back in a slash command's ack as the reply (ephemeral unless
`response_type` says otherwise), exactly as it shows a post to the command's `response_url`.
Answering in the ack saves the second HTTP request, its TLS connection and its retries: a
profile of `serve` put that post at ~22% of the main thread. A short question is answered before
the ack on the event loop (`on_loop`), so it always goes in the ack; a long one is given
`ANSWER_IN_ACK_WITHIN` and otherwise posted later, as is every sub-command's reply (they may wait
on Slack or the database). A failure before the ack gets the apology as the ack (`errors.py`).

`/alliance <name> …` goes to a sub-command when `name` is in the dispatch table
(`Services.subcommands`, filled by `build_app`), so admin commands plug in without touching this
handler; any other text, `help` and the empty line included, is a question for the engine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.answering.answer import Answer
from alliance_bot.slack.features import Services, SubcommandRequest
from alliance_bot.slack.incoming import plain_text
from alliance_bot.slack.on_loop import ANSWER_IN_ACK_WITHIN, start_answer
from alliance_bot.slack.render.answers import Message, ShareRef, render_answer, render_notice

Listener = Callable[..., Awaitable[None]]


def alliance_command(services: Services) -> Listener:
    """The `/alliance` listener, bound to `services`."""

    async def handle_alliance(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        raw = str(command.get("text", ""))
        text = plain_text(raw)
        name, _, args = text.partition(" ")
        subcommand = services.subcommands.get(name.lower())
        user_id = str(command.get("user_id", ""))
        if subcommand is not None:
            # Ack first, with nothing: Slack's 3 seconds must never depend on Slack or the database.
            await ack()
            is_admin = await services.gate.allows(user_id)
            if subcommand.admin_only and not is_admin:
                refusal = await services.gate.refuse(user_id, name.lower())
                await respond(**render_notice(refusal), response_type="ephemeral")
                return
            request = SubcommandRequest(
                name=name.lower(),
                args=args.strip(),
                raw_args=raw.strip().partition(" ")[2].strip(),
                trigger_id=str(command.get("trigger_id", "")),
                user_id=user_id,
                channel_id=str(command.get("channel_id", "")),
                is_admin=is_admin,
                respond=respond,
                client=client,
                services=services,
            )
            await subcommand.handler(request)
            return
        kb = services.knowledge.current  # one snapshot for the whole question
        today = services.today()
        answering = start_answer(services.engine, kb, text, today)
        if not answering.done():
            await asyncio.wait((answering,), timeout=ANSWER_IN_ACK_WITHIN)
        if answering.done():
            await ack(**_reply(answering.result(), text, today), response_type="ephemeral")
            return
        await ack()  # Slack's 3 seconds must never depend on the answer's cost
        await respond(**_reply(await answering, text, today), response_type="ephemeral")

    return handle_alliance


def _reply(answer: Answer, text: str, today: dt.date) -> Message:
    """The answer to `text` as the asker sees it, with a Share button when it answered."""
    share = ShareRef(question=text, today=today) if answer.status == "answer" else None
    return render_answer(answer, share=share)
