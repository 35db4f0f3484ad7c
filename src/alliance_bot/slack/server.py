"""HTTP mode: the aiohttp web app in front of Bolt (`POST /slack/events`, `GET /healthz`,
`GET /readyz`).

`/healthz` is liveness and stays cheap: the process is up and has a knowledge base loaded.
`/readyz` is readiness: 200 only when the state database answers too (a load balancer then stops
sending work that needs the database to a replica that cannot reach it). Both return JSON with
`knowledge_version`.

We build the Bolt request ourselves instead of using Bolt's aiohttp adapter for one reason: Bolt
decides a form body is an interactivity payload if the word "payload" occurs *anywhere* in it
(`"payload" in body`), so `/alliance what is the payload of the H3 rocket` — or a channel or user
named "payload" — parses to `{}` and gets a 404. `parse_slack_body` looks for a form *field* named
`payload`, as Slack sends it. Signature verification still runs in Bolt, on the raw body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from alliance_bot.knowledge.holder import KnowledgeHolder

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
READY_DB_TIMEOUT = 2.0  # seconds /readyz waits for the database before calling it unreachable

DatabaseCheck = Callable[[], bool]
"""Whether the state database answers; blocking, so /readyz runs it in a worker thread."""

BackgroundJob = Callable[[], Awaitable[None]]
"""A long-running coroutine started with the server and cancelled when it stops."""

_BOLT: web.AppKey[AsyncApp] = web.AppKey("bolt", AsyncApp)
_KNOWLEDGE: web.AppKey[KnowledgeHolder] = web.AppKey("knowledge", KnowledgeHolder)
_DATABASE: web.AppKey[DatabaseCheck] = web.AppKey("database")


def build_web_app(
    bolt_app: AsyncApp,
    *,
    knowledge: KnowledgeHolder,
    background: Sequence[BackgroundJob] = (),
    database_ok: DatabaseCheck = lambda: True,
) -> web.Application:
    """The aiohttp application serving Slack's requests and the health checks."""
    web_app = web.Application()
    web_app[_BOLT] = bolt_app
    web_app[_KNOWLEDGE] = knowledge
    web_app[_DATABASE] = database_ok
    web_app.router.add_post(EVENTS_PATH, _slack_events)
    web_app.router.add_get(HEALTH_PATH, _health)
    web_app.router.add_get(READY_PATH, _ready)
    web_app.cleanup_ctx.append(_run_background(background))
    return web_app


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """Parse a request body the way Slack means it.

    JSON bodies (Events API) are JSON; form bodies are slash commands, except that a form with a
    `payload` field is an interactivity request whose JSON sits in that field.
    """
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        payload = json.loads(fields["payload"])
        return payload if isinstance(payload, dict) else {}
    return fields


async def _slack_events(request: web.Request) -> web.Response:
    bolt_app = request.app[_BOLT]
    raw = await request.text()
    bolt_request = AsyncBoltRequest(
        body=raw,
        query=request.query_string,
        headers=request.headers,  # type: ignore[arg-type]  # a multidict, which Bolt accepts
    )
    try:
        body = parse_slack_body(raw, bolt_request.content_type)
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = {}  # Bolt answers a body it cannot route with 404, after checking the signature
    if body != bolt_request.body:
        # Bolt misparsed it (see the module docstring): give it the right body and context.
        bolt_request.body = body
        bolt_request.context = build_async_context(AsyncBoltContext({}), body)
    bolt_response = await bolt_app.async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


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
    except Exception:  # a timeout or a driver error: not ready either way
        reachable = False
    body = {
        "ok": bool(reachable),
        "database": "ok" if reachable else "unreachable",
        "knowledge_version": kb.version,
        "entries": len(kb),
    }
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
