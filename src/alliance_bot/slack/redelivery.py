"""Slack redelivers an event it believes we missed (`X-Slack-Retry-Num`, or a Socket Mode
`retry_attempt`); a redelivered event must never produce a second reply.

Events are remembered by `event_id`. A redelivery of an event already seen is acknowledged and
dropped; a redelivery of one never seen (the first delivery really was lost, e.g. while the
process restarted) is answered, once. Memory is bounded: Slack retries within minutes, so the
most recent few thousand ids are plenty.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse


class RecentEvents:
    """The ids of recently received events, oldest forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """Record `event_id`; True if it had not been seen before."""
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


Middleware = Callable[..., Awaitable[BoltResponse | None]]


def drop_redelivered_events(recent: RecentEvents) -> Middleware:
    """A Bolt middleware that acknowledges and drops events already received."""

    async def drop_redelivered(
        body: dict[str, Any], next: Callable[[], Awaitable[None]], logger: logging.Logger
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not recent.first_time(event_id):
            logger.info("Ignoring redelivered event %s", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    return drop_redelivered
