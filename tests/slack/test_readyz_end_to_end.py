"""The real `alliance-bot serve` on a real PostgreSQL server: `/readyz` tells whether the
database answers, `/healthz` stays cheap, and while the database is down answers keep working
from the loaded base, admin commands and the daily post say plainly that they are waiting for
the database, and everything works again (nothing lost) once it is back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from alliance_bot.slack.render.answers import WAITING_FOR_DATABASE
from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.chat import ADMIN, Chat
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.postgres import PostgresCluster, available
from alliance_bot.testing.slack_requests import SlackSender
from pg_fixtures import skip_or_fail

pytestmark = pytest.mark.slow


@pytest.fixture
def own_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """A PostgreSQL server for this test alone, so the test can stop it."""
    reason = available()
    if reason is not None:
        skip_or_fail(reason)
    cluster = PostgresCluster.start(tmp_path_factory.mktemp("pg-own"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def server(
    fake_slack: FakeSlack, tmp_path: Path, own_cluster: PostgresCluster
) -> AsyncIterator[AppProcess]:
    url = own_cluster.create_database("alliance")
    env = process_env(
        fake_slack,
        tmp_path,
        ALLIANCE_DATABASE_URL=url,
        ALLIANCE_ADMINS=ADMIN,
        ALLIANCE_DAILY_CHANNEL="CDAILY0001",
        # Far from now in either direction: the scheduler must not post by itself in the test.
        ALLIANCE_DAILY_TIME="23:59",
        ALLIANCE_TIMEZONE="Etc/GMT+12",
    )
    app = await start_process(
        ["serve", "--host", "127.0.0.1", "--port", "0"],
        env,
        tmp_path,
        ready="alliance-bot listening on",
    )
    try:
        yield app
    finally:
        await app.stop()


async def _get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


class TestReadiness:
    async def test_ready_while_the_database_answers(self, server: AppProcess) -> None:
        """/readyz is 200 with the knowledge version when PostgreSQL is up."""
        status, body = await _get(f"{server.url}/readyz")
        assert status == 200
        assert body["database"] == "ok"
        assert body["knowledge_version"]

    async def test_database_down_then_back(
        self, server: AppProcess, own_cluster: PostgresCluster, fake_slack: FakeSlack
    ) -> None:
        """With PostgreSQL stopped: /readyz 503 with a reason, /healthz 200, a question answered,
        `/alliance stats` and `/alliance post-today` answered "waiting for the database" (no
        traceback in the log, nothing posted). Started again: /readyz 200, and stats still count
        the question asked before the outage."""
        sender = SlackSender(f"{server.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
        chat = Chat(sender, fake_slack, server)
        answer = await chat.command("who is Hamada")
        assert "Hamada" in answer.text
        await _counted(chat, asked=1)
        _, before = await _get(f"{server.url}/healthz")

        own_cluster.stop_server()
        status, ready = await _get(f"{server.url}/readyz")
        assert status == 503
        assert ready["database"] == "unreachable"
        assert "does not answer" in ready["reason"]
        assert ready["knowledge_version"] == before["knowledge_version"]
        status, health = await _get(f"{server.url}/healthz")
        assert status == 200
        assert health["knowledge_version"] == before["knowledge_version"]
        during = await chat.command("who is Hamada")
        assert "Hamada" in during.text
        for command in ("stats", "post-today", "gaps"):
            reply = await chat.command(command)
            assert reply.text.startswith(WAITING_FOR_DATABASE), (command, reply.text)
        assert fake_slack.posted("CDAILY0001") == []
        log = server.log()
        assert "Traceback" not in log, log
        assert log.count("Waiting for the database") == 3

        own_cluster.start_server()
        status, ready = await _get(f"{server.url}/readyz")
        assert (status, ready["database"]) == (200, "ok")
        assert "reason" not in ready
        # The question asked before the outage is still counted; the one during it may be too.
        stats = await chat.command("stats")
        assert "asked" in stats.text
        posted = await chat.command("post-today")
        assert "Posted the daily message" in posted.text
        assert len(fake_slack.posted("CDAILY0001")) == 1
        assert "Traceback" not in server.log()


async def _counted(chat: Chat, *, asked: int) -> None:
    """Wait until `/alliance stats` counts `asked` questions (recording is asynchronous)."""
    for _ in range(100):
        reply = await chat.command("stats")
        if f"{asked} asked" in reply.text:
            return
    raise AssertionError(f"stats never counted {asked} question(s): {reply.text}")
