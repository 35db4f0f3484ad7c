"""The scheduler on an injected clock: local time, DST, restarts, outages, two replicas."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from daily_support import (
    CHANNEL,
    DatabaseOutage,
    ManualClock,
    daily_posts,
    harness,
    local,
    post_state,
    posts_per_date,
    settings_for,
)

from alliance_bot.daily.clock import SystemClock, run_time
from alliance_bot.daily.scheduler import run_daily_scheduler
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.daily_channel import SlackDailyChannel
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.state import DatabaseUrl
from alliance_bot.testing.fake_slack import FakeSlack

NY = ZoneInfo("America/New_York")


class TestRunTime:
    def test_an_ordinary_day(self) -> None:
        """09:00 in New York on a winter day is 14:00 UTC."""
        due = run_time(dt.date(2024, 1, 15), dt.time(9, 0), NY)
        assert due == dt.datetime(2024, 1, 15, 14, 0, tzinfo=dt.UTC)

    def test_spring_forward_gap_moves_to_the_first_valid_minute(self) -> None:
        """02:30 does not exist on 2024-03-10 in New York; the post is due at 03:00 EDT."""
        due = run_time(dt.date(2024, 3, 10), dt.time(2, 30), NY)
        assert due.astimezone(NY).isoformat() == "2024-03-10T03:00:00-04:00"

    def test_fall_back_twice_is_due_at_the_first(self) -> None:
        """01:30 happens twice on 2024-11-03 in New York; the post is due at the first (EDT)."""
        due = run_time(dt.date(2024, 11, 3), dt.time(1, 30), NY)
        assert due.astimezone(NY).isoformat() == "2024-11-03T01:30:00-04:00"

    def test_calendar_days_not_fixed_intervals(self) -> None:
        """Across DST changes consecutive posts are 23 and 25 hours apart."""
        at = dt.time(9, 0)
        spring = run_time(dt.date(2024, 3, 10), at, NY) - run_time(dt.date(2024, 3, 9), at, NY)
        autumn = run_time(dt.date(2024, 11, 3), at, NY) - run_time(dt.date(2024, 11, 2), at, NY)
        assert (spring, autumn) == (dt.timedelta(hours=23), dt.timedelta(hours=25))

    def test_a_skipped_day_of_samoa(self) -> None:
        """Samoa skipped 2011-12-30 entirely: the time is due at the first minute that exists."""
        due = run_time(dt.date(2011, 12, 30), dt.time(9, 0), ZoneInfo("Pacific/Apia"))
        assert due.astimezone(ZoneInfo("Pacific/Apia")).date() == dt.date(2011, 12, 31)


class TestSchedule:
    async def test_posts_at_the_set_local_time(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Nothing before 09:00 local; the post at 09:00; the next one the next day at 09:00."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-05 08:00")) as h:
            h.start()
            await h.run_until(local("2024-12-05 08:59"))
            assert daily_posts(fake_slack) == []
            await h.run_until(local("2024-12-05 09:00"))
            assert posts_per_date(fake_slack) == {"2024-12-05": 1}
            await h.run_until(local("2024-12-06 08:59"))
            assert len(daily_posts(fake_slack)) == 1
            await h.run_until(local("2024-12-06 09:00"))
            assert posts_per_date(fake_slack) == {"2024-12-05": 1, "2024-12-06": 1}
            assert local("2024-12-07 09:00") in h.clock.sleeps

    async def test_spring_forward_day_posts_once_at_the_first_valid_moment(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """ALLIANCE_DAILY_TIME 02:30 on 2024-03-10 (New York) posts at 03:00 EDT, once."""
        async with harness(
            fake_slack, knowledge_dir, state_url, local("2024-03-09 12:00"), at="02:30"
        ) as h:
            h.start()
            # 01:59:59 EST is followed by 03:00:00 EDT, i.e. 06:59:59 and 07:00:00 UTC.
            await h.run_until(dt.datetime(2024, 3, 10, 6, 59, 59, tzinfo=dt.UTC))
            assert posts_per_date(fake_slack) == {"2024-03-09": 1}
            await h.run_until(dt.datetime(2024, 3, 10, 7, 0, tzinfo=dt.UTC))
            assert posts_per_date(fake_slack) == {"2024-03-09": 1, "2024-03-10": 1}
            await h.run_until(local("2024-03-10 23:59"))
            assert posts_per_date(fake_slack) == {"2024-03-09": 1, "2024-03-10": 1}

    async def test_fall_back_day_posts_once_although_the_time_happens_twice(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """01:30 on 2024-11-03 (New York) comes twice; the channel gets one post, at the first."""
        async with harness(
            fake_slack, knowledge_dir, state_url, local("2024-11-02 12:00"), at="01:30"
        ) as h:
            h.start()
            first = local("2024-11-03 01:30", fold=0)
            second = local("2024-11-03 01:30", fold=1)
            assert second - first == dt.timedelta(hours=1)
            await h.run_until(first - dt.timedelta(seconds=1))
            assert posts_per_date(fake_slack) == {"2024-11-02": 1}
            await h.run_until(first)
            assert posts_per_date(fake_slack) == {"2024-11-02": 1, "2024-11-03": 1}
            await h.run_until(second + dt.timedelta(minutes=1))
            # A restart during the repeated hour must not post either.
            await h.stop_all()
            h.start()
            await h.run_until(local("2024-11-03 23:00"))
            assert posts_per_date(fake_slack) == {"2024-11-02": 1, "2024-11-03": 1}

    async def test_feb_29(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """On 29 February 2024 the leap-day event is posted."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-02-29 08:00")) as h:
            h.start()
            await h.run_until(local("2024-02-29 09:00"))
            (post,) = daily_posts(fake_slack)
            assert post["metadata"]["event_payload"]["entries"] == "ev-leap-drill"

    @pytest.mark.parametrize("fallback", ["archive", "skip"])
    async def test_a_day_with_no_event(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl, fallback: str
    ) -> None:
        """No event on 2 January: `archive` posts a labelled archive item, `skip` posts nothing."""
        async with harness(
            fake_slack, knowledge_dir, state_url, local("2024-01-02 08:00"), fallback=fallback
        ) as h:
            h.start()
            await h.run_until(local("2024-01-02 12:00"))
            posts = daily_posts(fake_slack)
            if fallback == "skip":
                assert posts == []
                record = await post_state(state_url).get(CHANNEL, dt.date(2024, 1, 2))
                assert record is not None
                assert record.status == "skipped"
            else:
                (post,) = posts
                assert post["metadata"]["event_payload"]["kind"] == "archive"
                assert "not tied to today's date" in post["text"]


