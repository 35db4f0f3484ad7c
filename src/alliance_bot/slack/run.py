"""Entry points the CLI calls: `serve(host=…, port=…)` (HTTP) and `socket_mode()`.

Both read `Settings` from the environment (and `.env`), load the knowledge base, and turn a bad
configuration into one line on stderr and exit status 2 — no traceback. They run until SIGINT or
SIGTERM, then stop cleanly (background jobs cancelled, connections closed).

Once listening, `serve` prints `alliance-bot listening on http://HOST:PORT` on stdout (the real
port, so `--port 0` works: tests use it), and `socket_mode` prints `alliance-bot connected
(Socket Mode)`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from alliance_bot.config import ConfigError, Settings
from alliance_bot.knowledge.cache import snapshot_cache
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.slack.app import wire
from alliance_bot.slack.server import build_web_app, run_guarded, runner_options
from alliance_bot.slack.signals import queue_signal
from alliance_bot.slack.startup import bot_token_problem
from alliance_bot.state import DatabaseUnavailable, open_database

logger = logging.getLogger("alliance_bot")

EXIT_CONFIG = 2


def serve(*, host: str, port: int) -> int:
    """Run the Slack app over HTTP on `host:port`; return the exit status."""
    queue_signal(signal.SIGHUP)  # before loading: a SIGHUP now is a reload later, not an exit
    started = _start(Settings.require_http)
    if isinstance(started, int):
        return started
    settings, knowledge = started
    return asyncio.run(_serve(settings, knowledge, host=host, port=port))


def socket_mode() -> int:
    """Run the Slack app over Socket Mode (no public URL needed); return the exit status."""
    queue_signal(signal.SIGHUP)  # before loading: a SIGHUP now is a reload later, not an exit
    started = _start(Settings.require_socket)
    if isinstance(started, int):
        return started
    settings, knowledge = started
    return asyncio.run(_socket_mode(settings, knowledge))


# --- running ----------------------------------------------------------------------------------


def _start(
    require: Callable[[Settings], None],
) -> tuple[Settings, KnowledgeHolder] | int:
    """Settings and knowledge base, or an exit status after saying in one line what is wrong."""
    _configure_logging()
    try:
        settings = Settings.from_env(os.environ, env_file=Path(".env"))
        require(settings)
    except ConfigError as error:
        print(f"alliance-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        knowledge = KnowledgeHolder.load(
            settings.knowledge_dir, cache=snapshot_cache(settings.cache_dir)
        )
    except KnowledgeBaseInvalid as error:
        # One problem (an unreadable file, a missing directory) fits on the line itself.
        separator = " " if len(error.problems) == 1 else "\n"
        print(
            f"alliance-bot: the knowledge base in {settings.knowledge_dir} is invalid "
            f"(ALLIANCE_KNOWLEDGE_DIR):{separator}{error.report()}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    kb = knowledge.current
    logger.info("knowledge base %s loaded: %d entries", kb.version, len(kb))
    try:
        # Opened (and migrated) here, before listening, so a bad URL or a database that is down
        # at start-up is one line and exit 2, not a failure on the first question.
        database = open_database(settings.database)
    except DatabaseUnavailable as error:
        print(f"alliance-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    logger.info("state in the %s", database.url.shown)
    return settings, knowledge


async def _serve(settings: Settings, knowledge: KnowledgeHolder, *, host: str, port: int) -> int:
    wiring = wire(settings, knowledge)
    app, jobs = wiring.app, wiring.jobs
    if (problem := await bot_token_problem(app.client)) is not None:
        print(f"alliance-bot: configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    database = open_database(settings.database)  # opened at start-up: this returns it
    web_app = build_web_app(
        app,
        knowledge=knowledge,
        signing_secret=settings.signing_secret or "",
        background=jobs,
        database_ok=database.ping,
    )
    stop = _stop_on_signals()
    runner = web.AppRunner(web_app, **runner_options())
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as error:
            print(f"alliance-bot: cannot listen on {host}:{port}: {error}", file=sys.stderr)
            return EXIT_CONFIG
        bound_port = runner.addresses[0][1]
        print(f"alliance-bot listening on http://{host}:{bound_port}", flush=True)
        await stop.wait()
        logger.info("stopping")
    finally:
        await runner.cleanup()
    return 0


async def _socket_mode(settings: Settings, knowledge: KnowledgeHolder) -> int:
    wiring = wire(settings, knowledge)
    app, background = wiring.app, wiring.jobs
    if (problem := await bot_token_problem(app.client)) is not None:
        print(f"alliance-bot: configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    stop = _stop_on_signals()
    handler = AsyncSocketModeHandler(app, app_token=settings.app_token)
    jobs = [asyncio.create_task(run_guarded(job)) for job in background]
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
        print("alliance-bot connected (Socket Mode)", flush=True)
        await stop.wait()
        logger.info("stopping")
    finally:
        for task in jobs:
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await handler.close_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
    return 0


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT/SIGTERM. Installed before the ready line is printed, so a
    supervisor (or a test) that signals right after it gets a clean stop, not a kill."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def _configure_logging() -> None:
    # INFO, not DEBUG: slack-sdk logs request bodies at DEBUG, and those can carry tokens.
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Bolt reads SLACK_BOT_TOKEN itself as a fallback and then warns that our client (which
    # carries the same token) wins; that warning is noise here.
    logging.getLogger("slack_bolt.AsyncApp").addFilter(
        lambda record: "client` as well" not in record.getMessage()
    )
