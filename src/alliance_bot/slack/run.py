"""Entry points the CLI calls: `serve(host=…, port=…)` (HTTP) and `socket_mode()`.

Both read `Settings` from the environment (and `.env`), load the knowledge base, and turn a bad
configuration into one line on stderr and exit status 2 — no traceback. They run until SIGINT or
SIGTERM, then stop gracefully: no new requests are taken (the listening socket, or the Socket
Mode connection, is closed), answers already acknowledged finish — for at most 10 s
(`operations.drain`) — then background jobs are cancelled and the process exits 0.

Once listening, `serve` prints `alliance-bot listening on http://HOST:PORT` on stdout (the real
port, so `--port 0` works: tests use it), and `socket_mode` prints `alliance-bot connected
(Socket Mode)`, after `alliance-bot health on http://HOST:PORT` for its health port
(ALLIANCE_HEALTH_PORT). Logging follows LOG_LEVEL and LOG_FORMAT (`alliance_bot.logs`).
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
from sqlalchemy.exc import DBAPIError

from alliance_bot import answering
from alliance_bot.config import ConfigError, OperationsSettings, Settings
from alliance_bot.knowledge.archive import ArchiveError
from alliance_bot.knowledge.cache import snapshot_cache
from alliance_bot.knowledge.cluster import KnowledgeCluster, work_directory
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.store import KnowledgeStore
from alliance_bot.logs import configure_logging
from alliance_bot.slack.app import Wiring, wire
from alliance_bot.slack.operations import (
    ObservedSocketModeHandler,
    build_health_app,
    drain,
    instrument_web_app,
)
from alliance_bot.slack.server import build_web_app, run_guarded, runner_options
from alliance_bot.slack.signals import queue_signal
from alliance_bot.slack.startup import bot_token_problem
from alliance_bot.state import Database, DatabaseUnavailable, open_database

logger = logging.getLogger("alliance_bot")

EXIT_CONFIG = 2
# Socket Mode's health port listens on every interface: probes come from outside the container.
HEALTH_HOST = "0.0.0.0"


def serve(*, host: str, port: int) -> int:
    """Run the Slack app over HTTP on `host:port`; return the exit status."""
    queue_signal(signal.SIGHUP)  # before loading: a SIGHUP now is a reload later, not an exit
    started = _start(Settings.require_http)
    if isinstance(started, int):
        return started
    settings, cluster, _ = started
    return asyncio.run(_serve(settings, cluster, host=host, port=port))


def socket_mode() -> int:
    """Run the Slack app over Socket Mode (no public URL needed); return the exit status."""
    queue_signal(signal.SIGHUP)  # before loading: a SIGHUP now is a reload later, not an exit
    started = _start(Settings.require_socket)
    if isinstance(started, int):
        return started
    settings, cluster, operations = started
    return asyncio.run(_socket_mode(settings, cluster, health_port=operations.health_port))


# --- running ----------------------------------------------------------------------------------


def _start(
    require: Callable[[Settings], None],
) -> tuple[Settings, KnowledgeCluster, OperationsSettings] | int:
    """Settings, database and knowledge base, or an exit status after saying in one line what is
    wrong."""
    try:
        operations = OperationsSettings.from_env(os.environ, env_file=Path(".env"))
    except ConfigError as error:
        print(f"alliance-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(operations)
    try:
        settings = Settings.from_env(os.environ, env_file=Path(".env"))
        require(settings)
    except ConfigError as error:
        print(f"alliance-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        # Opened (and migrated) before anything else, so a bad URL or a database that is down
        # at start-up is one line and exit 2, not a failure on the first question; and the
        # knowledge base to serve is the one the database names.
        database = open_database(settings.database)
    except DatabaseUnavailable as error:
        print(f"alliance-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    logger.info("state in the %s", database.url.shown)
    try:
        cluster = start_cluster(settings, database)
    except KnowledgeBaseInvalid as error:
        # One problem (an unreadable file, a missing directory) fits on the line itself.
        separator = " " if len(error.problems) == 1 else "\n"
        print(
            f"alliance-bot: the knowledge base in {settings.knowledge_dir} is invalid "
            f"(ALLIANCE_KNOWLEDGE_DIR):{separator}{error.report()}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except ArchiveError as error:
        print(f"alliance-bot: the knowledge base in the database: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except DBAPIError as error:
        print(
            f"alliance-bot: cannot read the knowledge base versions: {error.orig}", file=sys.stderr
        )
        return EXIT_CONFIG
    kb = cluster.holder.current
    logger.info("knowledge base %s loaded: %d entries", kb.version, len(kb))
    answering.prepare()  # before the port opens: the first question must not pay for it
    cluster.holder.prepare = answering.prepare_snapshot  # each refreshed snapshot before its swap
    return settings, cluster, operations


def start_cluster(settings: Settings, database: Database) -> KnowledgeCluster:
    """This replica's knowledge base: the database's current version (on an empty database,
    ALLIANCE_KNOWLEDGE_DIR published as the first one)."""
    return KnowledgeCluster.start(
        KnowledgeStore(database),
        settings.knowledge_dir,
        work_dir=work_directory(settings.cache_dir),
        cache=snapshot_cache(settings.cache_dir),
    )


async def _serve(settings: Settings, cluster: KnowledgeCluster, *, host: str, port: int) -> int:
    knowledge = cluster.holder
    wiring = wire(settings, knowledge, cluster=cluster)
    app, jobs = wiring.app, wiring.jobs
    # With several workspaces there is no one token to check: each comes with its installation.
    if not settings.multi_workspace and (problem := await bot_token_problem(app.client)):
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
    instrument_web_app(web_app, wiring.metrics)
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
        await site.stop()  # no new connections; requests under way and answers acked go on
        await drain(wiring.in_flight)
    finally:
        await runner.cleanup()
    return 0


async def _socket_mode(
    settings: Settings, cluster: KnowledgeCluster, *, health_port: int | None
) -> int:
    knowledge = cluster.holder
    wiring = wire(settings, knowledge, cluster=cluster)
    if (problem := await bot_token_problem(wiring.app.client)) is not None:
        print(f"alliance-bot: configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    database = open_database(settings.database)  # opened at start-up: this returns it
    stop = _stop_on_signals()
    # Socket Mode opens no port for Slack, but health checks and Prometheus need one.
    health_app = build_health_app(knowledge, wiring.metrics, database_ok=database.ping)
    health = web.AppRunner(health_app, **runner_options())
    await health.setup()
    try:
        if health_port is not None:
            try:
                await web.TCPSite(health, HEALTH_HOST, health_port).start()
            except OSError as error:
                print(
                    f"alliance-bot: cannot listen on {HEALTH_HOST}:{health_port} "
                    f"(ALLIANCE_HEALTH_PORT): {error}",
                    file=sys.stderr,
                )
                return EXIT_CONFIG
            bound = health.addresses[0][1]
            print(f"alliance-bot health on http://{HEALTH_HOST}:{bound}", flush=True)
        return await _run_socket_mode(settings, wiring, stop)
    finally:
        await health.cleanup()


async def _run_socket_mode(settings: Settings, wiring: Wiring, stop: asyncio.Event) -> int:
    handler = ObservedSocketModeHandler(
        wiring.app, app_token=settings.app_token, metrics=wiring.metrics
    )
    jobs = [asyncio.create_task(run_guarded(job)) for job in wiring.jobs]
    closed = False
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
        print("alliance-bot connected (Socket Mode)", flush=True)
        await stop.wait()
        logger.info("stopping")
        # Closing the connection first: Slack sends new envelopes to other connections (or
        # redelivers them), while the answers already acknowledged finish over HTTP.
        await handler.close_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
        closed = True
        await drain(wiring.in_flight)
    finally:
        for task in jobs:
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        if not closed:
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


def _configure_logging(operations: OperationsSettings) -> None:
    # LOG_LEVEL and LOG_FORMAT; Bolt and slack-sdk stay at INFO or above (see alliance_bot.logs).
    configure_logging(operations)
    # Bolt reads SLACK_BOT_TOKEN itself as a fallback and then warns that our client (which
    # carries the same token) wins; that warning is noise here.
    logging.getLogger("slack_bolt.AsyncApp").addFilter(
        lambda record: "client` as well" not in record.getMessage()
    )
