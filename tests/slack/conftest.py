"""Fixtures for the Slack app's end-to-end tests: the real `alliance-bot serve` process talking
to the stand-in Slack from `alliance_bot.testing.fake_slack`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import SlackSender


@pytest.fixture
async def server(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[AppProcess]:
    """The real `alliance-bot serve` on a free port, with SLACK_API_URL at the fake."""
    app = await start_process(
        ["serve", "--host", "127.0.0.1", "--port", "0"],
        process_env(fake_slack, tmp_path, ALLIANCE_ADMINS="U0ADMIN001"),
        tmp_path,
        ready="alliance-bot listening on",
    )
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
def slack(server: AppProcess, fake_slack: FakeSlack) -> SlackSender:
    """Sends signed Slack requests to the running server."""
    return SlackSender(f"{server.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
