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
from slack_bolt.async_app import AsyncApp

from alliance_bot.config import ConfigError, Settings
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.slack.app import build_app
from alliance_bot.slack.features import Subcommand
from alliance_bot.slack.listeners.commands.admin import wire_admin
from alliance_bot.slack.server import BackgroundJob, build_web_app, run_guarded

logger = logging.getLogger("alliance_bot")

EXIT_CONFIG = 2


def serve(*, host: str, port: int) -> int:
    """Run the Slack app over HTTP on `host:port`; return the exit status."""
    started = _start(Settings.require_http)
    if isinstance(started, int):
        return started
    settings, knowledge = started
    return asyncio.run(_serve(settings, knowledge, host=host, port=port))


def socket_mode() -> int:
    """Run the Slack app over Socket Mode (no public URL needed); return the exit status."""
    started = _start(Settings.require_socket)
    if isinstance(started, int):
        return started
    settings, knowledge = started
    return asyncio.run(_socket_mode(settings, knowledge))


# --- extension hooks --------------------------------------------------------------------------


def subcommands(settings: Settings, knowledge: KnowledgeHolder) -> dict[str, Subcommand]:
    """HOOK (admin commands): the `/alliance <name>` dispatch table for both modes.

    Add `refresh`, `preview`, `post-today`, `gaps`, `stats`, `rollback` here as
    `name: Subcommand(handler, admin_only=True, summary=...)`; a handler receives a
    `SubcommandRequest` (args, user, channel, `respond`, `client`, services).
    """
    from alliance_bot.slack.listeners.commands.daily import daily_subcommands

    return daily_subcommands(settings)


def background_jobs(
    settings: Settings, knowledge: KnowledgeHolder, app: AsyncApp
) -> list[BackgroundJob]:
    """HOOK (daily post): coroutines that run next to the app in both modes, cancelled at exit."""
    from alliance_bot.daily.job import make_slack_client
    from alliance_bot.daily.scheduler import run_daily_scheduler

    async def daily_post() -> None:
        # Its own client: the daily post's retry handlers are idempotency-aware.
        client = make_slack_client(token=settings.bot_token, base_url=settings.api_url)
        await run_daily_scheduler(settings=settings, knowledge=knowledge, client=client)

    return [daily_post]


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
        knowledge = KnowledgeHolder.load(settings.knowledge_dir)
    except KnowledgeBaseInvalid as error:
        print(
            f"alliance-bot: the knowledge base in {settings.knowledge_dir} is invalid "
            f"(ALLIANCE_KNOWLEDGE_DIR):\n{error.report()}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    kb = knowledge.current
    logger.info("knowledge base %s loaded: %d entries", kb.version, len(kb))
    return settings, knowledge


def _wired_app(
    settings: Settings, knowledge: KnowledgeHolder
) -> tuple[AsyncApp, list[BackgroundJob]]:
    """The Bolt app with every feature plugged in, and the jobs to run beside it (both modes)."""
    admin = wire_admin(settings, knowledge)  # refresh/rollback/gaps/stats, recording, SIGHUP
    app = build_app(
        settings,
        knowledge=knowledge,
        engine=admin.engine(),
        subcommands={**subcommands(settings, knowledge), **admin.subcommands},
    )
    admin.register(app)
    return app, [*background_jobs(settings, knowledge, app), *admin.background()]


async def _serve(settings: Settings, knowledge: KnowledgeHolder, *, host: str, port: int) -> int:
    app, jobs = _wired_app(settings, knowledge)
    web_app = build_web_app(app, knowledge=knowledge, background=jobs)
    stop = _stop_on_signals()
    runner = web.AppRunner(web_app, access_log=None)
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
    app, background = _wired_app(settings, knowledge)
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
