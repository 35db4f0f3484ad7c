"""Time for the daily post: an injectable `Clock`, the local date, and when a day's post is due.

One meaning of "today" for the whole product: the date on the wall calendar in the configured
time zone (`ALLIANCE_TIMEZONE`), which `local_date` gives. Answers, admin stats, the CLI and the
daily post all use it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

# Longest single sleep of the system clock; see SystemClock.sleep_until.
_SLEEP_SLICE = 60.0


class Clock(Protocol):
    """Where the scheduler gets the time, so tests can drive it."""

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware."""
        ...

    async def sleep_until(self, when: dt.datetime) -> None:
        """Return once `now() >= when` (at once if it already is)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep_until(self, when: dt.datetime) -> None:
        # asyncio sleeps on the monotonic clock, which stops while a machine is suspended and
        # ignores wall-clock corrections; sleeping in slices and re-reading the wall clock means
        # a laptop that wakes at 10:00 posts at 10:00, not an hour of suspend later.
        while (remaining := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, _SLEEP_SLICE))


def run_time(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The moment (aware, UTC) the post for local date `day` is due.

    A wall time skipped by a DST change is due at the first valid local minute after it; a wall
    time that occurs twice is due at its first occurrence (fold=0).
    """
    wall = dt.datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    # Gaps are at most a day (Samoa skipped 30 December 2011 entirely); walk minute by minute.
    for minutes in range(0, 24 * 60 + 1):
        candidate = wall + dt.timedelta(minutes=minutes)
        moment = candidate.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == candidate:
            return moment
    raise ValueError(f"no valid local time at or after {wall} in {tz.key}")  # pragma: no cover


def local_date(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The date on the wall calendar in `tz` at `moment`."""
    return moment.astimezone(tz).date()
