"""Durable state of the daily post: what was posted where, the archive rotation, and claims.

`PostState` is the small interface the daily job needs; `SqlitePostState` implements it with the
standard library's sqlite3 in one file (`ALLIANCE_STATE_DB`), in WAL mode so readers never block
the writer. The interface is async and speaks only in plain values so a shared PostgreSQL store
can replace SQLite later (`INSERT ... ON CONFLICT` and `SELECT ... FOR UPDATE` map onto what
`claim` does here inside `BEGIN IMMEDIATE`).

Exactly once rests on a claim per (channel, local date): a process must `claim` before it posts.
The claim is a row written inside a write transaction, so of two processes sharing the file only
one gets it; it carries a lease expiry, so a claimer that crashed without releasing it blocks the
day only until the lease runs out. The row then becomes `posted` (or `skipped`) together with the
archive rotation update, in one transaction.

Each feature versions its own tables by component: these are the `daily_post` steps in
`MIGRATIONS`, and `sqlite_store.migrate` records in `schema_versions` how many of them a file has
had, so every step runs exactly once per file. A file from before components kept its count in
`PRAGMA user_version`; opening it carries that count over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from alliance_bot import sqlite_store
from alliance_bot.daily.content import ArchivePick, ArchiveRotation

T = TypeVar("T")

COMPONENT = "daily_post"

PostStatus = Literal["claimed", "posted", "skipped"]
ClaimStatus = Literal["claimed", "done", "busy"]

# The `daily_post` component's steps. Each step is one SQL script; append, never edit a step that
# has shipped.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE daily_posts (
        channel          TEXT NOT NULL,
        local_date       TEXT NOT NULL,              -- YYYY-MM-DD in ALLIANCE_TIMEZONE
        status           TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped')),
        owner            TEXT,                       -- who holds the claim / who posted
        lease_until      TEXT,                       -- ISO UTC; a claim is void after it
        first_claimed_at TEXT NOT NULL,              -- ISO UTC; kept across takeovers
        ts               TEXT,                       -- Slack message ts once posted
        kind             TEXT,                       -- events | archive
        entry_ids        TEXT NOT NULL DEFAULT '',   -- comma-separated entry ids shown
        done_at          TEXT,                       -- ISO UTC
        PRIMARY KEY (channel, local_date)
    );
    CREATE TABLE archive_shown (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        channel    TEXT NOT NULL,
        cycle      INTEGER NOT NULL,
        entry_id   TEXT NOT NULL,
        local_date TEXT NOT NULL,
        UNIQUE (channel, cycle, entry_id)
    );
    """,
]


@dataclass(frozen=True)
class PostRecord:
    """What happened to one channel's post for one local date."""

    channel: str
    day: dt.date
    status: PostStatus
    owner: str | None
    lease_until: dt.datetime | None
    first_claimed_at: dt.datetime
    ts: str | None
    kind: str | None
    entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """The answer to `claim`.

    `claimed`: the caller holds the day and must post or `release`. `done`: the day was already
    posted or skipped (`record` says which). `busy`: another owner holds an unexpired claim.
    """

    status: ClaimStatus
    record: PostRecord


class PostState(Protocol):
    """What the daily job needs from durable storage."""

    async def claim(
        self, channel: str, day: dt.date, *, owner: str, now: dt.datetime, lease: dt.timedelta
    ) -> Claim:
        """Take the (channel, day) for `owner` unless it is done or held by someone else."""
        ...

    async def release(self, channel: str, day: dt.date, *, owner: str) -> None:
        """Give up `owner`'s claim without recording anything (the next attempt posts)."""
        ...

    async def record_post(
        self,
        channel: str,
        day: dt.date,
        *,
        owner: str,
        ts: str,
        kind: str,
        entry_ids: Sequence[str],
        archive: ArchivePick | None,
        now: dt.datetime,
    ) -> None:
        """Mark the day posted with Slack's `ts` and, for an archive post, advance the rotation."""
        ...

    async def record_skip(
        self, channel: str, day: dt.date, *, owner: str, now: dt.datetime
    ) -> None:
        """Mark the day done with nothing posted (no event and the `skip` fallback)."""
        ...

    async def get(self, channel: str, day: dt.date) -> PostRecord | None:
        """The record for (channel, day), if any."""
        ...

    async def rotation(self, channel: str) -> ArchiveRotation:
        """Where `channel` stands in the archive rotation."""
        ...


