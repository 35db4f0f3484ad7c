"""What the listeners need, passed in explicitly: settings, the knowledge base, the clock, the
answer engine and the `/alliance` sub-command table other modules plug into."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.answering.answer import Answer
from alliance_bot.config import Settings
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.delivery import DeliveryGuard, MemoryDeliveryGuard, all_first_time


@dataclass(frozen=True, kw_only=True)
class AnswerEngine:
    """The two domain calls the Slack app makes; tests swap in engines that fail on purpose."""

    answer: Callable[[KnowledgeBase, str, dt.date], Answer]
    answer_entry: Callable[[KnowledgeBase, str], Answer]

    @classmethod
    def default(cls) -> AnswerEngine:
        """The real engine, `alliance_bot.answering.engine`."""
        from alliance_bot.answering import (
            engine as answering,  # imported here so tests can run without it
        )

        return cls(answer=answering.answer, answer_entry=answering.answer_entry)


@dataclass(frozen=True, kw_only=True)
class SubcommandRequest:
    """One `/alliance <name> <args>` invocation, handed to the sub-command's handler.

    `args` is the rest of the line as plain text (Slack's `&lt;`, `<@U…>` markup already undone);
    whatever a handler puts in a message must still go through `blocks` (which escapes).
    """

    name: str
    args: str
    user_id: str
    channel_id: str
    is_admin: bool
    respond: AsyncRespond
    client: AsyncWebClient
    services: Services


SubcommandHandler = Callable[[SubcommandRequest], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    """An entry of the `/alliance` dispatch table. For `admin_only` ones the dispatcher asks the
    `AdminGate` first; the command has already been acknowledged when `handler` runs."""

    handler: SubcommandHandler
    admin_only: bool = True
    summary: str = ""


Refusal = Callable[[str, str], str]
"""(user id, command) → the refusal to show; may log and record the attempt (runs in a thread)."""


def plain_refusal(user_id: str, command: str) -> str:
    return f"/alliance {command} is for alliance-bot admins (ALLIANCE_ADMINS)."


@dataclass(frozen=True)
class AdminGate:
    """Admin rights, checked in this one place: by Slack user ID, against ALLIANCE_ADMINS.

    The `/alliance` dispatcher asks it before any `admin_only` sub-command, and admin buttons ask
    it before acting; `refusal` is what a refused user is told (the admin feature's version also
    logs and records the attempt)."""

    admins: frozenset[str]
    refusal: Refusal = plain_refusal

    def allows(self, user_id: str) -> bool:
        return user_id in self.admins

    async def refuse(self, user_id: str, command: str) -> str:
        return await asyncio.to_thread(self.refusal, user_id, command)


@dataclass(frozen=True, kw_only=True)
class Services:
    """Everything a listener may use; built once by `build_app`."""

    settings: Settings
    knowledge: KnowledgeHolder
    engine: AnswerEngine
    clock: Callable[[], dt.datetime]
    gate: AdminGate
    subcommands: Mapping[str, Subcommand] = field(default_factory=dict)
    # Which messages were already answered (a mention edited later must not be answered again)
    deliveries: DeliveryGuard = field(default_factory=MemoryDeliveryGuard)

    async def first_answer(self, channel: str, ts: str) -> bool:
        """Claim the answer to message `ts` in `channel`: True the first time only. Slack re-sends
        a mention when it is edited, with a new event id; the message's (channel, ts) stays."""
        key = f"reply:{channel}:{ts}"
        return await asyncio.to_thread(all_first_time, self.deliveries, [key], self.clock())

    def today(self) -> dt.date:
        """Today in the team's time zone (`ALLIANCE_TIMEZONE`), which is what "today" means."""
        return self.clock().astimezone(self.settings.timezone).date()
