"""The redelivery and replay guard: each Slack delivery id is acted on once, on any replica.

Slack redelivers an event it believes was missed, and anyone holding a valid signed request can
replay it within the five-minute signature window. Either can reach any replica. `DeliveryLog`
records each id (an `event_id`, a `trigger_id`, an action's id) in the shared database with
`INSERT … ON CONFLICT DO NOTHING`, so of all the deliveries of one id exactly one insert succeeds,
whichever replicas they reach, and the record survives restarts. The key is the id itself, never
a header: `X-Slack-Retry-Num` may be missing on a replay.

A record expires after `ttl` (default one hour: Slack retries within minutes and a signature is
accepted for five); an expired record is replaced by the next delivery of its id, and every few
hundred calls the expired ones are deleted, so the table stays small.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

from sqlalchemy import delete

from alliance_bot.state.database import Database
from alliance_bot.state.schema import deliveries

DEFAULT_TTL = dt.timedelta(hours=1)
MAX_KEY_CHARS = 200  # Slack's ids are far shorter; a longer key is stored as its hash
SWEEP_EVERY = 500  # calls between deletions of expired records


class DeliveryLog:
    """`first_time(key, now)`: True exactly once per key within its time to live."""

    def __init__(self, database: Database, *, ttl: dt.timedelta = DEFAULT_TTL) -> None:
        self._db = database
        self._ttl = ttl
        self._calls = 0
        self._lock = threading.Lock()

    def first_time(self, key: str, now: dt.datetime) -> bool:
        """Record `key`; True if no unexpired record of it existed (so: act on it now)."""
        stored = _stored_key(key)
        moment = _iso(now)
        with self._db.transaction() as db:
            # An expired record of this key is gone before the insert, so the key counts anew.
            db.execute(
                delete(deliveries).where(
                    deliveries.c.key == stored, deliveries.c.expires_at <= moment
                )
            )
            inserted = db.execute(
                self._db.insert(deliveries)
                .values(key=stored, expires_at=_iso(now + self._ttl))
                .on_conflict_do_nothing(index_elements=["key"])
                # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
                .returning(deliveries.c.key)
            )
            first = inserted.first() is not None
        if self._sweep_due():
            self.sweep(now)
        return first

    def sweep(self, now: dt.datetime) -> int:
        """Delete every expired record; return how many."""
        with self._db.transaction() as db:
            result = db.execute(delete(deliveries).where(deliveries.c.expires_at <= _iso(now)))
        return result.rowcount

    def _sweep_due(self) -> bool:
        with self._lock:
            self._calls += 1
            return self._calls % SWEEP_EVERY == 0


def _stored_key(key: str) -> str:
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the delivery log needs aware times")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
