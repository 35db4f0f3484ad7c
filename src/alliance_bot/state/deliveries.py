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

The check is one statement, `INSERT … ON CONFLICT (key) DO UPDATE … WHERE expired RETURNING key`:
a row comes back when the key was new or its record had expired, and none when an unexpired
record exists. Both engines serialise conflicting inserts on the key, so exactly one of any
number of concurrent deliveries gets a row. Its commit is not durable against a power cut
(`Database.transaction(durable=False)`): a record lost that way can let one retry of a
delivery from just before the cut be processed again, a duplicate reply at worst, where a
durable commit costs every request an fsync (docs/operations.md, "Durability").

`first_time_quickly` is the same claim as a quick statement (`Database.quick`: SQLite, a kept
connection, never a wait), which the event loop can make itself; when it cannot be made at once
it says so (None), and the caller makes the claim with `first_time` in a worker thread. Both
write the same row in the same kind of transaction, so which way a delivery went changes nothing
about exactly-once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

from sqlalchemy import bindparam, delete

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
        insert = database.insert(deliveries).values(
            key=bindparam("claimed"), expires_at=bindparam("expires")
        )
        # Built once: constructing and keying the statement cost more than running it.
        # An expired record of the key is taken over, so the key counts anew; an unexpired one is
        # left alone and nothing is returned.
        self._claim = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={"expires_at": insert.excluded.expires_at},
            where=deliveries.c.expires_at <= bindparam("now"),
        ).returning(deliveries.c.key)  # RETURNING, not rowcount: psycopg reports -1 here
        self._quick_claim = database.quick(self._claim)

    def first_time(self, key: str, now: dt.datetime) -> bool:
        """Record `key`; True if no unexpired record of it existed (so: act on it now)."""
        with self._db.transaction(durable=False) as db:
            first = db.execute(self._claim, self._values(key, now)).first() is not None
        if self._sweep_due():
            self.sweep(now)
        return first

    def first_time_quickly(self, key: str, now: dt.datetime) -> bool | None:
        """`first_time`, if it can be done at once without waiting (see the module); None if
        not, and nothing recorded: then call `first_time`. A sweep is left to `first_time`."""
        if self._quick_claim is None or not self._count_unless_sweep_due():
            return None
        rows = self._quick_claim.run(self._values(key, now))
        return None if rows is None else bool(rows)

    def _values(self, key: str, now: dt.datetime) -> dict[str, str]:
        return {"claimed": _stored_key(key), "expires": _iso(now + self._ttl), "now": _iso(now)}

    def sweep(self, now: dt.datetime) -> int:
        """Delete every expired record; return how many."""
        with self._db.transaction(durable=False) as db:
            result = db.execute(delete(deliveries).where(deliveries.c.expires_at <= _iso(now)))
        return result.rowcount

    def _sweep_due(self) -> bool:
        with self._lock:
            self._calls += 1
            return self._calls % SWEEP_EVERY == 0

    def _count_unless_sweep_due(self) -> bool:
        """Count a call unless it is the one to sweep (left to `first_time`). A quick claim that
        then goes the ordinary way is counted twice: a sweep comes a call early, nothing more."""
        with self._lock:
            if (self._calls + 1) % SWEEP_EVERY == 0:
                return False
            self._calls += 1
            return True


def _stored_key(key: str) -> str:
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the delivery log needs aware times")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
