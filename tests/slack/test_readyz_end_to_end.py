"""The real `alliance-bot serve` on a real PostgreSQL server: `/readyz` tells whether the
database answers, `/healthz` stays cheap, and answers keep working from the loaded base while
the database is down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
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
    env = process_env(fake_slack, tmp_path, ALLIANCE_DATABASE_URL=url)
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

    async def test_database_down_not_ready_but_alive_and_answering(
        self, server: AppProcess, own_cluster: PostgresCluster, fake_slack: FakeSlack
    ) -> None:
        """With PostgreSQL stopped: /readyz 503, /healthz 200, and a question still answered."""
        _, before = await _get(f"{server.url}/healthz")
        own_cluster.stop()
        status, ready = await _get(f"{server.url}/readyz")
        assert status == 503
        assert ready["database"] == "unreachable"
        assert ready["knowledge_version"] == before["knowledge_version"]
        status, health = await _get(f"{server.url}/healthz")
        assert status == 200
        assert health["knowledge_version"] == before["knowledge_version"]
        sender = SlackSender(f"{server.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
        sent = await sender.command("who is Hamada")
        assert sent.status == 200
        [answer] = await fake_slack.wait_for_responses(1)
        assert "Hamada" in str(answer.body["text"])
