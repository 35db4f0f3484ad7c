"""The daily post job: post one channel's "on this day" message for one local date, at most once.

`post_daily(job, kb, channel, day)` is shared by the scheduler inside `serve`/`socket`, by
`alliance-bot post-today` and by `/alliance post-today`. It knows nothing about Slack's API: the
channel is a `DailyChannel` (Slack's lives in `alliance_bot.slack.daily_channel`), and the rest of
what a run needs is one `DailyJob`. Its steps, and the failure each one covers:

1. **Claim** (channel, date) in the state store. Another process holding it, or the day already
   done, and we stop: two schedulers or replicas sharing the store cannot both post.
2. **Look in the channel** (`DailyChannel.find`: Slack's reads the day's history for a message
   carrying our metadata, `event_type` `alliance_daily` with the local date). This covers a crash after Slack accepted the post but before the state was written: the
   message is there, so we record it instead of posting again.
3. **Post** with that metadata, then **record** the `ts` (and the archive rotation) in one
   transaction.

Faults: the channel's client waits out rate limits and retries reads. When the state database is
down the error is passed on as it is (`alliance_bot.state.waiting_for_database` recognises it),
so callers can say they are waiting for the database rather than blaming Slack. A *post* that fails in a
way the channel calls transient may nonetheless have been accepted, so it is never blindly
repeated: we look first and post again only if the message is not there. When Slack stays down we raise
`DailyPostFailed`, log it with its traceback, release the claim and record nothing, so the next
attempt posts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from alliance_bot.daily.content import ArchivePick, DailyMessage, Fallback, compose_daily
from alliance_bot.daily.state import PostRecord, PostState
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.state import waiting_for_database

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Now = Callable[[], dt.datetime]

# Longer than the worst post attempt (retries, Retry-After waits, history pages), so a live
# claimer never loses its claim; short enough that a crashed one blocks the day only briefly.
DEFAULT_LEASE = dt.timedelta(minutes=10)

OutcomeStatus = Literal["posted", "found", "done", "skipped", "busy"]


class DailyPostFailed(Exception):
    """Slack stayed unreachable or refused the post; nothing was recorded, the claim released."""


class PostAttemptFailed(Exception):
    """One attempt to post or look failed. `transient`: it may work later, and a post may even
    have gone through, so the job looks before it tries again."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class FoundPost:
    """Our daily message for a date, found in the channel."""

    ts: str
    kind: str
    entry_ids: tuple[str, ...]
    archive: ArchivePick | None


class DailyChannel(Protocol):
    """Where the daily message goes. `find` raises on failure: without it we cannot rule out a
    double post, so we do not post. `post` words the message from `kb`, returns its id (Slack's
    `ts`) or raises `PostAttemptFailed`."""

    @property
    def id(self) -> str: ...

    async def find(self, day: dt.date) -> FoundPost | None: ...

    async def post(self, kb: KnowledgeBase, message: DailyMessage) -> str: ...


