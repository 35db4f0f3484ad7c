"""The scheduler `serve` and `socket` run: the daily post at ALLIANCE_DAILY_TIME, local time.

Why hand-written instead of APScheduler or a cron library: the run time is one calendar
computation per day (below, `run_time`), and everything hard about the job is *exactly once*,
which lives in the state store and `post_daily`, not in the trigger. A library scheduler would add
its own job store and misfire rules that would have to agree with ours, and it runs on the real
event-loop clock; we want an injected `Clock` so tests drive days, DST changes and a whole year
in milliseconds, never waiting on the wall clock.

Calendar rules (zoneinfo):

- The post is due at the daily time on each *local* date, so the gap between two posts is 23 or
  25 hours across a DST change, never a fixed 86,400 seconds.
- Spring forward: a time that does not exist that day (02:30 in New York on 2024-03-10) is due
  at the first valid moment after it (03:00 EDT).
- Fall back: a time that happens twice (01:30 in New York on 2024-11-03) is due at its first
  occurrence; the state store then knows the date is done, so the second one posts nothing.
- Started after today's time and today not yet posted: it posts at once. A day that ends before
  any attempt succeeds is missed (an "on this day" post for yesterday makes no sense), and logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from alliance_bot.config import Settings
from alliance_bot.daily.clock import Clock, SystemClock, local_date, run_time
from alliance_bot.daily.content import Fallback
from alliance_bot.daily.job import (
    DailyChannel,
    DailyJob,
    DailyPostFailed,
    Sleep,
    default_owner,
    post_daily,
)
from alliance_bot.daily.state import PostState, SqlPostState
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.state import waiting_for_database

logger = logging.getLogger(__name__)

# After a failed attempt: wait 1, 2, 4 … minutes, at most 30, until the day is over.
_RETRY_FIRST = dt.timedelta(minutes=1)
_RETRY_MAX = dt.timedelta(minutes=30)
# How often a live schedule (`settings_source`) is read again while waiting.
_RECHECK = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class DailySchedule:
    """Where and when the daily post goes: the channels, the local time, its zone, the fallback.

    `settings_source` hands the scheduler a fresh one each loop, so a change made from Slack
    (`/alliance settings`) applies without a restart."""

    channels: tuple[DailyChannel, ...]
    time: dt.time
    timezone: ZoneInfo
    fallback: Fallback

    def describe(self) -> str:
        where = ", ".join(c.id for c in self.channels) or "no channel"
        return f"{where} at {self.time:%H:%M} {self.timezone.key} (fallback {self.fallback})"


ScheduleSource = Callable[[], Awaitable[DailySchedule]]


class ScheduleObserver(Protocol):
    """Told what the scheduler plans and achieves (the metrics; the domain knows no Prometheus)."""

    def next_post(self, channel: str, due: dt.datetime) -> None:
        """The next post not yet made is due at `due`; it stays there while attempts fail."""

    def post_done(self, channel: str, day: dt.date, at: dt.datetime) -> None:
        """`day`'s post is done (posted, found in the channel, recorded, or nothing to post)."""


class _Unobserved:
    def next_post(self, channel: str, due: dt.datetime) -> None:
        pass

    def post_done(self, channel: str, day: dt.date, at: dt.datetime) -> None:
        pass


