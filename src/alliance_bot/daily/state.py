"""Durable state of the daily post: what was posted where, the archive rotation, and claims.

`PostState` is the small interface the daily job needs; `SqlPostState` implements it on the shared
`Database` (SQLite by default, PostgreSQL when several replicas share state). The interface is
async and speaks only in plain values; the database work runs in a worker thread, so waiting on
another process's lock never blocks the event loop that also answers Slack.

Every row belongs to the workspace the work is for (`state.workspace.current_workspace`): the
scheduler runs each workspace's post inside `in_workspace`, so two workspaces' claims, records
and rotations never meet.

Exactly once rests on a claim per (workspace, channel, local date): a process must `claim` before it posts.
The claim is a row inserted with `ON CONFLICT DO NOTHING`, so of any number of processes (on any
number of hosts) only one inserts it; the others lock the existing row (`SELECT … FOR UPDATE` on
PostgreSQL, the file's write lock on SQLite) and see it is held. It carries a lease expiry, so a
claimer that crashed without releasing it blocks the day only until the lease runs out. The row
then becomes `posted` (or `skipped`) together with the archive rotation update, in one
transaction.

The tables are created and upgraded by the Alembic revisions in `alliance_bot.state`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, and_, delete, select, update

from alliance_bot.config import Settings
from alliance_bot.daily.content import ArchivePick, ArchiveRotation
from alliance_bot.state.database import DEFAULT_BUSY_TIMEOUT, Database, open_database
from alliance_bot.state.schema import archive_shown, daily_posts
from alliance_bot.state.workspace import of_workspace, workspace_values

T = TypeVar("T")

PostStatus = Literal["claimed", "posted", "skipped"]
ClaimStatus = Literal["claimed", "done", "busy"]


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


class SqlPostState:
    """`PostState` on a `Database`; safe to share between processes and hosts."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @classmethod
    def for_settings(cls, settings: Settings) -> SqlPostState:
        """The post state in the database the settings name (shared within the process)."""
        return cls(open_database(settings.database))

    # --- the PostState interface ----------------------------------------------------------------

    async def claim(
        self, channel: str, day: dt.date, *, owner: str, now: dt.datetime, lease: dt.timedelta
    ) -> Claim:
        return await self._run(lambda db: self._claim(db, channel, day, owner, now, lease))

    async def release(self, channel: str, day: dt.date, *, owner: str) -> None:
        def run(db: Connection) -> None:
            db.execute(
                delete(daily_posts).where(
                    _key(channel, day),
                    daily_posts.c.status == "claimed",
                    daily_posts.c.owner == owner,
                )
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
        def run(db: Connection) -> None:
            self._finish(
                db, channel, day, "posted", owner, now, ts=ts, kind=kind, entry_ids=entry_ids
            )
            if archive is not None:
                db.execute(
                    self.database.insert(archive_shown)
                    .values(
                        **workspace_values(),
                        channel=channel,
                        cycle=archive.cycle,
                        entry_id=archive.entry_id,
                        local_date=day.isoformat(),
                    )
                    .on_conflict_do_nothing()
                )

        await self._run(run)

    async def record_skip(
        self, channel: str, day: dt.date, *, owner: str, now: dt.datetime
    ) -> None:
        await self._run(lambda db: self._finish(db, channel, day, "skipped", owner, now))

    async def get(self, channel: str, day: dt.date) -> PostRecord | None:
        return await self._run(lambda db: _get(db, channel, day))

    async def rotation(self, channel: str) -> ArchiveRotation:
        def run(db: Connection) -> ArchiveRotation:
            last = db.execute(
                select(archive_shown.c.cycle, archive_shown.c.entry_id)
                .where(of_workspace(archive_shown), archive_shown.c.channel == channel)
                .order_by(archive_shown.c.seq.desc())
                .limit(1)
            ).first()
            if last is None:
                return ArchiveRotation()
            cycle = int(last.cycle)
            shown = db.execute(
                select(archive_shown.c.entry_id).where(
                    of_workspace(archive_shown),
                    archive_shown.c.channel == channel,
                    archive_shown.c.cycle == cycle,
                )
            ).scalars()
            return ArchiveRotation(cycle, frozenset(shown), str(last.entry_id))

        return await self._run(run)

    # --- extras for operators and tests ---------------------------------------------------------

    def records(self, channel: str | None = None) -> list[PostRecord]:
        """Every record of the current workspace (of one channel), oldest date first;
        synchronous, for reports and tests."""
        query = (
            select(*_COLUMNS)
            .where(of_workspace(daily_posts))
            .order_by(daily_posts.c.local_date, daily_posts.c.channel)
        )
        if channel:
            query = query.where(daily_posts.c.channel == channel)
        with self.database.transaction() as db:
            return [_record(row) for row in db.execute(query)]

    # --- plumbing -------------------------------------------------------------------------------

    async def _run(self, work: Callable[[Connection], T]) -> T:
        def in_thread() -> T:
            with self.database.transaction() as db:
                return work(db)

        return await asyncio.to_thread(in_thread)

    def _claim(
        self,
        db: Connection,
        channel: str,
        day: dt.date,
        owner: str,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> Claim:
        until = _iso(now + lease)
        inserted = db.execute(
            self.database.insert(daily_posts)
            .values(
                **workspace_values(),
                channel=channel,
                local_date=day.isoformat(),
                status="claimed",
                owner=owner,
                lease_until=until,
                first_claimed_at=_iso(now),
            )
            .on_conflict_do_nothing(index_elements=_PRIMARY_KEY)
            # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
            .returning(daily_posts.c.channel)
        )
        if inserted.first() is None:
            # The row exists: lock it, so that of two takeovers of an expired claim one waits for
            # the other and then sees it held (FOR UPDATE renders as nothing on SQLite, where the
            # transaction already holds the file's write lock).
            row = db.execute(select(*_COLUMNS).where(_key(channel, day)).with_for_update()).one()
            record = _record(row)
            if record.status != "claimed":
                return Claim("done", record)
            if (
                record.owner != owner
                and record.lease_until is not None
                and record.lease_until > now.astimezone(dt.UTC)
            ):
                return Claim("busy", record)
            # Our own claim again, or someone's that expired: its holder is presumed dead.
            # Whatever it may have posted is found by the history check that follows every claim.
            db.execute(
                update(daily_posts).where(_key(channel, day)).values(owner=owner, lease_until=until)
            )
        fresh = _get(db, channel, day)
        assert fresh is not None
        return Claim("claimed", fresh)

    def _finish(
        self,
        db: Connection,
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
        # An upsert, not an update: a post found in Slack's history is recorded even if the claim
        # row was lost (a fresh database, or a release racing a slow post).
        insert = self.database.insert(daily_posts).values(
            **workspace_values(),
            channel=channel,
            local_date=day.isoformat(),
            status=status,
            owner=owner,
            lease_until=None,
            first_claimed_at=_iso(now),
            ts=ts,
            kind=kind,
            entry_ids=",".join(entry_ids),
            done_at=_iso(now),
        )
        db.execute(
            insert.on_conflict_do_update(
                index_elements=_PRIMARY_KEY,
                set_={
                    "status": insert.excluded.status,
                    "owner": insert.excluded.owner,
                    "lease_until": None,
                    "ts": insert.excluded.ts,
                    "kind": insert.excluded.kind,
                    "entry_ids": insert.excluded.entry_ids,
                    "done_at": insert.excluded.done_at,
                },
            )
        )


class SqlitePostState(SqlPostState):
    """`SqlPostState` on its own SQLite file: for the CLI and tests that name a file."""

    def __init__(self, path: Path | str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        super().__init__(Database.sqlite(self.path, busy_timeout=busy_timeout))


_COLUMNS = (
    daily_posts.c.channel,
    daily_posts.c.local_date,
    daily_posts.c.status,
    daily_posts.c.owner,
    daily_posts.c.lease_until,
    daily_posts.c.first_claimed_at,
    daily_posts.c.ts,
    daily_posts.c.kind,
    daily_posts.c.entry_ids,
)


_PRIMARY_KEY = ["enterprise_id", "team_id", "channel", "local_date"]


def _key(channel: str, day: dt.date) -> ColumnElement[bool]:
    return and_(
        of_workspace(daily_posts),
        daily_posts.c.channel == channel,
        daily_posts.c.local_date == day.isoformat(),
    )


def _get(db: Connection, channel: str, day: dt.date) -> PostRecord | None:
    row = db.execute(select(*_COLUMNS).where(_key(channel, day))).first()
    return _record(row) if row else None


def _record(row: Sequence[Any]) -> PostRecord:
    channel, day, status, owner, lease, first, ts, kind, ids = row
    return PostRecord(
        channel=str(channel),
        day=dt.date.fromisoformat(str(day)),
        status=status,  # Any from the row; the CHECK constraint guarantees the literal
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
