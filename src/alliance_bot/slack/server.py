"""HTTP mode: the aiohttp web app in front of Bolt (`POST /slack/events`, `GET /healthz`,
`GET /readyz`, and with several workspaces `GET /slack/install` and `GET /slack/oauth_redirect`).

`/healthz` is liveness and stays cheap: the process is up and has a knowledge base loaded.
`/readyz` is readiness: 200 only when the state database answers too (a load balancer then stops
sending work that needs the database to a replica that cannot reach it). Both return JSON with
`knowledge_version`.

Anyone can reach `/slack/events`, so a request is authenticated here, before Bolt sees it, in
order of cost: the headers first (length, signature and timestamp present and well formed, the
timestamp within Slack's five minutes), then the body, read under a time limit, a size cap and a
bound on how many unauthenticated bodies are buffered at once, then the HMAC. Whatever fails gets
a 4xx/503 and one log line from `RefusalLog` (reason, remote address, length; never the body),
and the connection is closed. Only then is the body decoded and parsed; a body that is not what
Slack sends (bad UTF-8, a charset other than UTF-8, `{` that is not JSON, `payload=notjson`) gets
400, never a traceback. What the server promises is written up in docs/operations.md.

We build the Bolt request ourselves instead of using Bolt's aiohttp adapter for one more reason:
Bolt decides a form body is an interactivity payload if the word "payload" occurs *anywhere* in it
(`"payload" in body`), so `/alliance what is the payload of the H3 rocket` parses to `{}` and gets
a 404. `parse_slack_body` looks for a form *field* named `payload`, as Slack sends it. Bolt still
checks the signature again on the raw body (defence in depth, and Socket Mode shares the app).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.logs import LogBudget, excerpt
from alliance_bot.state.workspace import SINGLE_WORKSPACE, in_workspace

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
READY_DB_TIMEOUT = 2.0  # seconds /readyz waits for the database before calling it unreachable

DatabaseCheck = Callable[[], bool]
"""Whether the state database answers; blocking, so /readyz runs it in a worker thread."""

# The largest body Slack sends us. A DM is at most 40,000 characters, and its event carries the
# text twice (`text` and the `rich_text` block): 80,000 characters, ≤ 480 KB even if every one
# were JSON-escaped as `\uXXXX`. A click on one of our own messages carries that message: ≤ 50
# blocks of ≤ 3,000 characters (`render.answers` keeps to those limits), ~150,000 mostly ASCII
# characters, ≤ 460 KB form-encoded. 1 MiB covers both with room to spare and is aiohttp's default;
# anything larger is not from Slack.
MAX_BODY_BYTES = 1024 * 1024
# Slack abandons a request after 3 seconds; a client that needs longer than this to send its
# headers or its body is not Slack, and holding its socket only helps an attacker. aiohttp's
# keep-alive timer also runs from the moment a connection opens until its first request's headers
# are complete, so one number bounds the header read and idle keep-alive connections.
HEADER_TIMEOUT = 5.0
BODY_TIMEOUT = 5.0
# At most this many bodies are buffered before their signature is checked: a bound of
# MAX_PENDING_BODIES × MAX_BODY_BYTES (32 MiB) on what unauthenticated clients can make us hold.
# Slack's own requests are read in milliseconds, so the slots are free unless someone stalls them;
# a request that finds none gets 503 at once rather than queueing (a queue is memory too).
MAX_PENDING_BODIES = 32
# Slack's replay window: a signature older (or newer) than this is refused.
SIGNATURE_WINDOW = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

BackgroundJob = Callable[[], Awaitable[None]]
"""A long-running coroutine started with the server and cancelled when it stops."""


class SignatureCheck:
    """Slack's request signature: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`, compared in
    constant time. On the raw bytes: slack-sdk's verifier decodes the body as UTF-8 first and
    raises on a body that is not, which is exactly what an attacker sends."""

    def __init__(self, secret: str) -> None:
        """`secret` is the app's signing secret."""
        self._key = secret.encode()

    def is_valid(self, body: bytes, timestamp: str, signature: str) -> bool:
        """True if `signature` signs `body` at `timestamp` (already checked to be fresh)."""
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._key, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


@dataclass(frozen=True)
class _Gate:
    """What the events handler needs besides Bolt: the verifier, the slots, the refusal log."""

    verifier: SignatureCheck
    slots: asyncio.Semaphore
    refusals: RefusalLog


_BOLT: web.AppKey[AsyncApp] = web.AppKey("bolt", AsyncApp)
_KNOWLEDGE: web.AppKey[KnowledgeHolder] = web.AppKey("knowledge", KnowledgeHolder)
_DATABASE: web.AppKey[DatabaseCheck] = web.AppKey("database")
_GATE: web.AppKey[_Gate] = web.AppKey("gate", _Gate)


