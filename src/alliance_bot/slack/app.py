"""`build_app(settings, …)`: the one place that wires the Bolt app.

Nothing is built at import time and nothing here reads the environment: the entry points in
`run.py` make the `Settings` and the `KnowledgeHolder` and pass them in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.config import Settings
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.features import AnswerEngine, Services, Subcommand
from alliance_bot.slack.listeners import register_listeners
from alliance_bot.slack.redelivery import RecentEvents, drop_redelivered_events

logger = logging.getLogger(__name__)


def build_app(
    settings: Settings,
    *,
    # What the app answers from
    knowledge: KnowledgeHolder,
    engine: AnswerEngine | None = None,
    # "Now", injectable so tests can pin the day; defaults to the wall clock
    clock: Callable[[], dt.datetime] | None = None,
    # HOOK (admin commands): `/alliance <name>` sub-commands, e.g. {"refresh": Subcommand(...)};
    # `refresh`, `preview`, `post-today`, `gaps`, `stats`, `rollback` plug in here
    subcommands: Mapping[str, Subcommand] | None = None,
    # Slack plumbing, built from settings when not given
    client: AsyncWebClient | None = None,
) -> AsyncApp:
    """Build the Bolt app: Web API client with retries, listeners, redelivery guard."""
    services = Services(
        settings=settings,
        knowledge=knowledge,
        engine=engine or AnswerEngine.default(),
        clock=clock or (lambda: dt.datetime.now(dt.UTC)),
        subcommands={name.lower(): sub for name, sub in (subcommands or {}).items()},
    )
    app = AsyncApp(
        client=client or build_web_client(settings),
        # Never None: Bolt would fall back to reading SLACK_SIGNING_SECRET itself. HTTP mode
        # refuses to start without a secret (`Settings.require_http`), so "" is Socket Mode only.
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=True,
        # Ack first, answer after: listeners run after the HTTP response is sent.
        process_before_response=False,
    )
    # HOOK (daily post): the daily scheduler does not need the Bolt app; it is started next to
    # the server in `run.py` (`_background_jobs`) with `app.client`.
    app.use(drop_redelivered_events(RecentEvents()))
    register_listeners(app, services)
    return app


def build_web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: `SLACK_API_URL` as base URL, and slack-sdk's retry handlers for rate
    limits (honouring `Retry-After`), 500/503 answers and dropped connections."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
