"""The daily post job: post one channel's "on this day" message for one local date, at most once.

`post_daily` is shared by the scheduler inside `serve`/`socket`, by `alliance-bot post-today` and by
`/alliance post-today`. Its steps, and the failure each one covers:

1. **Claim** (channel, date) in the state store. Another process holding it, or the day already
   done, and we stop: two schedulers or replicas sharing the store cannot both post.
2. **Look in the channel's history** (`conversations.history` with `include_all_metadata`) for a
   message carrying our metadata (`event_type` `alliance_daily`, payload `date` = the local date).
   This covers a crash after Slack accepted the post but before the state was written: the
   message is there, so we record it instead of posting again.
3. **Post** with that metadata, then **record** the `ts` (and the archive rotation) in one
   transaction.

Slack faults: a 429 waits out `Retry-After` and tries again (Slack did not process the call).
Server and connection errors are retried with exponential backoff for reads. A *post* that fails
that way may nonetheless have been accepted, so it is never blindly repeated: we check the history
first and post again only if the message is not there. When Slack stays down we raise
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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.daily.content import ArchivePick, DailyMessage, Fallback, compose_daily
from alliance_bot.daily.state import PostRecord, PostState
from alliance_bot.knowledge.snapshot import KnowledgeBase

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Now = Callable[[], dt.datetime]

DAILY_EVENT_TYPE = "alliance_daily"
# Longer than the worst post attempt (retries, Retry-After waits, history pages), so a live
# claimer never loses its claim; short enough that a crashed one blocks the day only briefly.
DEFAULT_LEASE = dt.timedelta(minutes=10)
# How far back the history check reads: the daily channel is quiet, and 5 pages of 200 messages
# reach well past the time between a crash and the next attempt.
HISTORY_PAGE_SIZE = 200
HISTORY_PAGES = 5
# Slack error codes that mean "try again later" even when the HTTP status is 200.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Calls that create something: repeating one after an ambiguous failure could duplicate it.
_NOT_IDEMPOTENT = ("chat.postMessage",)

OutcomeStatus = Literal["posted", "found", "done", "skipped", "busy"]


class DailyPostFailed(Exception):
    """Slack stayed unreachable or refused the post; nothing was recorded, the claim released."""


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


@dataclass(frozen=True)
class FoundPost:
    """Our daily message for a date, found in the channel's history."""

    ts: str
    kind: str
    entry_ids: tuple[str, ...]
    archive: ArchivePick | None


