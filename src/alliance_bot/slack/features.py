"""What the listeners need, passed in explicitly: settings, the knowledge base, the clock, the
answer engine, the admin check (`AdminGate`), the `/alliance` sub-command table other modules
plug into, and the workspace features (the Home tab, settings from Slack) when they are wired."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.admin.service import KnowledgeAdmin
from alliance_bot.admin.settings import SettingsService
from alliance_bot.answering.answer import Answer
from alliance_bot.config import Settings
from alliance_bot.daily.state import PostState
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.delivery import DeliveryGuard, MemoryDeliveryGuard, first_delivery
from alliance_bot.state.workspace import SINGLE_WORKSPACE, WorkspaceKey, current_workspace

logger = logging.getLogger(__name__)


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
    `raw_args` is the same as Slack sent it, for handlers that need the ids inside `<#C…|name>`.
    `trigger_id` lets a handler open a modal (empty when Slack sent none).
    """

    name: str
    args: str
    raw_args: str = ""
    trigger_id: str = ""
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


class WorkspaceAdmins:
    """Slack's own workspace admins and owners, seen through `users.info` (`is_admin`,
    `is_owner`), each answer cached for `ttl` seconds so a burst of clicks costs one call.

    A failed lookup counts as "not an admin" and is not cached: refusing once is better than
    letting someone in because Slack was down."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        token: Callable[[WorkspaceKey], Awaitable[str | None]] | None = None,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._monotonic = monotonic
        # With several workspaces, each asks with its own bot token (None: the client's).
        self._token = token
        self._cache: dict[tuple[WorkspaceKey, str], tuple[bool, float]] = {}
        self._asking: dict[tuple[WorkspaceKey, str], asyncio.Future[bool]] = {}

    async def is_admin(self, user_id: str) -> bool:
        now = self._monotonic()
        workspace = current_workspace()
        key = (workspace, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        # Lookups of one user at once are one call: a burst arrives before the first answer.
        asking = self._asking.get(key)
        if asking is None:
            asking = self._asking[key] = asyncio.ensure_future(self._ask(key, now))
            asking.add_done_callback(lambda _: self._asking.pop(key, None))
        return await asyncio.shield(asking)

    async def _ask(self, key: tuple[WorkspaceKey, str], now: float) -> bool:
        workspace, user_id = key
        try:
            token = await self._token(workspace) if self._token is not None else None
            response = await self._client.users_info(user=user_id, token=token)
        except (TimeoutError, SlackApiError, OSError) as error:
            logger.warning("users.info for %s failed (%s): treated as not an admin", user_id, error)
            return False
        user = response.get("user") or {}
        allowed = bool(user.get("is_admin") or user.get("is_owner"))
        if len(self._cache) > 10_000:
            self._cache.clear()  # bounded: a workspace has few admins, but many askers
        self._cache[key] = (allowed, now + self._ttl)
        return allowed


BotAdmins = Callable[[], Awaitable[frozenset[str]]]
"""The bot's own admins set from Slack (`/alliance settings`), read at each check."""


@dataclass(frozen=True)
class AdminGate:
    """Admin rights, checked in this one place, by Slack user ID: ALLIANCE_ADMINS, then the bot
    admins set from Slack (`bot_admins`), then Slack's workspace admins and owners
    (`workspace_admins`, through `users.info`).

    The `/alliance` dispatcher asks it before any `admin_only` sub-command, and admin buttons,
    the Home tab and the settings modal ask it before acting; `refusal` is what a refused user is
    told (the admin feature's version also logs and records the attempt)."""

    admins: frozenset[str]
    refusal: Refusal = plain_refusal
    bot_admins: BotAdmins | None = None
    workspace_admins: WorkspaceAdmins | None = None

    async def allows(self, user_id: str) -> bool:
        if not user_id:
            return False
        if user_id in self.admins:
            return True
        if self.bot_admins is not None and user_id in await self.bot_admins():
            return True
        return self.workspace_admins is not None and await self.workspace_admins.is_admin(user_id)

    async def refuse(self, user_id: str, command: str) -> str:
        return await asyncio.to_thread(self.refusal, user_id, command)


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """What the Home tab and `/alliance settings` use beyond answering: the knowledge base admin
    (gaps, refreshes), the settings in force, and the daily post's state."""

    admin: KnowledgeAdmin
    settings: SettingsService
    posts: PostState
    # Set after a settings change, so the scheduler looks at the new schedule at once
    settings_changed: asyncio.Event = field(default_factory=asyncio.Event)


class Uninstall(Protocol):
    """What the uninstall listeners call (`slack.installations.Installations`)."""

    async def uninstalled(self, context: AsyncBoltContext) -> None:
        """The app was removed from the request's workspace: forget its installation."""

    async def tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Some of the workspace's tokens were revoked: forget them."""


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
        workspace = current_workspace()
        key = f"reply:{workspace.enterprise_id}/{workspace.team_id}/{channel}:{ts}"
        if workspace == SINGLE_WORKSPACE:
            key = f"reply:{channel}:{ts}"  # as recorded before there were several workspaces
        return await first_delivery(self.deliveries, [key], self.clock())

    workspace: Workspace | None = None
    # The team's zone in force (set from Slack, else ALLIANCE_TIMEZONE); default: the setting
    timezone: Callable[[], ZoneInfo] | None = None
    # Installs in several workspaces: forgets a workspace on `app_uninstalled` and
    # `tokens_revoked` (None with the one workspace of SLACK_BOT_TOKEN)
    uninstall: Uninstall | None = None

    def today(self) -> dt.date:
        """Today in the team's time zone, which is what "today" means."""
        zone = self.timezone() if self.timezone is not None else self.settings.timezone
        return self.clock().astimezone(zone).date()
