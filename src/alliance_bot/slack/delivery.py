"""Each delivery from Slack is processed once: redeliveries and replays are acknowledged and dropped.

Slack redelivers an event it believes we missed (`X-Slack-Retry-Num`, or a Socket Mode
`retry_attempt`), and anyone who captured a signed request can replay it for the five minutes the
signature stays valid. Both look the same from here: a request whose ids we have already seen. So
the guard keys on the ids themselves, whatever the retry headers say:

- `event:<event_id>` for Events API callbacks;
- `trigger:<trigger_id>` for slash commands and interactions (Slack mints one per user action);
- `action:<message ts>:<action_id>:<action_ts>` for each button click.

A redelivery of an event whose first delivery never arrived (the process was down) is therefore
answered, once. The record lives in the app's state database, so a restart does not reopen the
window, and expires after a day: well past Slack's retries (within minutes) and the signature's
five minutes, short enough that the table stays small.

`DeliveryGuard` is the two methods a store needs; `alliance_bot.state.DeliveryLog` keeps it in the
state database (the SQLite file, or PostgreSQL shared by every replica). The guard runs on every
request, so `first_delivery` asks the store first to record a key at once, on the event loop
(`first_time_quickly`: SQLite's quick statement, ~0.04 ms, never a wait), and only when it cannot
does it take a worker thread (`first_time`; always so on PostgreSQL, a network round trip): the
thread hop and a SQLAlchemy transaction cost more CPU than the claim itself.

The guard is on the acknowledgement path, so a locked or broken state file must not stall it:
after a short wait it lets the request through (a possible duplicate beats a lost answer) and
logs a warning: the error's type only (a driver's message quotes the statement and its
parameters), and a bounded number per minute, since every request meets it while the database is
down.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from alliance_bot.logs import LogBudget
from alliance_bot.slack.middleware import Middleware, Next
from alliance_bot.state.workspace import SINGLE_WORKSPACE, current_workspace

logger = logging.getLogger(__name__)
# Shared by every guard in the process: the outage is the database's, not one app's.
_UNAVAILABLE = LogBudget(logger, "deliveries processed without the guard", burst=3)

DEFAULT_TTL = dt.timedelta(days=1)
_MAX_KEY = 200


class DeliveryGuard(Protocol):
    """Remembers which deliveries were processed. Implementations must be safe to call from
    several threads and processes at once (two servers may share one store)."""

    def first_time(self, key: str, now: dt.datetime) -> bool:
        """Record `key` as seen at `now`; True if it had not been seen (or its record expired)."""
        ...

    def first_time_quickly(self, key: str, now: dt.datetime) -> bool | None:
        """`first_time` if it can be answered at once, from the event loop, without waiting for
        a lock, the network or the disk; None (and nothing recorded) if it cannot."""
        ...


class MemoryDeliveryGuard:
    """`DeliveryGuard` in a dict, for one process that need not survive a restart (tests, tools)."""

    def __init__(self, *, ttl: dt.timedelta = DEFAULT_TTL) -> None:
        """An empty guard whose records live `ttl`."""
        self._ttl = ttl
        self._seen: dict[str, dt.datetime] = {}

    def first_time(self, key: str, now: dt.datetime) -> bool:
        """As `DeliveryGuard.first_time`."""
        self._seen = {k: t for k, t in self._seen.items() if t > now}
        if key in self._seen:
            return False
        self._seen[key] = now + self._ttl
        return True

    def first_time_quickly(self, key: str, now: dt.datetime) -> bool | None:
        """A dict is always quick: as `first_time`."""
        return self.first_time(key, now)


def delivery_keys(body: dict[str, Any]) -> Iterator[str]:
    """The ids that identify one delivery of `body`; none for requests without ids."""
    if body.get("type") == "event_callback" and isinstance(body.get("event_id"), str):
        yield f"event:{body['event_id']}"
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        yield f"trigger:{trigger}"
    if body.get("type") == "block_actions":
        container = body.get("container") or {}
        # A click in a message is keyed by the message; one in a view (the Home tab) by the view.
        message_ts = (
            container.get("message_ts") or container.get("view_id") or ""
            if isinstance(container, dict)
            else ""
        )
        for action in body.get("actions") or []:
            if isinstance(action, dict):
                yield f"action:{message_ts}:{action.get('action_id')}:{action.get('action_ts')}"


def process_once(guard: DeliveryGuard, clock: Callable[[], dt.datetime]) -> Middleware:
    """A Bolt middleware that acknowledges and drops a delivery whose ids were seen before.

    Every key is recorded (no short-circuit), so a replay that reuses only one id of an earlier
    request is still caught next time. Keys include the workspace of the request (set by the
    middleware before this one, `slack.installations.bind_workspace`) when there are several.
    """

    async def drop_repeated(
        body: dict[str, Any], context: AsyncBoltContext, next: Next
    ) -> BoltResponse | None:
        keys = list(delivery_keys(body))
        workspace = current_workspace()
        if workspace != SINGLE_WORKSPACE:
            # Ids are Slack's per workspace: two workspaces' deliveries are never one.
            prefix = f"{workspace.enterprise_id}/{workspace.team_id}/"
            keys = [prefix + key for key in keys]
        if keys:
            fresh = await first_delivery(guard, keys, clock())
            if not fresh:
                logger.info("Ignoring a repeated delivery (%s)", ascii(_bounded(keys[0], 120)))
                return BoltResponse(status=200, body="")
        await next()
        return None

    return drop_repeated


async def first_delivery(guard: DeliveryGuard, keys: list[str], now: dt.datetime) -> bool:
    """Record every key; True if none had been seen (as `all_first_time`). Each key is recorded on
    the event loop while the store can do so at once; from the first it cannot, the rest are
    recorded in one worker thread (see the module)."""
    fresh = True
    for index, key in enumerate(keys):
        first = guard.first_time_quickly(key, now)
        if first is None:
            rest = await asyncio.to_thread(all_first_time, guard, keys[index:], now)
            return fresh and rest
        fresh = fresh and first
    return fresh


def all_first_time(
    guard: DeliveryGuard, keys: list[str], now: dt.datetime, *, budget: LogBudget = _UNAVAILABLE
) -> bool:
    """Record every key; True if none had been seen. A store that fails lets the request through
    (a possible duplicate beats a lost answer), with a warning within `budget`."""
    try:
        results = [guard.first_time(key, now) for key in keys]
    except SQLAlchemyError as error:
        # Fail open: a duplicate reply is better than refusing Slack (or a user) altogether.
        if budget.allow():
            logger.warning(
                "Delivery guard unavailable (%s); processing %s anyway",
                type(error).__name__,
                ascii(_bounded(keys[0], 120)),
            )
        return True
    return all(results)


def _bounded(key: str, limit: int = _MAX_KEY) -> str:
    """Ids are short; anything longer is hashed so a row (or log line) stays small."""
    if len(key) <= limit:
        return key
    return key[:40] + "#" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


__all__ = [
    "DeliveryGuard",
    "MemoryDeliveryGuard",
    "all_first_time",
    "delivery_keys",
    "first_delivery",
    "process_once",
]
