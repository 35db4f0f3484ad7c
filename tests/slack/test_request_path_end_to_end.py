"""The per-request path of the real `alliance-bot serve` after issue 14's HTTP pass: replies share
one kept-alive connection, the delivery guard's records survive a crash of the process, and the
question counts written behind are all in the database once the server has stopped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from alliance_bot.admin.state import SqlAdminState
from alliance_bot.state import Database
from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import FORM, SlackSender, signed_headers

pytestmark = pytest.mark.slow


async def _serve(fake: FakeSlack, cwd: Path) -> tuple[AppProcess, SlackSender]:
    app = await start_process(
        ["serve", "--host", "127.0.0.1", "--port", "0"],
        process_env(fake, cwd),
        cwd,
        ready="alliance-bot listening on",
    )
    return app, SlackSender(f"{app.url}/slack/events", TEST_SIGNING_SECRET, fake)


async def _ask(slack: SlackSender, fake: FakeSlack, question: str) -> None:
    """Ask and wait for the reply (in the ack, or on the response_url)."""
    before = len(fake.responses)
    assert (await slack.command(question)).status == 200
    await fake.wait_until(lambda: len(fake.responses) > before)


async def _raw_post(url: str, body: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=headers) as response,
    ):
        return response.status


class TestOneReplySession:
    async def test_replies_reuse_one_connection(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """Three replies one after another reach the response_url over one kept-alive
        connection (one client address and port), not a new session and connection each. A
        question is answered in its ack, so these are sub-commands' (a non-admin's refusals)."""
        app, slack = await _serve(fake_slack, tmp_path)
        try:
            for command in ("stats", "gaps", "refresh"):
                await _ask(slack, fake_slack, command)
        finally:
            assert await app.stop() == 0
        peers = {post.peer for post in fake_slack.responses}
        assert len(fake_slack.responses) == 3
        assert None not in peers
        assert len(peers) == 1


class TestAfterACrash:
    async def test_a_replay_after_the_process_was_killed_is_not_answered(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """The guard's commit skips the fsync but not the write: after SIGKILL (no shutdown at
        all) and a restart on the same file, a replay of an answered command is dropped. The
        command is a sub-command, whose reply goes through the response_url (a question's is
        in its ack, which the raw post does not record)."""
        app, slack = await _serve(fake_slack, tmp_path)
        replayed = fake_slack.response_url("replayed")
        body = urlencode(slack.command_form("stats", response_url=replayed))
        headers = signed_headers(TEST_SIGNING_SECRET, body, FORM)
        assert (await _raw_post(slack.url, body, headers)) == 200
        await fake_slack.wait_until(lambda: len(fake_slack.responses) == 1)
        app.process.kill()
        await app.process.wait()
        second, again = await _serve(fake_slack, tmp_path)
        try:
            assert (await _raw_post(again.url, body, headers)) == 200
            await _ask(again, fake_slack, "who is Kishida")  # the replay has been handled by now
        finally:
            await second.stop()
        assert [r.id for r in fake_slack.responses].count("replayed") == 1


class TestCountsAtShutdown:
    async def test_every_answered_question_is_counted_once_the_server_stops(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """Counts are written behind, in batches; stopping the server (SIGTERM) writes what is
        still in memory, so the state file then holds every question, once."""
        app, slack = await _serve(fake_slack, tmp_path)
        try:
            for n in range(4):
                await _ask(slack, fake_slack, "who is Hamada" if n % 2 else "who is nobody-xyz")
        finally:
            assert await app.stop() == 0
        database = Database.sqlite(tmp_path / "state.db")
        try:
            yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
            stats = SqlAdminState(database).stats(since=yesterday)
            assert (stats.asked, stats.answered) == (4, 2)
        finally:
            database.dispose()
