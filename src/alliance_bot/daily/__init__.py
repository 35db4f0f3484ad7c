"""The daily "on this day" post: what it says (`content`), when it is due (`clock`), the
exactly-once job (`job`) and its state (`state`), the scheduler, and the admin's preview.

It posts through a `DailyChannel`; Slack's is in `alliance_bot.slack.daily_channel`.
"""

from alliance_bot.daily.clock import Clock, SystemClock, local_date, run_time
from alliance_bot.daily.content import ArchivePick, ArchiveRotation, DailyMessage, compose_daily
from alliance_bot.daily.job import (
    DailyChannel,
    DailyJob,
    DailyOutcome,
    DailyPostFailed,
    FoundPost,
    PostAttemptFailed,
    describe,
    post_daily,
)
from alliance_bot.daily.scheduler import run_daily_scheduler
from alliance_bot.daily.state import PostRecord, PostState, SqlitePostState, SqlPostState

__all__ = [
    "ArchivePick",
    "ArchiveRotation",
    "Clock",
    "DailyChannel",
    "DailyJob",
    "DailyMessage",
    "DailyOutcome",
    "DailyPostFailed",
    "FoundPost",
    "PostAttemptFailed",
    "PostRecord",
    "PostState",
    "SqlPostState",
    "SqlitePostState",
    "SystemClock",
    "compose_daily",
    "describe",
    "local_date",
    "post_daily",
    "run_daily_scheduler",
    "run_time",
]
