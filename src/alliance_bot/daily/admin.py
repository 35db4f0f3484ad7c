"""The admin sub-commands of the daily post: `/alliance preview [DATE]` and `/alliance post-today`.

Domain functions only: they take what the Slack listener already has (the knowledge base, the
state, the channel, the settings) and return data (`Preview`, `PostNowOutcome`); the Slack
layer writes the words (`alliance_bot.slack.render.daily`). Checking that the
caller is in ALLIANCE_ADMINS is the dispatcher's job, as for every admin command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alliance_bot.config import Settings
from alliance_bot.daily.clock import local_date
from alliance_bot.daily.content import ArchiveRotation, DailyMessage, compose_daily
from alliance_bot.daily.job import (
    DailyChannel,
    DailyJob,
    DailyOutcome,
    DailyPostFailed,
    post_daily,
)
from alliance_bot.daily.state import PostRecord, PostState
from alliance_bot.knowledge.dates import InvalidDate, PartialDate
from alliance_bot.knowledge.snapshot import KnowledgeBase


@dataclass(frozen=True)
class NoDailyChannel:
    """`post-today` with no daily channel configured: nothing to post."""


@dataclass(frozen=True)
class PostFailed:
    """The post for `day` failed (`reason`, plain text); nothing was recorded."""

    day: dt.date
    reason: str


PostNowOutcome = DailyOutcome | PostFailed | NoDailyChannel
"""What `/alliance post-today` did for one channel."""


def parse_day(text: str | None, today: dt.date) -> dt.date:
    """`YYYY-MM-DD`, or `today` when empty; raises `InvalidDate` naming an impossible date."""
    value = (text or "").strip()
    if not value or value.lower() == "today":
        return today
    parsed = PartialDate.parse(value)
    if parsed.precision != "day":
        raise InvalidDate(f"{value!r} is not a full date; give one like 2024-03-10")
    return parsed.first_day()


@dataclass(frozen=True)
class Preview:
    """What the daily post for `day` would be in `channel`, and what the state says of it."""

    day: dt.date
    channel: str | None
    message: DailyMessage | None
    record: PostRecord | None


async def preview(
    kb: KnowledgeBase,
    day: dt.date,
    *,
    state: PostState,
    channel: str | None,
    fallback: str,
) -> Preview:
    """The daily post for `day` in `channel`, and whether it was already posted.

    Reads the archive rotation but never advances it, so the preview is the post itself.
    """
    rotation = await state.rotation(channel) if channel else ArchiveRotation()
    record = await state.get(channel, day) if channel else None
    message = compose_daily(
        kb, day, fallback="skip" if fallback == "skip" else "archive", rotation=rotation
    )
    return Preview(day, channel, message, record)


async def post_now(
    kb: KnowledgeBase,
    *,
    settings: Settings,
    state: PostState,
    channel: DailyChannel | None,
    owner: str,
    now: dt.datetime | None = None,
) -> PostNowOutcome:
    """`/alliance post-today`: post today's message to the daily channel now, still at most once."""
    if channel is None:
        return NoDailyChannel()
    moment = now or dt.datetime.now(dt.UTC)
    day = local_date(moment, settings.timezone)
    job = DailyJob(
        state=state,
        fallback=settings.daily_fallback,
        owner=owner,
        now=lambda: moment if now is not None else dt.datetime.now(dt.UTC),
    )
    try:
        return await post_daily(job, kb, channel, day)
    except DailyPostFailed as error:
        return PostFailed(day, str(error))