class TestRestarts:
    async def test_restart_after_posting_does_not_post_again(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """A process restarted at 10:00 after the 09:00 post leaves the channel alone."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-06 08:00")) as h:
            h.start()
            await h.run_until(local("2024-12-06 09:30"))
            await h.stop_all()
            h.start()
            await h.run_until(local("2024-12-06 23:00"))
            assert posts_per_date(fake_slack) == {"2024-12-06": 1}

    async def test_restart_after_the_missed_time_posts_on_start(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Down at 09:00 and started at 14:00 the same day: the post goes out at 14:00."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-06 14:00")) as h:
            h.start()
            await h.run_until(local("2024-12-06 14:00"))
            assert posts_per_date(fake_slack) == {"2024-12-06": 1}
            record = await post_state(state_url).get(CHANNEL, dt.date(2024, 12, 6))
            assert record is not None
            assert record.status == "posted"

    async def test_started_before_the_time_waits(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Started at 07:00, the scheduler sleeps until 09:00 rather than posting at start."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-06 07:00")) as h:
            h.start()
            await h.run_until(local("2024-12-06 07:00"))
            assert daily_posts(fake_slack) == []
            assert h.clock.next_wakeup() == local("2024-12-06 09:00")

    async def test_two_schedulers_on_one_state_file_post_once(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Two replicas sharing the SQLite file, waking at the same moment, post once a day."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-05 08:00")) as h:
            h.start()
            h.start()
            await h.run_until(local("2024-12-08 10:00"))
            assert posts_per_date(fake_slack) == {
                "2024-12-05": 1, "2024-12-06": 1, "2024-12-07": 1, "2024-12-08": 1,
            }  # fmt: skip


class TestOutages:
    async def test_slack_down_at_post_time_posts_when_it_is_back(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl,
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """Two failed attempts (logged with tracebacks), then the retry minutes later posts."""
        # One attempt = 5 history calls (first + 4 retries); fail two whole attempts.
        fake_slack.server_error("conversations.history", times=10)
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-06 08:00")) as h:
            h.start()
            await h.run_until(local("2024-12-06 09:00"))
            assert daily_posts(fake_slack) == []
            assert await post_state(state_url).get(CHANNEL, dt.date(2024, 12, 6)) is None
            await h.run_until(local("2024-12-06 09:01"))
            assert daily_posts(fake_slack) == []
            await h.run_until(local("2024-12-06 09:03"))
            assert posts_per_date(fake_slack) == {"2024-12-06": 1}
        errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
        assert len(errors) == 2

    async def test_database_down_waits_with_one_line_then_posts(
        self,
        fake_slack: FakeSlack,
        knowledge_dir: Path,
        state_url: DatabaseUrl,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """While the state database does not answer (claims fail with the driver's
        OperationalError) the scheduler logs one warning per attempt, no traceback, posts
        nothing, and posts once the database answers again."""
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-06 08:00")) as h:
            outage = DatabaseOutage(h.new_state(), failures=2)
            h.start(state=outage)
            await h.run_until(local("2024-12-06 09:00"))
            await h.run_until(local("2024-12-06 09:02"))
            assert daily_posts(fake_slack) == []
            await h.run_until(local("2024-12-06 09:03"))
            assert posts_per_date(fake_slack) == {"2024-12-06": 1}
        waiting = [r for r in caplog.records if "waiting for the database" in r.getMessage()]
        assert len(waiting) == 2
        assert all(r.levelno == logging.WARNING and not r.exc_info for r in waiting)
        assert not [r for r in caplog.records if r.exc_info]

    async def test_a_dead_claim_delays_the_post_only_until_its_lease_ends(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """A claim left by a killed process at 09:00 is taken over when its lease runs out."""
        state = post_state(state_url)
        await state.claim(CHANNEL, dt.date(2024, 12, 6), owner="killed",
                          now=local("2024-12-06 09:00"), lease=dt.timedelta(minutes=10))  # fmt: skip
        async with harness(fake_slack, knowledge_dir, state_url, local("2024-12-06 09:05")) as h:
            h.start()
            await h.run_until(local("2024-12-06 09:09"))
            assert daily_posts(fake_slack) == []
            await h.run_until(local("2024-12-06 09:10"))
            assert posts_per_date(fake_slack) == {"2024-12-06": 1}


class TestWithoutChannel:
    async def test_no_channel_means_no_post_said_once(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl,
        caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """Without ALLIANCE_DAILY_CHANNEL the scheduler logs it once and returns."""
        caplog.set_level(logging.INFO)
        settings = settings_for(fake_slack, knowledge_dir, state_url, channel=None)
        clock = ManualClock(local("2024-12-06 09:00"))
        await asyncio.wait_for(
            run_daily_scheduler(
                settings=settings, knowledge=KnowledgeHolder.load(knowledge_dir),
                channel=None,
                state=post_state(state_url), clock=clock,
            ),
            timeout=5,
        )  # fmt: skip
        said = [r for r in caplog.records if "ALLIANCE_DAILY_CHANNEL" in r.getMessage()]
        assert len(said) == 1
        assert fake_slack.calls == []


class TestSystemClock:
    async def test_sleep_until_the_past_returns_at_once(self) -> None:
        """The real clock does not sleep for a moment already gone."""
        clock = SystemClock()
        await asyncio.wait_for(clock.sleep_until(clock.now() - dt.timedelta(hours=1)), 1)
        assert clock.now().tzinfo is not None


class TestDefaults:
    async def test_state_defaults_to_the_settings(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Given settings and a channel, the scheduler posts there and records in the state DB."""
        settings = settings_for(fake_slack, knowledge_dir, state_url)
        clock = ManualClock(local("2024-12-06 10:00"))
        client = make_slack_client(token="xoxb-test", base_url=settings.api_url)
        channel = SlackDailyChannel(client, CHANNEL, settings.timezone)
        task = asyncio.create_task(
            run_daily_scheduler(
                settings=settings, knowledge=KnowledgeHolder.load(knowledge_dir), clock=clock,
                channel=channel,
            )
        )  # fmt: skip
        try:
            await clock.advance_to(local("2024-12-06 10:00"), [task])
            assert posts_per_date(fake_slack) == {"2024-12-06": 1}
            record = await post_state(state_url).get(CHANNEL, dt.date(2024, 12, 6))
            assert record is not None
            assert record.status == "posted"
        finally:
            task.cancel()
