"""`/alliance preview [DATE]` and `/alliance post-today` through the real server: admins only,
the preview is what would be posted, and posting now still posts at most once a day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from admin_chat import ADMIN, NOT_ADMIN, Chat

from alliance_bot.testing.app_process import AppProcess, process_env, start_process
from alliance_bot.testing.fake_slack import FakeSlack

pytestmark = pytest.mark.slow
DAILY = "C0DAILY0001"


@pytest.fixture
async def server(fake_slack: FakeSlack, tmp_path: Path, kb_dir: Path) -> AsyncIterator[AppProcess]:
    """The real server with a daily channel set; the post time is far away, so only the admin
    command posts."""
    env = process_env(
        fake_slack,
        tmp_path,
        ALLIANCE_ADMINS=ADMIN,
        ALLIANCE_KNOWLEDGE_DIR=str(kb_dir),
        ALLIANCE_DAILY_CHANNEL=DAILY,
        ALLIANCE_DAILY_TIME="23:59",
        ALLIANCE_TIMEZONE="Pacific/Kiritimati",
    )
    app = await start_process(
        ["serve", "--host", "127.0.0.1", "--port", "0"], env, tmp_path,
        ready="alliance-bot listening on",
    )  # fmt: skip
    try:
        yield app
    finally:
        await app.stop()


class TestPreview:
    async def test_admin_sees_the_post_for_a_date(self, chat: Chat, fake_slack: FakeSlack) -> None:
        """An admin's preview of a date shows that day's event and posts nothing."""
        reply = await chat.command("preview 2024-11-29")
        assert "Preview for 2024-11-29" in reply.text
        assert "Osprey" in reply.text
        assert fake_slack.posted(DAILY) == []

    async def test_impossible_date_is_named(self, chat: Chat) -> None:
        """An impossible date is refused, naming it."""
        reply = await chat.command("preview 2023-02-30")
        assert "2023-02-30" in reply.text

    async def test_non_admin_is_refused(self, chat: Chat) -> None:
        """Anyone not in ALLIANCE_ADMINS is refused."""
        reply = await chat.command("preview", user=NOT_ADMIN)
        assert "Preview" not in reply.text
        assert "admin" in reply.text.lower()


class TestPostToday:
    async def test_posts_once_however_often_asked(self, chat: Chat, fake_slack: FakeSlack) -> None:
        """`post-today` posts to the daily channel; asking again the same day posts nothing more."""
        await chat.command("post-today")
        assert len(fake_slack.posted(DAILY)) == 1
        second = await chat.command("post-today")
        assert len(fake_slack.posted(DAILY)) == 1
        assert "already" in second.text.lower()