def default_owner() -> str:
    """An id for this process's claims: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class DailyJob:
    """What every run of the job shares: the state store, the fallback, this process's claim
    owner id, and the clock and sleep (injectable for tests)."""

    state: PostState
    fallback: Fallback
    owner: str
    now: Now = utc_now
    lease: dt.timedelta = DEFAULT_LEASE
    post_attempts: int = 5
    sleep: Sleep = asyncio.sleep


@dataclass(frozen=True)
class DailyOutcome:
    """What one run of the job did.

    `posted`: we posted now. `found`: the post was already in the channel (an earlier run crashed
    after Slack accepted it) and is now recorded. `done`: the state already said posted or
    skipped. `skipped`: nothing to post (no event, `skip` fallback), recorded. `busy`: another
    process holds the claim until `retry_at`.
    """

    status: OutcomeStatus
    channel: str
    day: dt.date
    ts: str | None = None
    message: DailyMessage | None = None
    record: PostRecord | None = None
    retry_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        """True when the day needs no further attempt."""
        return self.status != "busy"


async def post_daily(
    job: DailyJob, kb: KnowledgeBase, channel: DailyChannel, day: dt.date
) -> DailyOutcome:
    """Post `channel`'s message for local date `day` unless it is already done; see the module.

    Raises `DailyPostFailed` (after logging it with the traceback) when Slack stays down; in that
    case nothing is recorded and the claim is released, so the next attempt posts.
    """
    state, where = job.state, channel.id
    claim = await state.claim(where, day, owner=job.owner, now=job.now(), lease=job.lease)
    if claim.status == "done":
        return DailyOutcome("done", where, day, ts=claim.record.ts, record=claim.record)
    if claim.status == "busy":
        logger.info(
            "daily post %s for %s: claimed by %s until %s",
            where,
            day,
            claim.record.owner,
            claim.record.lease_until,
        )
        return DailyOutcome(
            "busy", where, day, record=claim.record, retry_at=claim.record.lease_until
        )
    try:
        return await _post_claimed(job, kb, channel, day)
    except BaseException as error:
        # Record nothing and hand the day back, so the next attempt (this process or another)
        # posts. A cancellation (shutdown) releases too; a hard crash leaves the lease to expire.
        try:
            await asyncio.shield(state.release(where, day, owner=job.owner))
        except Exception as release_error:
            if waiting_for_database(release_error) is None:
                logger.exception("could not release the daily-post claim for %s %s", where, day)
            # The database is down: the claim's lease runs out by itself.
        if isinstance(error, Exception) and waiting_for_database(error) is not None:
            # An outage, not a Slack failure: the caller says "waiting for the database" once.
            # Whatever Slack accepted is found by the history check of the next attempt.
            raise
        if isinstance(error, Exception):
            logger.error(
                "daily post to %s for %s failed; nothing recorded, the next attempt will post",
                where,
                day,
                exc_info=error,
            )
            if not isinstance(error, DailyPostFailed):
                raise DailyPostFailed(f"daily post to {where} for {day} failed: {error}") from error
        raise


async def _post_claimed(
    job: DailyJob, kb: KnowledgeBase, channel: DailyChannel, day: dt.date
) -> DailyOutcome:
    state, where = job.state, channel.id
    found = await channel.find(day)
    if found is not None:
        logger.warning(
            "daily post %s for %s was already in the channel (ts %s) but not recorded; recording",
            where,
            day,
            found.ts,
        )
        await _record(job, where, day, found, job.now())
        return DailyOutcome("found", where, day, ts=found.ts)
    message = compose_daily(kb, day, fallback=job.fallback, rotation=await state.rotation(where))
    if message is None:
        logger.info(
            "daily post %s for %s: no event and fallback is skip; nothing posted", where, day
        )
        await state.record_skip(where, day, owner=job.owner, now=job.now())
        return DailyOutcome("skipped", where, day)
    found_after_failure, ts = await _post_once(job, kb, channel, message)
    await _record(
        job, where, day, FoundPost(ts, message.kind, message.entry_ids, message.archive), job.now()
    )
    status: OutcomeStatus = "found" if found_after_failure else "posted"
    logger.info("daily post %s for %s: %s (ts %s)", where, day, status, ts)
    return DailyOutcome(status, where, day, ts=ts, message=message)


async def _post_once(
    job: DailyJob, kb: KnowledgeBase, channel: DailyChannel, message: DailyMessage
) -> tuple[bool, str]:
    """Post, and after an ambiguous failure look before posting again; (found, ts)."""
    attempts = job.post_attempts
    last: BaseException | None = None
    for attempt in range(attempts):
        if attempt:
            # The failed call may have gone through: Slack processed it, the answer got lost.
            found = await channel.find(message.day)
            if found is not None:
                return True, found.ts
            await job.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)))
        try:
            return False, await channel.post(kb, message)
        except PostAttemptFailed as error:
            if not error.transient:
                raise DailyPostFailed(
                    f"Slack refused the daily post to {channel.id}: {error}"
                ) from error
            logger.warning(
                "daily post to %s failed (attempt %d of %d): %s",
                channel.id,
                attempt + 1,
                attempts,
                error,
            )
            last = error
    raise DailyPostFailed(
        f"Slack stayed unavailable for the daily post to {channel.id} ({attempts} attempts)"
    ) from last


async def _record(
    job: DailyJob, channel: str, day: dt.date, post: FoundPost, at: dt.datetime
) -> None:
    await job.state.record_post(
        channel,
        day,
        owner=job.owner,
        ts=post.ts,
        kind=post.kind,
        entry_ids=post.entry_ids,
        archive=post.archive,
        now=at,
    )


def describe(outcome: DailyOutcome) -> str:
    """What a run did, in one sentence."""
    day = outcome.day.isoformat()
    if outcome.status == "posted":
        return f"Posted the daily message for {day} to {outcome.channel} (ts {outcome.ts})."
    if outcome.status == "found":
        return (
            f"The daily message for {day} was already in {outcome.channel} (ts {outcome.ts}); "
            "recorded it, posted nothing new."
        )
    if outcome.status == "done":
        record = outcome.record
        if record is not None and record.status == "skipped":
            return f"{day} in {outcome.channel} was already handled: nothing to post (skip)."
        return (
            f"Already posted for {day} in {outcome.channel} (ts {outcome.ts}); not posting again."
        )
    if outcome.status == "skipped":
        return f"No event on {day} and the fallback is skip: nothing posted to {outcome.channel}."
    return (
        f"Another process is posting {day} to {outcome.channel} (claim until "
        f"{outcome.retry_at}); not posting."
    )
