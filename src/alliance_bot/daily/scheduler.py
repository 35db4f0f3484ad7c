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
from zoneinfo import ZoneInfo

from alliance_bot.config import Settings
from alliance_bot.daily.clock import Clock, SystemClock, local_date, run_time
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

logger = logging.getLogger(__name__)

# After a failed attempt: wait 1, 2, 4 … minutes, at most 30, until the day is over.
_RETRY_FIRST = dt.timedelta(minutes=1)
_RETRY_MAX = dt.timedelta(minutes=30)


async def run_daily_scheduler(
    *,
    settings: Settings,
    knowledge: KnowledgeHolder,
    channel: DailyChannel | None,
    state: PostState | None = None,
    clock: Clock | None = None,
    owner: str | None = None,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Post the daily message every local day, forever; cancel the task to stop it.

    `channel` is where it posts (`None` when ALLIANCE_DAILY_CHANNEL is not set: it logs that once
    and returns). `state` defaults to the database of
    ALLIANCE_DATABASE_URL or ALLIANCE_STATE_DB, `clock` to the system
    clock, `owner` to an id unique to this process. `sleep` is what the job's retries wait with
    (tests pass a fake).
    """
    if channel is None:
        logger.info("ALLIANCE_DAILY_CHANNEL is not set: no daily 'on this day' post")
        return
    tz = settings.timezone
    clock = clock or SystemClock()
    job = DailyJob(
        state=state or SqlPostState.for_settings(settings),
        fallback=settings.daily_fallback,
        owner=owner or default_owner(),
        now=clock.now,
        sleep=sleep,
    )
    logger.info(
        "daily post to %s at %s %s (fallback %s)",
        channel.id,
        settings.daily_time.strftime("%H:%M"),
        tz.key,
        settings.daily_fallback,
    )
    failures = 0
    unfinished: dt.date | None = None
    while True:
        now = clock.now()
        today = local_date(now, tz)
        if unfinished is not None and unfinished != today:
            logger.error(
                "the daily post for %s to %s was never made; that day is over",
                unfinished,
                channel.id,
            )
            unfinished, failures = None, 0
        due = run_time(today, settings.daily_time, tz)
        if now < due:
            await clock.sleep_until(due)
            continue
        unfinished = today
        try:
            outcome = await post_daily(job, knowledge.current, channel, today)
        except DailyPostFailed:
            # Already logged with its traceback by post_daily; try again later today.
            failures += 1
            await clock.sleep_until(_retry_at(clock.now(), failures, today, tz))
            continue
        except Exception:
            # Anything else (the state file unreadable, a bug) must not end the scheduler: the
            # server keeps answering questions and the next attempt may succeed.
            logger.exception("daily post to %s for %s crashed", channel.id, today)
            failures += 1
            await clock.sleep_until(_retry_at(clock.now(), failures, today, tz))
            continue
        failures = 0
        if not outcome.finished:
            # Someone else holds the claim: look again when its lease runs out.
            retry = outcome.retry_at or clock.now() + _RETRY_FIRST
            await clock.sleep_until(max(retry, clock.now() + dt.timedelta(seconds=1)))
            continue
        unfinished = None
        await clock.sleep_until(run_time(today + dt.timedelta(days=1), settings.daily_time, tz))


def _retry_at(now: dt.datetime, failures: int, today: dt.date, tz: ZoneInfo) -> dt.datetime:
    wait = min(_RETRY_FIRST * (1 << min(failures - 1, 10)), _RETRY_MAX)
    # Not past midnight: the loop then notices the day is over instead of retrying a dead day.
    end_of_day = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return min(now + wait, end_of_day.astimezone(dt.UTC))
