"""Operating the app: what is in flight, request ids, the access log, metrics hooks, /metrics.

Every piece attaches from the outside, so the listeners, the server and the domain stay as they
are; `slack.app.wire` and `slack.run` plug them in:

- `observe_listeners(app, …)` installs Bolt's listener start and completion handlers. Bolt runs
  both inside the task that runs a listener after the ack, in HTTP and Socket Mode alike, so they
  see every listener's start and end: `InFlight` counts them (a shutdown waits for that count to
  reach zero), each gets a request id if it has none, and a question's answer time is measured
  from there to the reply.
- `metered_engine` marks the status of each answer (`answer`, `suggestions`, … or `error` when
  the engine raised) on the question being handled, so the completion handler can count it.
- `ObservedAdminState` counts refreshes by action and result, and refresh records the state
  database could not take (the question recorder counts its own).
- `instrument_web_app` adds the access-log middleware and `GET /metrics` to an aiohttp app;
  `build_health_app` is the small app Socket Mode serves on ALLIANCE_HEALTH_PORT.
- `ObservedSocketModeHandler` gives each Socket Mode envelope a request id and times its ack.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_completion_handler import (
    AsyncListenerCompletionHandler,
)
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from alliance_bot.admin.state import (
    MAX_GAPS,
    AdminState,
    AskedQuestion,
    Gap,
    RefreshRecord,
    Stats,
)
from alliance_bot.answering.answer import Answer
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.logs import REQUEST_ID, new_request_id
from alliance_bot.slack.features import AnswerEngine
from alliance_bot.slack.metrics import CONTENT_TYPE, Metrics
from alliance_bot.slack.server import EVENTS_PATH, DatabaseCheck, add_health_routes

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("alliance_bot.access")

METRICS_PATH = "/metrics"
# How long a shutdown waits for answers in flight: Docker's `stop` and Kubernetes' default grace
# period send SIGKILL after 10 s (Kubernetes: 30 s), so finishing within 10 s is what counts.
SHUTDOWN_GRACE = 10.0
# Paths in the access log are clipped: a path is whatever a client sent.
_PATH_LIMIT = 120


class InFlight:
    """How many listeners are running; `wait_idle` waits (bounded) for none to be."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    def begin(self) -> None:
        self._count += 1
        self._idle.clear()

    def end(self) -> None:
        self._count = max(0, self._count - 1)
        if self._count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> int:
        """Wait until nothing is in flight or `timeout` seconds pass; return what is left."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            pass
        return self._count


async def drain(in_flight: InFlight, *, grace: float = SHUTDOWN_GRACE) -> None:
    """After the app stopped taking requests: let what was acknowledged finish (≤ `grace` s)."""
    if in_flight.count == 0:
        return
    logger.info("stopping: waiting up to %g s for %d answer(s) in flight", grace, in_flight.count)
    left = await in_flight.wait_idle(grace)
    if left:
        logger.warning("stopping with %d answer(s) still running after %g s", left, grace)
    else:
        # Finished, not necessarily delivered: a reply Slack refused or timed out has its own line.
        logger.info("stopping: every answer in flight finished")


# --- listeners: in flight, request ids, answer time --------------------------------------------


@dataclass
class _Question:
    """The listener being run in this task: when it started, and its answer's status if any."""

    started: float
    counted: bool
    status: str | None = None


_QUESTION: ContextVar[_Question | None] = ContextVar("alliance_question", default=None)


def observe_listeners(app: AsyncApp, in_flight: InFlight, metrics: Metrics) -> None:
    """Install the listener start and completion handlers (see the module)."""
    runner = app.listener_runner
    runner.listener_start_handler = _ListenerStarted(in_flight)
    runner.listener_completion_handler = _ListenerFinished(in_flight, metrics)


class _ListenerStarted(AsyncListenerStartHandler):
    def __init__(self, in_flight: InFlight) -> None:
        self._in_flight = in_flight

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        self._in_flight.begin()
        if REQUEST_ID.get() is None:
            REQUEST_ID.set(new_request_id())
        # A click re-renders an answer already counted when it was asked: not a new question.
        counted = request.body.get("type") != "block_actions"
        _QUESTION.set(_Question(started=time.monotonic(), counted=counted))


class _ListenerFinished(AsyncListenerCompletionHandler):
    def __init__(self, in_flight: InFlight, metrics: Metrics) -> None:
        self._in_flight = in_flight
        self._metrics = metrics

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        try:
            question = _QUESTION.get()
            if question is not None and question.counted and question.status is not None:
                elapsed = time.monotonic() - question.started
                self._metrics.question_answered(question.status, elapsed)
        finally:
            self._in_flight.end()


def metered_engine(engine: AnswerEngine, metrics: Metrics) -> AnswerEngine:
    """`engine`, marking each typed question's status for the metrics (see the module).

    Runs in the listener's worker thread, which inherits the listener's context; called outside
    a listener (no question being handled) it counts at once, with the engine's own time.
    """

    def answer(kb: KnowledgeBase, text: str, today: dt.date) -> Answer:
        started = time.monotonic()
        question = _QUESTION.get()
        status = "error"
        try:
            result = engine.answer(kb, text, today)
            status = result.status
            return result
        finally:
            if question is None:
                metrics.question_answered(status, time.monotonic() - started)
            elif question.status is None:
                question.status = status

    return AnswerEngine(answer=answer, answer_entry=engine.answer_entry)


