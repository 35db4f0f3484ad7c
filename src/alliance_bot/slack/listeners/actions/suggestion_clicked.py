"""A did-you-mean button: answer the entry it names, only to the person who clicked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from alliance_bot.slack.features import Services
from alliance_bot.slack.render.answers import ShareRef, render_answer

Listener = Callable[..., Awaitable[None]]


def suggestion_clicked(services: Services) -> Listener:
    """The suggestion button listener, bound to `services`."""

    async def handle_suggestion(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        entry_id = str(action.get("value", ""))
        kb = services.knowledge.current
        answer = await asyncio.to_thread(services.engine.answer_entry, kb, entry_id)
        share = ShareRef(entry_id=entry_id) if answer.status == "answer" else None
        # Replace the private suggestions message; a public one (a thread reply) stays for others.
        ephemeral = bool(body.get("container", {}).get("is_ephemeral"))
        await respond(
            **render_answer(answer, share=share),
            response_type="ephemeral",
            replace_original=ephemeral,
        )

    return handle_suggestion
