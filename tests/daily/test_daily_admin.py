"""Admin sub-commands: `/alliance preview [DATE]` and `/alliance post-today`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from daily_support import CHANNEL, post_state, posts_per_date, settings_for
from slack_sdk.models.blocks import Block

from alliance_bot.daily.admin import PostFailed, parse_day, post_now, preview
from alliance_bot.daily.state import SqlPostState
from alliance_bot.knowledge.dates import InvalidDate
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.daily_channel import SlackDailyChannel
from alliance_bot.slack.render.daily import post_now_text, render_preview
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.state import DatabaseUrl
from alliance_bot.testing.fake_slack import FakeSlack

TODAY = dt.date(2024, 12, 6)


class TestParseDay:
    def test_empty_means_today(self) -> None:
        """No argument previews today."""
        assert parse_day("", TODAY) == TODAY
        assert parse_day(None, TODAY) == TODAY

    def test_impossible_date_is_named(self) -> None:
        """An impossible date is refused with its text in the message."""
        with pytest.raises(InvalidDate, match="2023-02-30"):
            parse_day("2023-02-30", TODAY)

    def test_month_only_is_not_a_day(self) -> None:
        """A month alone is not a date to preview."""
        with pytest.raises(InvalidDate, match="full date"):
            parse_day("2024-12", TODAY)


class TestPreview:
    async def test_preview_shows_the_post_and_changes_nothing(
        self, kb: KnowledgeBase, state: SqlPostState
    ) -> None:
        """A preview of a quiet day shows the archive pick without advancing the rotation."""
        first = render_preview(
            kb,
            await preview(
                kb, dt.date(2024, 1, 2), state=state, channel=CHANNEL, fallback="archive"
            ),
        )
        second = render_preview(kb, await preview(
            kb, dt.date(2024, 1, 2), state=state, channel=CHANNEL, fallback="archive"))  # fmt: skip
        assert first == second
        assert "Preview for 2024-01-02" in first.text
        assert "not tied" in first.text
        assert (await state.rotation(CHANNEL)).shown == frozenset()
        assert len(first.blocks) <= 50
        for raw in first.blocks:
            block = Block.parse(raw)
            assert block is not None
            block.validate_json()

    async def test_preview_under_skip_says_nothing_would_be_posted(
        self, kb: KnowledgeBase, state: SqlPostState
    ) -> None:
        """Under `skip`, a quiet day's preview says that nothing would be posted."""
        reply = render_preview(kb, await preview(
            kb, dt.date(2024, 1, 2), state=state, channel=CHANNEL, fallback="skip"))  # fmt: skip
        assert "nothing would be posted" in reply.text
        assert reply.blocks == ()


class TestPostNow:
    async def test_post_now_posts_once(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """`/alliance post-today` posts today's message; a second time it says already posted."""
        settings = settings_for(fake_slack, knowledge_dir, state_url, tz="Asia/Tokyo")
        state = post_state(state_url)
        client = make_slack_client(token="xoxb-test", base_url=fake_slack.base_url)
        channel = SlackDailyChannel(client, CHANNEL, settings.timezone)
        now = dt.datetime(2024, 12, 5, 16, 0, tzinfo=dt.UTC)  # 6 December 01:00 in Tokyo
        first = await post_now(kb, settings=settings, state=state, channel=channel, owner="a",
                               now=now)  # fmt: skip
        second = await post_now(kb, settings=settings, state=state, channel=channel, owner="b",
                                now=now)  # fmt: skip
        assert "Posted the daily message for 2024-12-06" in post_now_text(first)
        assert "Already posted" in post_now_text(second)
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}

    async def test_post_now_reports_an_outage(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """When Slack is down the admin is told that nothing was recorded."""
        settings = settings_for(fake_slack, knowledge_dir, state_url)
        fake_slack.api_error("chat.postMessage", "not_in_channel")
        reply = await post_now(
            kb, settings=settings, state=post_state(state_url),
            channel=SlackDailyChannel(
                make_slack_client(token="xoxb-test", base_url=fake_slack.base_url),
                CHANNEL, settings.timezone,
            ),
            owner="a", now=dt.datetime(2024, 12, 6, 15, 0, tzinfo=dt.UTC),
        )  # fmt: skip
        assert isinstance(reply, PostFailed)
        assert "failed" in post_now_text(reply)
        assert "Nothing was recorded" in post_now_text(reply)