# --- the admin state ---------------------------------------------------------------------------


class ObservedAdminState:
    """An `AdminState` that counts refreshes and the records it could not keep."""

    def __init__(self, inner: AdminState, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def record_refresh(self, record: RefreshRecord) -> None:
        self._metrics.refreshed(record.action, record.result)
        try:
            self._inner.record_refresh(record)
        except Exception:
            self._metrics.refresh_record_dropped()
            raise

    def refreshes(self, *, limit: int = 20) -> list[RefreshRecord]:
        return self._inner.refreshes(limit=limit)

    def record_question(
        self,
        *,
        at: dt.datetime,
        answered: bool,
        entry_ids: Sequence[str] = (),
        gap: tuple[str, str] | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        self._inner.record_question(
            at=at, answered=answered, entry_ids=entry_ids, gap=gap, suggestions=suggestions
        )

    def record_questions(self, questions: Sequence[AskedQuestion]) -> None:
        self._inner.record_questions(questions)

    def gaps(self, *, since: dt.date, limit: int = 10) -> list[Gap]:
        return self._inner.gaps(since=since, limit=limit)

    def forget_gap(self, normalized: str) -> None:
        self._inner.forget_gap(normalized)

    def stats(self, *, since: dt.date, top: int = 5) -> Stats:
        return self._inner.stats(since=since, top=top)

    def prune_gaps(self, *, now: dt.datetime, max_rows: int = MAX_GAPS) -> int:
        return self._inner.prune_gaps(now=now, max_rows=max_rows)


# --- HTTP: the access log, /metrics, Socket Mode's health app -----------------------------------


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def instrument_web_app(web_app: web.Application, metrics: Metrics) -> None:
    """Add the access log (with a request id per request) and `GET /metrics` to `web_app`."""
    web_app.middlewares.append(_access_log(metrics))
    web_app.router.add_get(METRICS_PATH, _metrics_handler(metrics))


def build_health_app(
    knowledge: KnowledgeHolder, metrics: Metrics, *, database_ok: DatabaseCheck
) -> web.Application:
    """Socket Mode's own small HTTP app: the health routes of `serve`, and `/metrics`."""
    health = web.Application()
    add_health_routes(health, knowledge, database_ok)
    instrument_web_app(health, metrics)
    return health


class _ErrorLines:
    """At most `burst` access lines for failed requests per `window` seconds; the rest are
    counted and reported in one line when the next window opens. Anyone can send requests that
    fail, and a flood of them must not become a flood of log lines (successful requests are
    Slack's, or an operator's: every one is logged)."""

    def __init__(self, *, burst: int = 10, window: float = 60.0) -> None:
        self._burst, self._window = burst, window
        self._start, self._logged, self._suppressed = time.monotonic(), 0, 0

    def allow(self) -> bool:
        now = time.monotonic()
        if now - self._start >= self._window:
            if self._suppressed:
                access_logger.warning(
                    "%d more failed requests were not logged in the last %.0f s",
                    self._suppressed,
                    now - self._start,
                )
            self._start, self._logged, self._suppressed = now, 0, 0
        if self._logged >= self._burst:
            self._suppressed += 1
            return False
        self._logged += 1
        return True


def _access_log(metrics: Metrics) -> Middleware:
    errors = _ErrorLines()

    @web.middleware
    async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
        token = REQUEST_ID.set(new_request_id())
        started = time.monotonic()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            elapsed = time.monotonic() - started
            events = request.method == "POST" and request.path == EVENTS_PATH
            if events and status < 300:
                metrics.acked("http", elapsed)
            # Method and path only: the query string and the body may carry user text.
            method, path = ascii(request.method[:10])[1:-1], ascii(request.path[:_PATH_LIMIT])[1:-1]
            # A refused /slack/events request already has its bounded line (server.RefusalLog).
            if status < 400 or (not events and errors.allow()):
                access_logger.info(
                    "%s %s %d %.1f ms",
                    method,
                    path,
                    status,
                    elapsed * 1000,
                    extra={
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            REQUEST_ID.reset(token)

    return access_log


def _metrics_handler(metrics: Metrics) -> Handler:
    async def serve_metrics(request: web.Request) -> web.StreamResponse:
        # The header carries parameters (version, charset), which aiohttp's content_type= refuses.
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return serve_metrics


class ObservedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, with a request id per envelope and its ack timed."""

    def __init__(self, app: AsyncApp, *, app_token: str | None, metrics: Metrics) -> None:
        super().__init__(app, app_token=app_token)
        self._metrics = metrics

    async def handle(  # type: ignore[override]  # narrowed exactly as Bolt's own handle is
        self, client: SocketModeClient, req: SocketModeRequest
    ) -> None:
        token = REQUEST_ID.set(new_request_id())
        started = time.monotonic()
        try:
            await super().handle(client, req)
        finally:
            elapsed = time.monotonic() - started
            self._metrics.acked("socket", elapsed)
            access_logger.info(
                "envelope %s acked %.1f ms",
                ascii(str(req.type)[:40])[1:-1],
                elapsed * 1000,
                extra={"envelope": str(req.type)[:40], "duration_ms": round(elapsed * 1000, 1)},
            )
            REQUEST_ID.reset(token)
