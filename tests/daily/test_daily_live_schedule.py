"""The scheduler with a live schedule (`settings_source`): a changed channel, time or zone
applies without a restart, and each (channel, local date) still gets exactly one post."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from daily_support import (
    ManualClock,
    RecordingSleep,
    local,
    post_state,
    posts_per_date,
    settings_for,
)

from alliance_bot.daily.scheduler import DailySchedule, run_daily_scheduler
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.daily_channel import SlackDailyChannel
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.state import DatabaseUrl
from alliance_bot.testing.fake_slack import FakeSlack

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


class LiveSchedule:
    """A schedule a test changes while the scheduler runs, as `/alliance settings` would."""

    def __init__(self, fake: FakeSlack, sleep: RecordingSleep) -> None:
        self._client = make_slack_client(token="xoxb-test", base_url=fake.base_url, sleep=sleep)
        self.channels: tuple[str, ...] = ()
        self.time = dt.time(9, 0)
        self.zone = NY
        self.reads = 0
        self.was_read = asyncio.Event()

    async def __call__(self) -> DailySchedule:
        self.reads += 1
        self.was_read.set()
        return DailySchedule(
            tuple(SlackDailyChannel(self._client, c, self.zone) for c in self.channels),
            self.time,
            self.zone,
            "archive",
        )


async def change(
    schedule: LiveSchedule, changed: asyncio.Event, clock: ManualClock, task: asyncio.Task[None]
) -> None:
    """Tell the scheduler the settings changed, and wait until it has read them and is asleep
    again (or has posted and is asleep again)."""
    schedule.was_read.clear()
    changed.set()
    await asyncio.wait_for(schedule.was_read.wait(), 10)
    await clock.settle([task])


async def run(
    fake: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl, start: dt.datetime
) -> tuple[ManualClock, LiveSchedule, asyncio.Task[None], asyncio.Event]:
    sleep = RecordingSleep()
    clock = ManualClock(start)
    schedule = LiveSchedule(fake, sleep)
    changed = asyncio.Event()
    settings = settings_for(fake, knowledge_dir, state_url, channel=None)
    task = asyncio.create_task(
        run_daily_scheduler(
            settings=settings,
            knowledge=KnowledgeHolder.load(knowledge_dir),
            channel=None,
            state=post_state(state_url),
            clock=clock,
            owner="process-1",
            sleep=sleep,
            settings_source=schedule,
            changed=changed,
        )
    )
    return clock, schedule, task, changed


class TestLiveSchedule:
    async def test_no_channel_waits_for_one_instead_of_returning(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """With nothing set it keeps running; a channel set later gets today's post at once."""
        clock, schedule, task, changed = await run(
            fake_slack, knowledge_dir, state_url, local("2024-12-06 10:00")
        )
        try:
            await clock.advance_to(local("2024-12-06 12:00"), [task])
            assert not task.done()
            assert fake_slack.calls_to("chat.postMessage") == []
            schedule.channels = ("CFIRST",)
            await change(schedule, changed, clock, task)
            assert posts_per_date(fake_slack, "CFIRST") == {"2024-12-06": 1}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def test_a_later_time_after_todays_post_does_not_post_again(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Posted at 09:00, then moved to 15:00: nothing more today, tomorrow at 15:00."""
        clock, schedule, task, changed = await run(
            fake_slack, knowledge_dir, state_url, local("2024-12-06 08:00")
        )
        schedule.channels = ("CDAILY",)
        try:
            await clock.advance_to(local("2024-12-06 09:00"), [task])
            assert posts_per_date(fake_slack, "CDAILY") == {"2024-12-06": 1}
            schedule.time = dt.time(15, 0)
            await change(schedule, changed, clock, task)
            await clock.advance_to(local("2024-12-07 14:59"), [task])
            assert posts_per_date(fake_slack, "CDAILY") == {"2024-12-06": 1}
            await clock.advance_to(local("2024-12-07 15:00"), [task])
            assert posts_per_date(fake_slack, "CDAILY") == {"2024-12-06": 1, "2024-12-07": 1}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def test_a_changed_zone_and_a_second_channel_apply_without_a_restart(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Switched to Tokyo with two channels: both post at 09:00 Tokyo time, once each."""
        clock, schedule, task, changed = await run(
            fake_slack, knowledge_dir, state_url, local("2024-12-05 12:00")
        )
        try:
            await clock.advance_to(local("2024-12-05 12:00"), [task])
            schedule.channels, schedule.zone = ("CONE", "CTWO"), TOKYO
            await change(schedule, changed, clock, task)
            # 09:00 on 6 December in Tokyo is 19:00 on the 5th in New York.
            await clock.advance_to(local("2024-12-05 18:59"), [task])
            assert fake_slack.calls_to("chat.postMessage") == []
            await clock.advance_to(local("2024-12-05 19:00"), [task])
            assert posts_per_date(fake_slack, "CONE") == {"2024-12-06": 1}
            assert posts_per_date(fake_slack, "CTWO") == {"2024-12-06": 1}
            await clock.advance_to(local("2024-12-06 18:00"), [task])
            assert len(fake_slack.calls_to("chat.postMessage")) == 2
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def test_without_a_change_it_still_looks_every_minute(
        self, fake_slack: FakeSlack, knowledge_dir: Path, state_url: DatabaseUrl
    ) -> None:
        """Another process may change the settings: the source is read again each minute."""
        clock, schedule, task, _ = await run(
            fake_slack, knowledge_dir, state_url, local("2024-12-06 10:00")
        )
        try:
            await clock.advance_to(local("2024-12-06 10:10"), [task])
            assert schedule.reads >= 10
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