class RefusalLog:
    """Logs refused requests as one bounded line each, at most `burst` lines per `window`
    seconds; the rest are counted and reported in one line when the next window opens."""

    def __init__(
        self,
        *,
        burst: int = 10,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` is injectable so tests can move time."""
        self._budget = LogBudget(
            logger, "refused requests", burst=burst, window=window, clock=clock
        )

    def refused(self, status: int, reason: str, remote: str | None, length: int | None) -> None:
        """Note one refused request; log it unless this window's lines are used up."""
        if not self._budget.allow():
            return
        # `ascii` escapes newlines and control characters: nothing here can forge a log line.
        where = excerpt(remote or "unknown", 64)
        size = "unknown length" if length is None else f"{length} bytes"
        logger.warning(
            "Refused request to %s: %d %s from %s (%s)", EVENTS_PATH, status, reason, where, size
        )


def build_web_app(
    bolt_app: AsyncApp,
    *,
    knowledge: KnowledgeHolder,
    signing_secret: str,
    background: Sequence[BackgroundJob] = (),
    refusals: RefusalLog | None = None,
    database_ok: DatabaseCheck = lambda: True,
) -> web.Application:
    """The aiohttp application serving Slack's requests and the health checks."""
    _silence_bolt_body_logging()
    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app[_BOLT] = bolt_app
    web_app[_GATE] = _Gate(
        verifier=SignatureCheck(signing_secret),
        slots=asyncio.Semaphore(MAX_PENDING_BODIES),
        refusals=refusals or RefusalLog(),
    )
    web_app.router.add_post(EVENTS_PATH, _slack_events)
    flow = bolt_app.oauth_flow
    if flow is not None:
        # Installs in several workspaces: a browser, not Slack, calls these two (nothing to sign).
        web_app.router.add_get(flow.install_path, _oauth_install)
        web_app.router.add_get(flow.redirect_uri_path, _oauth_redirect)
    add_health_routes(web_app, knowledge, database_ok)
    web_app.cleanup_ctx.append(_run_background(background))
    return web_app


def add_health_routes(
    web_app: web.Application, knowledge: KnowledgeHolder, database_ok: DatabaseCheck
) -> None:
    """`/healthz` and `/readyz`, here and on Socket Mode's own port
    (`operations.build_health_app`)."""
    web_app[_KNOWLEDGE] = knowledge
    web_app[_DATABASE] = database_ok
    web_app.router.add_get(HEALTH_PATH, _health)
    web_app.router.add_get(READY_PATH, _ready)


def runner_options() -> dict[str, Any]:
    """Keyword arguments for `web.AppRunner`: the connection-level limits (see HEADER_TIMEOUT)."""
    return {"keepalive_timeout": HEADER_TIMEOUT, "access_log": None}


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """Parse a request body the way Slack means it; raise ValueError if it is not one.

    JSON bodies (Events API) are JSON; form bodies are slash commands, except that a form with a
    `payload` field is an interactivity request whose JSON sits in that field.
    """
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        return _json_object(raw)
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        return _json_object(fields["payload"])
    return fields


def _json_object(raw: str) -> dict[str, Any]:
    parsed = json.loads(raw)  # JSONDecodeError is a ValueError
    if not isinstance(parsed, dict):
        raise ValueError("not a JSON object")
    return parsed


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _slack_events(request: web.Request) -> web.StreamResponse:
    gate = request.app[_GATE]
    try:
        raw = await _authenticated_body(request, gate)
        text, body = _decode(request, raw)
    except _Refused as refusal:
        gate.refusals.refused(
            refusal.status, refusal.reason, request.remote, request.content_length
        )
        response = web.json_response({"error": refusal.reason}, status=refusal.status)
        response.force_close()  # never read (or keep) the rest of a refused request
        return response
    bolt_request = AsyncBoltRequest(
        body="",  # parsed below: Bolt's own parser is the one that misreads bodies
        query=request.query_string,
        headers=request.headers,  # type: ignore[arg-type]  # a multidict, which Bolt accepts
    )
    bolt_request.raw_body = text  # Bolt verifies the signature again on this
    bolt_request.body = body
    bolt_request.context = build_async_context(AsyncBoltContext({}), body)
    # A Bolt middleware names the request's workspace (`installations.bind_workspace`); scoped
    # here so that it ends with this request.
    with in_workspace(SINGLE_WORKSPACE):
        bolt_response = await request.app[_BOLT].async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


async def _oauth_install(request: web.Request) -> web.StreamResponse:
    """`/slack/install`: a fresh state (stored, and set as a cookie), then off to Slack."""
    flow = request.app[_BOLT].oauth_flow
    assert flow is not None  # the route exists only with an OAuth flow
    response = await flow.handle_installation(_browser_request(request))
    return await to_aiohttp_response(response)


async def _oauth_redirect(request: web.Request) -> web.StreamResponse:
    """`/slack/oauth_redirect`: the state checked (and used up), the code exchanged through
    `oauth.v2.access`, the installation stored; Bolt's page says how it went."""
    flow = request.app[_BOLT].oauth_flow
    assert flow is not None
    response = await flow.handle_callback(_browser_request(request))
    return await to_aiohttp_response(response)


def _browser_request(request: web.Request) -> AsyncBoltRequest:
    return AsyncBoltRequest(
        body="",
        query=request.query_string,
        headers=request.headers,  # type: ignore[arg-type]  # a multidict, which Bolt accepts
    )


async def _authenticated_body(request: web.Request, gate: _Gate) -> bytes:
    """The raw body of a correctly signed, fresh request; `_Refused` otherwise."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise _Refused(413, "body too large")
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not stamp or not signature:
        raise _Refused(401, "unsigned")
    if not _TIMESTAMP.fullmatch(stamp):
        raise _Refused(401, "malformed timestamp")
    if abs(time.time() - int(stamp)) > SIGNATURE_WINDOW:
        raise _Refused(401, "stale timestamp")
    if not _SIGNATURE.fullmatch(signature):
        raise _Refused(401, "malformed signature")
    if gate.slots.locked():
        raise _Refused(503, "too many unverified bodies at once")
    async with gate.slots:
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                raw = await request.read()
        except TimeoutError:
            raise _Refused(408, "body not received in time") from None
        except web.HTTPRequestEntityTooLarge:
            raise _Refused(413, "body too large") from None
    if not gate.verifier.is_valid(raw, stamp, signature):
        raise _Refused(401, "bad signature")
    return raw


def _decode(request: web.Request, raw: bytes) -> tuple[str, dict[str, Any]]:
    """The body as text and as Slack means it; `_Refused` (400) if it is not something Slack sends."""
    charset = request.charset
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise _Refused(400, "unsupported charset")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "body is not UTF-8") from None
    try:
        return text, parse_slack_body(text, request.content_type)
    except ValueError:
        raise _Refused(400, "malformed body") from None


def _silence_bolt_body_logging() -> None:
    """Bolt logs a refused signature with the whole body at INFO. Requests reach Bolt only after
    our own check, so such a line could only repeat ours, with the body: drop it."""
    for name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"):
        bolt_logger = logging.getLogger(name)
        if not any(isinstance(f, _DropSignatureBodies) for f in bolt_logger.filters):
            bolt_logger.addFilter(_DropSignatureBodies())


class _DropSignatureBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid request signature")


async def _health(request: web.Request) -> web.Response:
    """200 with the knowledge base version: the process is up and has a valid base loaded."""
    kb = request.app[_KNOWLEDGE].current
    return web.json_response({"ok": True, "knowledge_version": kb.version, "entries": len(kb)})


async def _ready(request: web.Request) -> web.Response:
    """200 when the database answers and a knowledge base is loaded; 503 (same JSON) if not."""
    kb = request.app[_KNOWLEDGE].current
    try:
        reachable = await asyncio.wait_for(
            asyncio.to_thread(request.app[_DATABASE]), READY_DB_TIMEOUT
        )
        reason = "the state database does not answer"
    except TimeoutError:
        reachable = False
        reason = f"the state database did not answer within {READY_DB_TIMEOUT:g} s"
    except Exception:  # a driver error: not ready either way
        reachable = False
        reason = "the state database does not answer"
    body: dict[str, Any] = {
        "ok": bool(reachable),
        "database": "ok" if reachable else "unreachable",
        "knowledge_version": kb.version,
        "entries": len(kb),
    }
    if not reachable:
        # For whoever reads the probe's output (kubectl describe pod): why, in words.
        body["reason"] = reason
    return web.json_response(body, status=200 if reachable else 503)


def _run_background(
    jobs: Sequence[BackgroundJob],
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def running(_: web.Application) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(run_guarded(job)) for job in jobs]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    return running


async def run_guarded(job: BackgroundJob) -> None:
    """Run a job; if it crashes, log it and keep serving Slack (answers matter more)."""
    try:
        await job()
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("Background job %s stopped with an error", getattr(job, "__name__", job))
