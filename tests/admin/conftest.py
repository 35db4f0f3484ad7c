"""Fixtures for the admin tests: a sample knowledge base in a temporary directory, the real
`alliance-bot serve` answering from it, and a way to run `/alliance …` as a given user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from admin_chat import ADMIN, Chat

from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.sample_kb import write_sample_kb
from alliance_bot.testing.slack_requests import SlackSender


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A valid sample knowledge base (`tmp/kb/knowledge`, `tmp/kb/seeds`) to edit and break."""
    return write_sample_kb(tmp_path / "kb")


@pytest.fixture
async def server(fake_slack: FakeSlack, tmp_path: Path, kb_dir: Path) -> AsyncIterator[AppProcess]:
    """The real `alliance-bot serve` answering from `kb_dir`, with one admin."""
    env = process_env(
        fake_slack, tmp_path, ALLIANCE_ADMINS=ADMIN, ALLIANCE_KNOWLEDGE_DIR=str(kb_dir)
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


@pytest.fixture
def chat(server: AppProcess, fake_slack: FakeSlack) -> Chat:
    """`/alliance` as any user against the running server."""
    sender = SlackSender(f"{server.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
    return Chat(sender, fake_slack, server)
