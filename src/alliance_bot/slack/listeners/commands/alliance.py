"""`/alliance TEXT`: acknowledge at once, then answer ephemerally through `response_url`.

`/alliance <name> …` goes to a sub-command when `name` is in the dispatch table
(`Services.subcommands`, filled by `build_app`), so admin commands plug in without touching this
handler; any other text, `help` and the empty line included, is a question for the engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services, SubcommandRequest
from alliance_bot.slack.incoming import plain_text
from alliance_bot.slack.on_loop import answer_question
from alliance_bot.slack.render.answers import ShareRef, render_answer, render_notice

Listener = Callable[..., Awaitable[None]]


def alliance_command(services: Services) -> Listener:
    """The `/alliance` listener, bound to `services`."""

    async def handle_alliance(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        # Ack first, with nothing: Slack's 3 seconds must never depend on the answer's cost.
        await ack()
        raw = str(command.get("text", ""))
        text = plain_text(raw)
        name, _, args = text.partition(" ")
        subcommand = services.subcommands.get(name.lower())
        user_id = str(command.get("user_id", ""))
        if subcommand is not None:
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
        answer = await answer_question(services.engine, kb, text, today)
        share = ShareRef(question=text, today=today) if answer.status == "answer" else None
        await respond(**render_answer(answer, share=share), response_type="ephemeral")

    return handle_alliance