async def run_daily_scheduler(
    *,
    settings: Settings,
    knowledge: KnowledgeHolder,
    channel: DailyChannel | None,
    state: PostState | None = None,
    clock: Clock | None = None,
    owner: str | None = None,
    sleep: Sleep = asyncio.sleep,
    settings_source: ScheduleSource | None = None,
    recheck: dt.timedelta = _RECHECK,
    changed: asyncio.Event | None = None,
    observer: ScheduleObserver | None = None,
) -> None:
    """Post the daily message every local day, forever; cancel the task to stop it.

    Without `settings_source`, the schedule is fixed at start: `channel` at ALLIANCE_DAILY_TIME in
    ALLIANCE_TIMEZONE (`channel` None: ALLIANCE_DAILY_CHANNEL is not set; it logs that once and
    returns). With `settings_source`, the schedule is read again on every loop and at least every
    `recheck`, so a changed channel, time, zone or fallback applies without a restart; `channel`
    is then ignored and the scheduler keeps running with no channel, waiting for one. Setting
    `changed` (an event the settings listeners set after a change) makes it look at once.

    Exactly once per (channel, local date) still holds when the schedule changes: the state store
    keys claims and records by both, so moving the time after today's post posts nothing more
    today, and a channel added after today's time posts at once (as a start-up after the time
    does). `state` defaults to the SQLite file ALLIANCE_STATE_DB, `clock` to the system clock,
    `owner` to an id unique to this process, `sleep` to what the job's retries wait with.
    `observer` is told each channel's due time and each day done.
    """
    if settings_source is None:
        if channel is None:
            logger.info("ALLIANCE_DAILY_CHANNEL is not set: no daily 'on this day' post")
            return
        fixed = DailySchedule(
            (channel,), settings.daily_time, settings.timezone, settings.daily_fallback
        )

        async def read_fixed() -> DailySchedule:
            return fixed

        source: ScheduleSource = read_fixed
    else:
        source = settings_source
    clock = clock or SystemClock()
    observed = observer or _Unobserved()
    store = state or SqlPostState.for_settings(settings)
    owner = owner or default_owner()

    async def sleep_until(moment: dt.datetime) -> None:
        # A fixed schedule sleeps straight to the moment; a live one looks at its source again
        # every `recheck`, or as soon as `changed` is set.
        if settings_source is None:
            await clock.sleep_until(moment)
            return
        await _sleep_or_wake(clock, min(moment, clock.now() + recheck), changed)

    announced = ""
    failures: dict[str, int] = {}
    unfinished: dict[str, dt.date] = {}
    finished: set[tuple[str, dt.date]] = set()
    while True:
        schedule = await source()
        if schedule.describe() != announced:
            announced = schedule.describe()
            logger.info("daily post to %s", announced)
        tz = schedule.timezone
        now = clock.now()
        today = local_date(now, tz)
        for where, day in list(unfinished.items()):
            if day != today:
                logger.error(
                    "the daily post for %s to %s was never made; that day is over", day, where
                )
                del unfinished[where]
                failures.pop(where, None)
        finished = {(where, day) for where, day in finished if day == today}
        if not schedule.channels:
            await sleep_until(clock.now() + recheck)
            continue
        due = run_time(today, schedule.time, tz)
        tomorrow = run_time(today + dt.timedelta(days=1), schedule.time, tz)
        for target in schedule.channels:
            observed.next_post(target.id, tomorrow if (target.id, today) in finished else due)
        if now < due:
            await sleep_until(due)
            continue
        job = DailyJob(
            state=store, fallback=schedule.fallback, owner=owner, now=clock.now, sleep=sleep
        )
        wake: list[dt.datetime] = []
        for target in schedule.channels:
            if (target.id, today) in finished:
                continue
            unfinished[target.id] = today
            try:
                outcome = await post_daily(job, knowledge.current, target, today)
            except DailyPostFailed:
                # Already logged with its traceback by post_daily; try again later today.
                failures[target.id] = failures.get(target.id, 0) + 1
                wake.append(_retry_at(clock.now(), failures[target.id], today, tz))
                continue
            except Exception as error:
                # Anything else (the database down, a bug) must not end the scheduler: the
                # server keeps answering questions and the next attempt may succeed.
                failures[target.id] = failures.get(target.id, 0) + 1
                retry = _retry_at(clock.now(), failures[target.id], today, tz)
                wake.append(retry)
                outage = waiting_for_database(error)
                if outage is None:
                    logger.exception("daily post to %s for %s crashed", target.id, today)
                else:
                    logger.warning(
                        "daily post to %s for %s is waiting for the database (%s); "
                        "nothing recorded, trying again at %s",
                        target.id,
                        today,
                        outage,
                        retry.isoformat(timespec="seconds"),
                    )
                continue
            failures.pop(target.id, None)
            if not outcome.finished:
                # Someone else holds the claim: look again when its lease runs out.
                retry = outcome.retry_at or clock.now() + _RETRY_FIRST
                wake.append(max(retry, clock.now() + dt.timedelta(seconds=1)))
                continue
            del unfinished[target.id]
            finished.add((target.id, today))
            observed.post_done(target.id, today, clock.now())
            observed.next_post(target.id, tomorrow)
        if wake:
            await sleep_until(min(wake))
        else:
            await sleep_until(tomorrow)


async def _sleep_or_wake(clock: Clock, until: dt.datetime, changed: asyncio.Event | None) -> None:
    """Sleep on `clock` until `until`, or less if `changed` is set (it is then cleared).

    The sleep runs in this task, not a helper, so a clock that tracks who is asleep (tests drive
    time that way) sees the scheduler itself asleep; the change interrupts it by cancelling this
    task, which the `CancelledError` handler tells apart from a real cancellation.
    """
    if changed is None:
        await clock.sleep_until(until)
        return
    if changed.is_set():
        changed.clear()
        return
    task = asyncio.current_task()
    assert task is not None
    woken = False

    async def watch() -> None:
        nonlocal woken
        await changed.wait()
        woken = True
        task.cancel()

    watcher = asyncio.create_task(watch())
    try:
        await clock.sleep_until(until)
    except asyncio.CancelledError:
        if not woken or task.cancelling() > 1:
            raise  # a real cancellation (shutdown), perhaps besides the wake-up
        task.uncancel()
    finally:
        watcher.cancel()
    changed.clear()


def _retry_at(now: dt.datetime, failures: int, today: dt.date, tz: ZoneInfo) -> dt.datetime:
    wait = min(_RETRY_FIRST * (1 << min(failures - 1, 10)), _RETRY_MAX)
    # Not past midnight: the loop then notices the day is over instead of retrying a dead day.
    end_of_day = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return min(now + wait, end_of_day.astimezone(dt.UTC))