class SqlitePostState:
    """`PostState` in one SQLite file; safe to share between processes on one host.

    Every operation opens its own short-lived connection in a worker thread: sqlite3 connections
    are not shareable across threads, and waiting on another process's write lock must not block
    the event loop that also answers Slack.
    """

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_store.connect(self.path, busy_timeout=self._busy_timeout)
        try:
            # WAL is a property of the file; setting it once is enough, and it lets the CLI read
            # while a server writes.
            db.execute("PRAGMA journal_mode=WAL")
            # Before components, this module counted its steps in PRAGMA user_version.
            sqlite_store.adopt_user_version(db, component=COMPONENT)
            sqlite_store.migrate(db, MIGRATIONS, component=COMPONENT)
        finally:
            db.close()

    # --- the PostState interface ----------------------------------------------------------------

    async def claim(
        self, channel: str, day: dt.date, *, owner: str, now: dt.datetime, lease: dt.timedelta
    ) -> Claim:
        return await self._run(lambda db: _claim(db, channel, day, owner, now, lease))

    async def release(self, channel: str, day: dt.date, *, owner: str) -> None:
        def run(db: sqlite3.Connection) -> None:
            db.execute(
                "DELETE FROM daily_posts WHERE channel = ? AND local_date = ? "
                "AND status = 'claimed' AND owner = ?",
                (channel, day.isoformat(), owner),
            )

        await self._run(run)

    async def record_post(
        self,
        channel: str,
        day: dt.date,
        *,
        owner: str,
        ts: str,
        kind: str,
        entry_ids: Sequence[str],
        archive: ArchivePick | None,
        now: dt.datetime,
    ) -> None:
        def run(db: sqlite3.Connection) -> None:
            _finish(db, channel, day, "posted", owner, now, ts=ts, kind=kind, entry_ids=entry_ids)
            if archive is not None:
                db.execute(
                    "INSERT OR IGNORE INTO archive_shown (channel, cycle, entry_id, local_date) "
                    "VALUES (?, ?, ?, ?)",
                    (channel, archive.cycle, archive.entry_id, day.isoformat()),
                )

        await self._run(run)

    async def record_skip(
        self, channel: str, day: dt.date, *, owner: str, now: dt.datetime
    ) -> None:
        await self._run(lambda db: _finish(db, channel, day, "skipped", owner, now))

    async def get(self, channel: str, day: dt.date) -> PostRecord | None:
        return await self._run(lambda db: _get(db, channel, day))

    async def rotation(self, channel: str) -> ArchiveRotation:
        def run(db: sqlite3.Connection) -> ArchiveRotation:
            last = db.execute(
                "SELECT cycle, entry_id FROM archive_shown WHERE channel = ? "
                "ORDER BY seq DESC LIMIT 1",
                (channel,),
            ).fetchone()
            if last is None:
                return ArchiveRotation()
            cycle = int(last[0])
            shown = db.execute(
                "SELECT entry_id FROM archive_shown WHERE channel = ? AND cycle = ?",
                (channel, cycle),
            ).fetchall()
            return ArchiveRotation(cycle, frozenset(r[0] for r in shown), str(last[1]))

        return await self._run(run)

    # --- extras for operators and tests ---------------------------------------------------------

    def records(self, channel: str | None = None) -> list[PostRecord]:
        """Every record (of one channel), oldest date first; synchronous, for reports and tests."""
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM daily_posts "
                + ("WHERE channel = ? " if channel else "")
                + "ORDER BY local_date, channel",
                (channel,) if channel else (),
            ).fetchall()
        return [_record(r) for r in rows]

    # --- plumbing -------------------------------------------------------------------------------

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def in_thread() -> T:
            with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
                return work(db)

        return await asyncio.to_thread(in_thread)