def default_owner() -> str:
    """An id for this process's claims: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the Slack client ---------------------------------------------------------------------------


def make_slack_client(
    *,
    token: str | None,
    base_url: str,
    sleep: Sleep = asyncio.sleep,
    max_retries: int = 4,
    backoff: RetryIntervalCalculator | None = None,
    timeout: int = 30,
) -> AsyncWebClient:
    """An `AsyncWebClient` whose retries suit the daily post; `sleep` is injectable for tests.

    `base_url` is `SLACK_API_URL` (Slack's own, or a stand-in in tests).
    """
    interval = backoff or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    handlers: list[AsyncRetryHandler] = [
        RetryAfterHandler(max_retry_count=max_retries, sleep=sleep),
        IdempotentServerErrorHandler(
            max_retry_count=max_retries, interval_calculator=interval, sleep=sleep
        ),
        IdempotentConnectionErrorHandler(
            max_retry_count=max_retries, interval_calculator=interval, sleep=sleep
        ),
    ]
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)


class RetryAfterHandler(AsyncRateLimitErrorRetryHandler):
    """On HTTP 429, wait exactly `Retry-After` seconds (through an injectable `sleep`), retry.

    slack-sdk's own handler sleeps with `asyncio.sleep` and adds up to a second of jitter; one bot
    posting once a day has no herd to spread, and tests need to see the wait without taking it.
    """

    def __init__(self, *, max_retry_count: int = 4, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self.waits: list[float] = []

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = _retry_after(response.headers if response is not None else {})
        logger.warning("Slack rate-limited %s; retrying in %s s", _method(request), wait)
        self.waits.append(wait)
        await self._sleep(wait)
        state.increment_current_attempt()


class IdempotentServerErrorHandler(AsyncServerErrorRetryHandler):
    """Retry HTTP 500/503 with backoff, except for calls that create something (a post)."""

    def __init__(
        self,
        *,
        max_retry_count: int,
        interval_calculator: RetryIntervalCalculator,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=interval_calculator)
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in _NOT_IDEMPOTENT:
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        await _backoff(self, state, request, self._sleep)


class IdempotentConnectionErrorHandler(AsyncConnectionErrorRetryHandler):
    """Retry connection errors with backoff; a post only if it never reached Slack."""

    def __init__(
        self,
        *,
        max_retry_count: int,
        interval_calculator: RetryIntervalCalculator,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=interval_calculator)
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in _NOT_IDEMPOTENT:
            # Refused connections never reached Slack; a dropped one may have been processed.
            return isinstance(error, aiohttp.ClientConnectorError)
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        await _backoff(self, state, request, self._sleep)


async def _backoff(
    handler: AsyncRetryHandler, state: RetryState, request: HttpRequest, sleep: Sleep
) -> None:
    state.next_attempt_requested = True
    wait = handler.interval_calculator.calculate_sleep_duration(state.current_attempt)
    logger.warning(
        "Slack call %s failed; retry %d in %.1f s",
        _method(request),
        state.current_attempt + 1,
        wait,
    )
    await sleep(wait)
    state.increment_current_attempt()


def _method(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


def _retry_after(headers: Mapping[str, Any]) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    # No usable header: Slack always sends one, but wait a little rather than hammer it.
    return 1.0


# --- the job ------------------------------------------------------------------------------------


async def post_daily(
    *,
    kb: KnowledgeBase,
    state: PostState,
    client: AsyncWebClient,
    channel: str,
    day: dt.date,
    fallback: Fallback,
    owner: str,
    now: Now = utc_now,
    lease: dt.timedelta = DEFAULT_LEASE,
    post_attempts: int = 5,
    sleep: Sleep = asyncio.sleep,
) -> DailyOutcome:
    """Post `channel`'s message for local date `day` unless it is already done; see the module.

    Raises `DailyPostFailed` (after logging it with the traceback) when Slack stays down; in that
    case nothing is recorded and the claim is released, so the next attempt posts.
    """
    claim = await state.claim(channel, day, owner=owner, now=now(), lease=lease)
    if claim.status == "done":
        return DailyOutcome("done", channel, day, ts=claim.record.ts, record=claim.record)
    if claim.status == "busy":
        logger.info(
            "daily post %s for %s: claimed by %s until %s",
            channel,
            day,
            claim.record.owner,
            claim.record.lease_until,
        )
        return DailyOutcome(
            "busy", channel, day, record=claim.record, retry_at=claim.record.lease_until
        )
    try:
        return await _post_claimed(
            kb=kb,
            state=state,
            client=client,
            channel=channel,
            day=day,
            fallback=fallback,
            owner=owner,
            now=now,
            post_attempts=post_attempts,
            sleep=sleep,
        )
    except BaseException as error:
        # Record nothing and hand the day back, so the next attempt (this process or another)
        # posts. A cancellation (shutdown) releases too; a hard crash leaves the lease to expire.
        try:
            await asyncio.shield(state.release(channel, day, owner=owner))
        except Exception:
            logger.exception("could not release the daily-post claim for %s %s", channel, day)
        if isinstance(error, Exception):
            logger.error(
                "daily post to %s for %s failed; nothing recorded, the next attempt will post",
                channel,
                day,
                exc_info=error,
            )
            if not isinstance(error, DailyPostFailed):
                raise DailyPostFailed(
                    f"daily post to {channel} for {day} failed: {error}"
                ) from error
        raise


async def _post_claimed(
    *,
    kb: KnowledgeBase,
    state: PostState,
    client: AsyncWebClient,
    channel: str,
    day: dt.date,
    fallback: Fallback,
    owner: str,
    now: Now,
    post_attempts: int,
    sleep: Sleep,
) -> DailyOutcome:
    found = await find_daily_post(client, channel, day)
    if found is not None:
        logger.warning(
            "daily post %s for %s was already in the channel (ts %s) but not recorded; recording",
            channel,
            day,
            found.ts,
        )
        await _record_found(state, channel, day, owner, found, now())
        return DailyOutcome("found", channel, day, ts=found.ts)
    message = compose_daily(kb, day, fallback=fallback, rotation=await state.rotation(channel))
    if message is None:
        logger.info(
            "daily post %s for %s: no event and fallback is skip; nothing posted", channel, day
        )
        await state.record_skip(channel, day, owner=owner, now=now())
        return DailyOutcome("skipped", channel, day)
    found_after_failure, ts = await _post_once(client, channel, message, post_attempts, sleep)
    await state.record_post(
        channel,
        day,
        owner=owner,
        ts=ts,
        kind=message.kind,
        entry_ids=message.entry_ids,
        archive=message.archive,
        now=now(),
    )
    status: OutcomeStatus = "found" if found_after_failure else "posted"
    logger.info("daily post %s for %s: %s (ts %s)", channel, day, status, ts)
    return DailyOutcome(status, channel, day, ts=ts, message=message)


async def _post_once(
    client: AsyncWebClient, channel: str, message: DailyMessage, attempts: int, sleep: Sleep
) -> tuple[bool, str]:
    """Post, and after an ambiguous failure look before posting again; (found, ts)."""
    last: BaseException | None = None
    for attempt in range(attempts):
        if attempt:
            # The failed call may have gone through: Slack processed it, the answer got lost.
            found = await find_daily_post(client, channel, message.day)
            if found is not None:
                return True, found.ts
            await sleep(min(30.0, 0.5 * 2 ** (attempt - 1)))
        try:
            response = await client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks),
                metadata=daily_metadata(message),
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            if not _transient(error):
                raise DailyPostFailed(
                    f"Slack refused the daily post to {channel}: {error}"
                ) from error
            logger.warning(
                "daily post to %s failed (attempt %d of %d): %s",
                channel,
                attempt + 1,
                attempts,
                error,
            )
            last = error
            continue
        return False, str(response["ts"])
    raise DailyPostFailed(
        f"Slack stayed unavailable for the daily post to {channel} ({attempts} attempts)"
    ) from last


def daily_metadata(message: DailyMessage) -> dict[str, Any]:
    """Slack message metadata that marks a post as our daily post for its local date."""
    payload: dict[str, Any] = {
        "date": message.day.isoformat(),
        "kind": message.kind,
        "entries": ",".join(message.entry_ids),
    }
    if message.archive is not None:
        payload["archive_cycle"] = message.archive.cycle
    return {"event_type": DAILY_EVENT_TYPE, "event_payload": payload}


async def find_daily_post(client: AsyncWebClient, channel: str, day: dt.date) -> FoundPost | None:
    """Our daily message for `day` among the channel's recent messages, read with metadata.

    Errors propagate: without the history we cannot rule out a double post, so we do not post.
    """
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        response = await client.conversations_history(
            channel=channel, limit=HISTORY_PAGE_SIZE, include_all_metadata=True, cursor=cursor
        )
        for message in response.get("messages") or []:
            found = _as_daily_post(message, day)
            if found is not None:
                return found
        metadata = response.get("response_metadata") or {}
        cursor = metadata.get("next_cursor") or None
        if not cursor:
            return None
    return None


def _as_daily_post(message: Mapping[str, Any], day: dt.date) -> FoundPost | None:
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != DAILY_EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    if not isinstance(payload, Mapping) or payload.get("date") != day.isoformat():
        return None
    entries = tuple(e for e in str(payload.get("entries") or "").split(",") if e)
    kind = str(payload.get("kind") or "events")
    cycle = payload.get("archive_cycle")
    archive = (
        ArchivePick(entries[0], int(cycle))
        if kind == "archive" and entries and isinstance(cycle, int)
        else None
    )
    return FoundPost(str(message.get("ts")), kind, entries, archive)


async def _record_found(
    state: PostState,
    channel: str,
    day: dt.date,
    owner: str,
    found: FoundPost,
    at: dt.datetime,
) -> None:
    await state.record_post(
        channel,
        day,
        owner=owner,
        ts=found.ts,
        kind=found.kind,
        entry_ids=found.entry_ids,
        archive=found.archive,
        now=at,
    )


def _transient(error: BaseException) -> bool:
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        return status == 429 or status >= 500 or code in _TRANSIENT_ERRORS
    return isinstance(error, aiohttp.ClientError | TimeoutError)


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
