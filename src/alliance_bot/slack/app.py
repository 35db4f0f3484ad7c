"""The one place everything is wired: `wire(settings, knowledge)` builds, once at start-up, the
state stores, the Web API clients, the daily post's channels, the admin feature, the settings set
from Slack, the admin check, every `/alliance` sub-command and listener (the Home tab's
included), and the background jobs that run beside the app in both modes — and, around them,
what operating it needs (`operations.py`): the metrics, the count of answers in flight that a
shutdown waits for.

Nothing is built at import time or per request, and nothing here reads the environment: the
entry points in `run.py` make the `Settings` and the `KnowledgeHolder` and pass them in.
`build_app` is the Bolt app alone, for tests that plug in their own sub-commands.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.admin.settings import (
    EffectiveSettings,
    SettingsInvalid,
    SettingsService,
    SettingsStore,
    SettingsUpdate,
    SqlSettingsStore,
    effective,
    parse_timezone,
)
from alliance_bot.admin.settings import StoredSettings as _Stored
from alliance_bot.admin.state import AdminState, SqlAdminState
from alliance_bot.config import Settings
from alliance_bot.daily.scheduler import DailySchedule, run_daily_scheduler
from alliance_bot.daily.state import PostState, SqlPostState
from alliance_bot.knowledge.cluster import KnowledgeCluster
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.daily_channel import SlackDailyChannel
from alliance_bot.slack.delivery import DeliveryGuard, process_once
from alliance_bot.slack.features import (
    AdminGate,
    AnswerEngine,
    Services,
    Subcommand,
    Workspace,
    WorkspaceAdmins,
)
from alliance_bot.slack.installations import (
    Installations,
    InstallListener,
    bind_workspace,
    token_source,
)
from alliance_bot.slack.listeners import register_listeners
from alliance_bot.slack.listeners.commands.admin import wire_admin
from alliance_bot.slack.listeners.commands.daily import daily_subcommands
from alliance_bot.slack.listeners.commands.settings import settings_subcommands
from alliance_bot.slack.metrics import Metrics
from alliance_bot.slack.middleware import Next, direct
from alliance_bot.slack.operations import (
    InFlight,
    ObservedAdminState,
    metered_engine,
    observe_listeners,
)
from alliance_bot.slack.render.admin import admin_text
from alliance_bot.slack.replies import ReplySession, checked_respond
from alliance_bot.slack.server import BackgroundJob
from alliance_bot.slack.web_client import build_web_client, make_slack_client
from alliance_bot.slack.workspaces import run_for_every_workspace
from alliance_bot.state import DeliveryLog, open_database, waiting_for_database
from alliance_bot.state.workspace import WorkspaceKey, current_workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wiring:
    """The Bolt app with every feature plugged in, and the jobs to run beside it."""

    app: AsyncApp
    jobs: list[BackgroundJob]
    metrics: Metrics = field(default_factory=Metrics)
    in_flight: InFlight = field(default_factory=InFlight)
    replies: ReplySession = field(default_factory=ReplySession)


def wire(
    settings: Settings,
    knowledge: KnowledgeHolder,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    engine: AnswerEngine | None = None,
    admin_state: AdminState | None = None,
    post_state: PostState | None = None,
    settings_store: SettingsStore | None = None,
    cluster: KnowledgeCluster | None = None,
) -> Wiring:
    """Build everything once (see the module); defaults come from `settings`. With `cluster`
    (the entry points always pass one), the knowledge base follows the database's current
    version and admin changes are stored there."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    metrics, in_flight, replies = Metrics(), InFlight(), ReplySession()
    admin_store = admin_state if admin_state is not None else SqlAdminState.for_settings(settings)
    admin = wire_admin(
        settings,
        knowledge,
        state=ObservedAdminState(admin_store, metrics),
        clock=now,
        cluster=cluster,
    )
    store = (
        settings_store if settings_store is not None else SqlSettingsStore.for_settings(settings)
    )
    workspace_settings = SettingsService(store, settings, clock=now)
    posts = post_state if post_state is not None else SqlPostState.for_settings(settings)
    client = build_web_client(settings, observer=metrics)
    in_force = _SettingsInForce(workspace_settings)
    # Several workspaces (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET): tokens from the installations.
    installations = (
        Installations(settings, open_database(settings.database), client=client)
        if settings.multi_workspace
        else None
    )
    tokens = token_source(installations, settings)

    async def bot_admins() -> frozenset[str]:
        return (await in_force.read()).bot_admins

    gate = AdminGate(
        settings.admins,
        refusal=lambda user_id, command: admin_text(admin.admin.refuse(user_id, command)),
        bot_admins=bot_admins,
        workspace_admins=WorkspaceAdmins(
            client, token=tokens if installations is not None else None
        ),
    )
    # Its own client: the daily post's retry handlers never re-send a post blindly.
    daily_client = make_slack_client(
        token=settings.bot_token, base_url=settings.api_url, observer=metrics
    )
    channels: dict[tuple[WorkspaceKey, str, str], SlackDailyChannel] = {}
    daily_clients: dict[WorkspaceKey, AsyncWebClient] = {}

    def daily_channel(channel_id: str, timezone: ZoneInfo) -> SlackDailyChannel:
        # Each workspace posts with its own client, which carries its (rotated) token.
        workspace = current_workspace()
        key = (workspace, channel_id, timezone.key)
        if key not in channels:
            poster = daily_client
            if installations is not None:
                poster = daily_clients.setdefault(
                    workspace,
                    make_slack_client(token=None, base_url=settings.api_url, observer=metrics),
                )
            channels[key] = SlackDailyChannel(poster, channel_id, timezone)
        return channels[key]

    channel = (
        daily_channel(settings.daily_channel, settings.timezone) if settings.daily_channel else None
    )

    async def schedule() -> DailySchedule:
        current = await in_force.read()
        daily_channels = current.daily_channels
        if installations is not None:
            token = await tokens(current_workspace())
            if token is None:
                daily_channels = ()  # uninstalled: nothing more is posted there
            else:
                daily_clients.setdefault(
                    current_workspace(),
                    make_slack_client(token=None, base_url=settings.api_url, observer=metrics),
                ).token = token
        return DailySchedule(
            channels=tuple(daily_channel(c, current.timezone) for c in daily_channels),
            time=current.daily_time,
            timezone=current.timezone,
            fallback=current.fallback,
        )

    workspace = Workspace(admin=admin.admin, settings=workspace_settings, posts=posts)
    app = build_app(
        settings,
        knowledge=knowledge,
        engine=metered_engine(admin.engine(engine), metrics),
        clock=now,
        gate=gate,
        client=client,
        workspace=workspace,
        timezone=lambda: in_force.last.timezone,
        installations=installations,
        on_installed=_default_timezone(workspace_settings, tokens, client),
        replies=replies,
        subcommands={
            **daily_subcommands(settings, state=posts, channel=channel, schedule=schedule),
            **admin.subcommands,
            **settings_subcommands(),
        },
    )
    admin.register(app, gate)
    observe_listeners(app, in_flight, metrics)
    metrics.watch_knowledge(knowledge)
    metrics.watch_in_flight(lambda: in_flight.count)
    metrics.watch_recorder(admin.recorder)

    async def daily_post_for(changed: asyncio.Event) -> None:
        await run_daily_scheduler(
            settings=settings,
            knowledge=knowledge,
            channel=channel,
            state=posts,
            settings_source=schedule,
            changed=changed,
            observer=metrics,
        )

    async def daily_post() -> None:
        if installations is None:
            await daily_post_for(workspace.settings_changed)
            return
        await run_for_every_workspace(
            installed=lambda: asyncio.to_thread(installations.installed),
            run=daily_post_for,
            installs_changed=installations.changed,
            settings_changed=workspace.settings_changed,
        )

    following = [cluster.follow] if cluster is not None else []
    jobs = [daily_post, *admin.background(), *following, replies.closer]
    return Wiring(app, jobs, metrics, in_flight, replies)