_COLUMNS = "channel, local_date, status, owner, lease_until, first_claimed_at, ts, kind, entry_ids"


def _claim(
    db: sqlite3.Connection,
    channel: str,
    day: dt.date,
    owner: str,
    now: dt.datetime,
    lease: dt.timedelta,
) -> Claim:
    record = _get(db, channel, day)
    until = _iso(now + lease)
    if record is None:
        db.execute(
            "INSERT INTO daily_posts (channel, local_date, status, owner, lease_until, "
            "first_claimed_at) VALUES (?, ?, 'claimed', ?, ?, ?)",
            (channel, day.isoformat(), owner, until, _iso(now)),
        )
    elif record.status != "claimed":
        return Claim("done", record)
    elif (
        record.owner != owner
        and record.lease_until is not None
        and record.lease_until > now.astimezone(dt.UTC)
    ):
        return Claim("busy", record)
    else:
        # Our own claim again, or someone's that expired: its holder is presumed dead. Whatever it
        # may have posted is found by the history check that follows every claim.
        db.execute(
            "UPDATE daily_posts SET owner = ?, lease_until = ? WHERE channel = ? AND local_date = ?",
            (owner, until, channel, day.isoformat()),
        )
    fresh = _get(db, channel, day)
    assert fresh is not None
    return Claim("claimed", fresh)


def _finish(
    db: sqlite3.Connection,
    channel: str,
    day: dt.date,
    status: PostStatus,
    owner: str,
    now: dt.datetime,
    *,
    ts: str | None = None,
    kind: str | None = None,
    entry_ids: Sequence[str] = (),
) -> None:
    # An upsert, not an update: a post found in Slack's history is recorded even if the claim row
    # was lost (a fresh database, or a release racing a slow post).
    db.execute(
        "INSERT INTO daily_posts (channel, local_date, status, owner, lease_until, "
        "first_claimed_at, ts, kind, entry_ids, done_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?) "
        "ON CONFLICT (channel, local_date) DO UPDATE SET status = excluded.status, "
        "owner = excluded.owner, lease_until = NULL, ts = excluded.ts, kind = excluded.kind, "
        "entry_ids = excluded.entry_ids, done_at = excluded.done_at",
        (
            channel,
            day.isoformat(),
            status,
            owner,
            _iso(now),
            ts,
            kind,
            ",".join(entry_ids),
            _iso(now),
        ),
    )


def _get(db: sqlite3.Connection, channel: str, day: dt.date) -> PostRecord | None:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM daily_posts WHERE channel = ? AND local_date = ?",
        (channel, day.isoformat()),
    ).fetchone()
    return _record(row) if row else None


def _record(row: tuple[object, ...]) -> PostRecord:
    channel, day, status, owner, lease, first, ts, kind, ids = row
    return PostRecord(
        channel=str(channel),
        day=dt.date.fromisoformat(str(day)),
        status=status,  # type: ignore[arg-type]  # the CHECK constraint guarantees the literal
        owner=str(owner) if owner is not None else None,
        lease_until=dt.datetime.fromisoformat(str(lease)) if lease is not None else None,
        first_claimed_at=dt.datetime.fromisoformat(str(first)),
        ts=str(ts) if ts is not None else None,
        kind=str(kind) if kind is not None else None,
        entry_ids=tuple(i for i in str(ids).split(",") if i),
    )


def _iso(moment: dt.datetime) -> str:
    """UTC ISO text: it compares correctly as text and reads back as an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the daily post needs aware times")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
