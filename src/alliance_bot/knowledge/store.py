"""The approved knowledge base versions in the state database, and who serves which.

Three tables (`state/schema.py`): `knowledge_versions` (every approved version: its archive, who
approved it and when), `knowledge_current` (one row: the version the cluster serves and the one
it replaced) and `replicas` (each replica's heartbeat with the version it serves).

Moving `knowledge_current` is the only way the served version changes — a refresh, `kb publish`,
an alias added from Slack and a rollback all do it — so a rollback survives restarts and reaches
every replica like any other change. On PostgreSQL the same transaction sends
`NOTIFY alliance_knowledge, '<version>'`, which PostgreSQL delivers to the listening replicas
when (and only if) it commits; the replicas also poll the row, which is all SQLite has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, desc, func, select, text, update

from alliance_bot.knowledge.archive import Archive
from alliance_bot.state.database import Database
from alliance_bot.state.schema import knowledge_current, knowledge_versions, replicas

NOTIFY_CHANNEL = "alliance_knowledge"
_CURRENT_ID = 1


@dataclass(frozen=True)
class Current:
    """The version the cluster serves, the one before it, and who moved it there when."""

    version: str
    previous: str | None
    changed_by: str
    changed_at: dt.datetime


@dataclass(frozen=True)
class StoredVersion:
    """One approved version, without its files."""

    version: str
    entries: int
    approved_by: str
    approved_at: dt.datetime
    note: str


class KnowledgeStore:
    """Versions, the current one and the replicas' heartbeats, on one `Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # --- versions ---------------------------------------------------------------------------------

    def publish(
        self, archive: Archive, *, entries: int, by: str, at: dt.datetime, note: str = ""
    ) -> Current:
        """Store `archive` (if it is new) and make it the current version, in one transaction."""
        with self.database.transaction() as connection:
            self._store(connection, archive, entries=entries, by=by, at=at, note=note)
            return self._move(connection, archive.version, by=by, at=at)

    def publish_first(self, archive: Archive, *, entries: int, by: str, at: dt.datetime) -> Current:
        """Store `archive` as the current version only if there is none yet (the first start on an
        empty database); replicas starting together agree on whichever came first."""
        with self.database.transaction() as connection:
            connection.execute(
                self.database.insert(knowledge_current)
                .values(
                    id=_CURRENT_ID,
                    version=archive.version,
                    previous=None,
                    changed_by=by,
                    changed_at=_stamp(at),
                )
                .on_conflict_do_nothing()
            )
            current = self._read_current(connection)
            assert current is not None  # just written, or written by the replica that won
            if current.version == archive.version:  # ours: store it (a loser stores nothing)
                self._store(connection, archive, entries=entries, by=by, at=at, note="")
                self._notify(connection, archive.version)
            return current

    def move(self, version: str, *, by: str, at: dt.datetime) -> Current:
        """Make a stored version current (a rollback)."""
        with self.database.transaction() as connection:
            return self._move(connection, version, by=by, at=at)

    def current(self) -> Current | None:
        with self.database.engine.connect() as connection:
            return self._read_current(connection)

    def archive(self, version: str) -> bytes | None:
        with self.database.engine.connect() as connection:
            return connection.execute(
                select(knowledge_versions.c.files).where(knowledge_versions.c.version == version)
            ).scalar_one_or_none()

    def versions(self, *, limit: int = 10) -> list[StoredVersion]:
        """The newest approved versions first."""
        v = knowledge_versions.c
        query = (
            select(v.version, v.entries, v.approved_by, v.approved_at, v.note)
            .order_by(desc(v.seq))
            .limit(limit)
        )
        with self.database.engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query)]

    def matching(self, prefix: str, *, limit: int = 10) -> list[StoredVersion]:
        """Stored versions whose hash starts with `prefix` (case-insensitive), newest first."""
        v = knowledge_versions.c
        wanted = prefix.strip().lower()
        if not wanted or any(c not in "0123456789abcdef" for c in wanted):
            return []
        query = (
            select(v.version, v.entries, v.approved_by, v.approved_at, v.note)
            .where(func.substr(v.version, 1, len(wanted)) == wanted)
            .order_by(desc(v.seq))
            .limit(limit)
        )
        with self.database.engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query)]

    # --- replicas -----------------------------------------------------------------------------------

    def heartbeat(self, replica: str, version: str, *, at: dt.datetime) -> None:
        row = {"replica": replica, "version": version, "seen_at": _stamp(at)}
        statement = self.database.insert(replicas).values(**row)
        with self.database.transaction() as connection:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[replicas.c.replica],
                    set_={"version": row["version"], "seen_at": row["seen_at"]},
                )
            )

    def leave(self, replica: str) -> None:
        with self.database.transaction() as connection:
            connection.execute(delete(replicas).where(replicas.c.replica == replica))

    def serving(self, *, since: dt.datetime) -> dict[str, int]:
        """How many replicas seen since `since` serve each version."""
        r = replicas.c
        query = (
            select(r.version, func.count()).where(r.seen_at >= _stamp(since)).group_by(r.version)
        )
        with self.database.engine.connect() as connection:
            return {str(version): int(count) for version, count in connection.execute(query)}

    def forget_replicas(self, *, before: dt.datetime) -> None:
        """Drop heartbeats older than `before`: replicas long gone (crashed, scaled down)."""
        with self.database.transaction() as connection:
            connection.execute(delete(replicas).where(replicas.c.seen_at < _stamp(before)))

    # --- plumbing ---------------------------------------------------------------------------------

    def _store(
        self,
        connection: Connection,
        archive: Archive,
        *,
        entries: int,
        by: str,
        at: dt.datetime,
        note: str,
    ) -> None:
        # A version approved before (a refresh back to known files) keeps its first approval.
        connection.execute(
            self.database.insert(knowledge_versions)
            .values(
                version=archive.version,
                files=archive.data,
                entries=entries,
                approved_by=by,
                approved_at=_stamp(at),
                note=note,
            )
            .on_conflict_do_nothing(index_elements=[knowledge_versions.c.version])
        )

    def _move(self, connection: Connection, version: str, *, by: str, at: dt.datetime) -> Current:
        before = self._read_current(connection, lock=True)
        previous = before.version if before is not None else None
        if before is not None and before.version == version:
            previous = before.previous  # moving to where it is: keep what a rollback returns to
        values = {
            "version": version,
            "previous": previous,
            "changed_by": by,
            "changed_at": _stamp(at),
        }
        if before is None:
            connection.execute(
                self.database.insert(knowledge_current).values(id=_CURRENT_ID, **values)
            )
        else:
            connection.execute(
                update(knowledge_current)
                .where(knowledge_current.c.id == _CURRENT_ID)
                .values(**values)
            )
        self._notify(connection, version)
        return Current(version, previous, by, at)

    def _read_current(self, connection: Connection, *, lock: bool = False) -> Current | None:
        c = knowledge_current.c
        query = select(c.version, c.previous, c.changed_by, c.changed_at).where(c.id == _CURRENT_ID)
        if lock and self.database.dialect == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).one_or_none()
        if row is None:
            return None
        return Current(row.version, row.previous, row.changed_by, _parse(row.changed_at))

    def _notify(self, connection: Connection, version: str) -> None:
        if self.database.dialect == "postgresql":
            # Delivered at commit, to every session that runs LISTEN alliance_knowledge.
            connection.execute(
                text("SELECT pg_notify(:channel, :version)"),
                {"channel": NOTIFY_CHANNEL, "version": version},
            )


def _stored(row: Row[Any, Any, Any, Any, Any]) -> StoredVersion:
    version, entries, approved_by, approved_at, note = row
    return StoredVersion(version, int(entries), approved_by, _parse(approved_at), note)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse(text_value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text_value)