class _SettingsInForce:
    """Reads the settings in force for the scheduler and the admin check; if the state file
    cannot be read, the last good reading (at first: the environment's) keeps things running."""

    def __init__(self, service: SettingsService) -> None:
        self._service = service
        self._first: EffectiveSettings = effective(_Stored(), service.defaults)
        self._last: dict[WorkspaceKey, EffectiveSettings] = {}
        self._waiting = False  # the database is down: said once, not at every reading

    @property
    def last(self) -> EffectiveSettings:
        """The current workspace's latest reading, without waiting (the scheduler reads at least
        once a minute, and at once after a change)."""
        return self._last.get(current_workspace(), self._first)

    async def read(self) -> EffectiveSettings:
        workspace = current_workspace()
        try:
            self._last[workspace] = await asyncio.to_thread(self._service.current)
        except Exception as error:
            outage = waiting_for_database(error)
            if outage is None:
                logger.exception("could not read the settings; using the last ones read")
            elif not self._waiting:
                logger.warning(
                    "waiting for the database (%s); using the settings last read", outage
                )
            self._waiting = outage is not None
        else:
            if self._waiting:
                logger.info("the database answers again; settings read")
            self._waiting = False
        return self._last.get(workspace, self._first)


def build_app(
    settings: Settings,
    *,
    # What the app answers from
    knowledge: KnowledgeHolder,
    engine: AnswerEngine | None = None,
    # "Now", injectable so tests can pin the day; defaults to the wall clock
    clock: Callable[[], dt.datetime] | None = None,
    # `/alliance <name>` sub-commands, e.g. {"refresh": Subcommand(...)}
    subcommands: Mapping[str, Subcommand] | None = None,
    # Who may run admin commands; default: ALLIANCE_ADMINS with a plain refusal
    gate: AdminGate | None = None,
    # Slack plumbing, built from settings when not given: the Web API client, and the record of
    # deliveries already processed (default: the `deliveries` table of the state database)
    client: AsyncWebClient | None = None,
    deliveries: DeliveryGuard | None = None,
    # The Home tab's admin parts and `/alliance settings`; without it they are left out
    workspace: Workspace | None = None,
    # The time zone in force, when settings from Slack may change it; default ALLIANCE_TIMEZONE
    timezone: Callable[[], ZoneInfo] | None = None,
    # Several workspaces: the installations (Bolt's OAuth flow on them), and what follows an
    # install (the installer's time zone as the default)
    installations: Installations | None = None,
    on_installed: InstallListener | None = None,
    # The session every response_url post shares (closed by its owner); default: one per post
    replies: ReplySession | None = None,
) -> AsyncApp:
    """Build the Bolt app: Web API client with retries, listeners, delivery guard."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    guard = deliveries if deliveries is not None else DeliveryLog(open_database(settings.database))
    services = Services(
        settings=settings,
        knowledge=knowledge,
        engine=engine or AnswerEngine.default(),
        clock=now,
        gate=gate or AdminGate(settings.admins),
        subcommands={name.lower(): sub for name, sub in (subcommands or {}).items()},
        deliveries=guard,
        workspace=workspace,
        timezone=timezone,
        uninstall=installations,
    )
    oauth: dict[str, Any] = {}
    if installations is not None:
        oauth = {
            "installation_store": installations.store,
            "installation_store_bot_only": True,
            "oauth_settings": installations.oauth_settings(
                settings, installed=on_installed or _nothing_after_install
            ),
        }
    app = AsyncApp(
        client=client or build_web_client(settings),
        # Never None: Bolt would fall back to reading SLACK_SIGNING_SECRET itself. HTTP mode
        # refuses to start without a secret (`Settings.require_http`), so "" is Socket Mode only.
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=True,
        # Ack first, answer after: listeners run after the HTTP response is sent.
        process_before_response=False,
        # A request no listener matches goes to our error handler, which acks it (see errors.py)
        raise_error_for_unhandled_request=True,
        **oauth,
    )
    app.use(direct(acknowledge_rate_limit_notices))
    # Before the delivery guard, whose keys include the workspace
    app.use(direct(bind_workspace(installations is not None)))
    app.use(direct(process_once(guard, now)))
    app.use(direct(checked_respond(replies)))
    register_listeners(app, services)
    return app


async def _nothing_after_install(workspace: WorkspaceKey, installer: str | None) -> None:
    return None


def _default_timezone(
    service: SettingsService,
    tokens: Callable[[WorkspaceKey], Awaitable[str | None]],
    client: AsyncWebClient,
) -> InstallListener:
    """After an install: the installing user's time zone (users.info) becomes the workspace's,
    unless one was set from Slack already (a reinstall keeps it). Recorded as set by them."""

    async def installed(workspace: WorkspaceKey, installer: str | None) -> None:
        if not installer or (await asyncio.to_thread(service.store.load)).timezone:
            return
        response = await client.users_info(user=installer, token=await tokens(workspace))
        zone = str((response.get("user") or {}).get("tz") or "")
        try:
            update = SettingsUpdate(timezone=parse_timezone(zone))
        except SettingsInvalid:
            logger.info("the installer's time zone is not one we know; the default applies")
            return
        await asyncio.to_thread(service.apply, installer, update)

    return installed


async def acknowledge_rate_limit_notices(
    body: dict[str, Any], context: AsyncBoltContext, next: Next
) -> BoltResponse | None:
    """Slack sends `app_rate_limited` unasked when it drops our events for a minute; answer 200
    (anything else counts as a failed delivery) and say which minute in the log."""
    if body.get("type") == "app_rate_limited":
        minute = body.get("minute_rate_limited")
        when = (
            dt.datetime.fromtimestamp(minute, dt.UTC).isoformat(timespec="minutes")
            if isinstance(minute, int) and 0 <= minute < 2**33
            else "an unknown minute"
        )
        logger.warning("Slack rate-limited the events sent to this app for %s", when)
        return BoltResponse(status=200, body="")
    await next()
    return None
