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
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.admin.settings import (
    EffectiveSettings,
    SettingsService,
    SettingsStore,
    SqlSettingsStore,
    effective,
)
from alliance_bot.admin.settings import StoredSettings as _Stored
from alliance_bot.admin.state import AdminState, SqlAdminState
from alliance_bot.config import Settings
from alliance_bot.daily.scheduler import DailySchedule, run_daily_scheduler
from alliance_bot.daily.state import PostState, SqlPostState
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
from alliance_bot.slack.listeners import register_listeners
from alliance_bot.slack.listeners.commands.admin import wire_admin
from alliance_bot.slack.listeners.commands.daily import daily_subcommands
from alliance_bot.slack.listeners.commands.settings import settings_subcommands
from alliance_bot.slack.metrics import Metrics
from alliance_bot.slack.operations import (
    InFlight,
    ObservedAdminState,
    metered_engine,
    observe_listeners,
)
from alliance_bot.slack.render.admin import admin_text
from alliance_bot.slack.replies import checked_respond
from alliance_bot.slack.server import BackgroundJob
from alliance_bot.slack.web_client import build_web_client, make_slack_client
from alliance_bot.state import DeliveryLog, open_database, waiting_for_database

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wiring:
    """The Bolt app with every feature plugged in, and the jobs to run beside it."""

    app: AsyncApp
    jobs: list[BackgroundJob]
    metrics: Metrics = field(default_factory=Metrics)
    in_flight: InFlight = field(default_factory=InFlight)


def wire(
    settings: Settings,
    knowledge: KnowledgeHolder,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    engine: AnswerEngine | None = None,
    admin_state: AdminState | None = None,
    post_state: PostState | None = None,
    settings_store: SettingsStore | None = None,
) -> Wiring:
    """Build everything once (see the module); defaults come from `settings`."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    metrics, in_flight = Metrics(), InFlight()
    admin_store = admin_state if admin_state is not None else SqlAdminState.for_settings(settings)
    admin = wire_admin(
        settings, knowledge, state=ObservedAdminState(admin_store, metrics), clock=now
    )
    store = (
        settings_store if settings_store is not None else SqlSettingsStore.for_settings(settings)
    )
    workspace_settings = SettingsService(store, settings, clock=now)
    posts = post_state if post_state is not None else SqlPostState.for_settings(settings)
    client = build_web_client(settings, observer=metrics)
    in_force = _SettingsInForce(workspace_settings)

    async def bot_admins() -> frozenset[str]:
        return (await in_force.read()).bot_admins

    gate = AdminGate(
        settings.admins,
        refusal=lambda user_id, command: admin_text(admin.admin.refuse(user_id, command)),
        bot_admins=bot_admins,
        workspace_admins=WorkspaceAdmins(client),
    )
    # Its own client: the daily post's retry handlers never re-send a post blindly.
    daily_client = make_slack_client(
        token=settings.bot_token, base_url=settings.api_url, observer=metrics
    )
    channels: dict[tuple[str, str], SlackDailyChannel] = {}

    def daily_channel(channel_id: str, timezone: ZoneInfo) -> SlackDailyChannel:
        key = (channel_id, timezone.key)
        if key not in channels:
            channels[key] = SlackDailyChannel(daily_client, channel_id, timezone)
        return channels[key]

    channel = (
        daily_channel(settings.daily_channel, settings.timezone) if settings.daily_channel else None
    )

    async def schedule() -> DailySchedule:
        current = await in_force.read()
        return DailySchedule(
            channels=tuple(daily_channel(c, current.timezone) for c in current.daily_channels),
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

    async def daily_post() -> None:
        await run_daily_scheduler(
            settings=settings,
            knowledge=knowledge,
            channel=channel,
            state=posts,
            settings_source=schedule,
            changed=workspace.settings_changed,
            observer=metrics,
        )

    return Wiring(app, [daily_post, *admin.background()], metrics, in_flight)


class _SettingsInForce:
    """Reads the settings in force for the scheduler and the admin check; if the state file
    cannot be read, the last good reading (at first: the environment's) keeps things running."""

    def __init__(self, service: SettingsService) -> None:
        self._service = service
        self._last: EffectiveSettings = effective(_Stored(), service.defaults)
        self._waiting = False  # the database is down: said once, not at every reading

    @property
    def last(self) -> EffectiveSettings:
        """The latest reading, without waiting (the scheduler reads at least once a minute, and
        at once after a change)."""
        return self._last

    async def read(self) -> EffectiveSettings:
        try:
            self._last = await asyncio.to_thread(self._service.current)
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
        return self._last


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
    )
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
    )
    app.use(acknowledge_rate_limit_notices)
    app.use(process_once(guard, now))
    app.use(checked_respond())
    register_listeners(app, services)
    return app


async def acknowledge_rate_limit_notices(
    body: dict[str, Any], next: Callable[[], Awaitable[None]]
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
