"""Durable state of the admin features: refresh history, unanswered questions, question counts.

`AdminState` is the small interface the admin commands and the question recorder need; it speaks
only in plain values, so a PostgreSQL store can replace `SqliteAdminState` later (every write is a
single `INSERT ... ON CONFLICT DO UPDATE`, which PostgreSQL has too).

The tables live in the same SQLite file as the daily post (`ALLIANCE_STATE_DB`). Each feature
versions its own tables by component (`sqlite_store.migrate`): these are the `admin` steps, with
their own row in `schema_versions`, so they never share a numbering with the daily post's.

The interface is synchronous on purpose: it is called from the worker thread that answers a
question (so recording never blocks the event loop) and from admin commands via `to_thread`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from alliance_bot import sqlite_store

COMPONENT = "admin"

RefreshAction = Literal["refresh", "dry-run", "rollback", "sighup", "alias"]
RefreshResult = Literal["swapped", "unchanged", "valid", "invalid", "refused", "nothing"]

# The `admin` component's steps. Each step is one SQL script; append, never edit a step that has
# shipped.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE admin_refreshes (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        at             TEXT NOT NULL,      -- ISO UTC
        user_id        TEXT NOT NULL,      -- Slack user ID, or 'SIGHUP'
        action         TEXT NOT NULL,      -- refresh | dry-run | rollback | sighup | alias
        result         TEXT NOT NULL,      -- swapped | unchanged | valid | invalid | ...
        version_before TEXT,
        version_after  TEXT,
        detail         TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE unanswered_questions (
        normalized  TEXT PRIMARY KEY,      -- folded text: what makes two questions one gap
        text        TEXT NOT NULL,         -- the latest wording, as typed
        count       INTEGER NOT NULL,
        first_asked TEXT NOT NULL,         -- ISO UTC
        last_asked  TEXT NOT NULL,         -- ISO UTC
        suggestions TEXT NOT NULL DEFAULT ''  -- comma-separated entry ids last suggested
    );
    CREATE TABLE unanswered_daily (
        normalized TEXT NOT NULL,
        day        TEXT NOT NULL,          -- YYYY-MM-DD (UTC)
        count      INTEGER NOT NULL,
        PRIMARY KEY (normalized, day)
    );
    CREATE TABLE questions_daily (
        day      TEXT NOT NULL,            -- YYYY-MM-DD (UTC)
        answered INTEGER NOT NULL,         -- 1: status answer; 0: suggestions/no match/error
        count    INTEGER NOT NULL,
        PRIMARY KEY (day, answered)
    );
    CREATE TABLE entries_daily (
        day      TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        count    INTEGER NOT NULL,
        PRIMARY KEY (day, entry_id)
    );
    """,
]


@dataclass(frozen=True)
class RefreshRecord:
    """One refresh, dry-run, rollback or reload attempt: who, when, which versions, what result."""

    at: dt.datetime
    user_id: str
    action: RefreshAction
    result: RefreshResult
    version_before: str | None
    version_after: str | None
    detail: str = ""


@dataclass(frozen=True)
class Gap:
    """A question the bot could not answer, how often it was asked in the window, and when last."""

    normalized: str
    text: str
    count: int
    last_asked: dt.datetime
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    asked: int
    answered: int


@dataclass(frozen=True)
class Stats:
    """Questions per day (days with none are left out), and entries most often given as answers."""

    days: tuple[DayCount, ...]
    top_entries: tuple[tuple[str, int], ...]

    @property
    def asked(self) -> int:
        return sum(d.asked for d in self.days)

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.days)


class AdminState(Protocol):
    """What the admin features need from durable storage."""

    def record_refresh(self, record: RefreshRecord) -> None: ...

    def refreshes(self, *, limit: int = 20) -> list[RefreshRecord]:
        """The latest records, newest first."""
        ...

    def record_question(
        self,
        *,
        at: dt.datetime,
        answered: bool,
        entry_ids: Sequence[str] = (),
        gap: tuple[str, str] | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        """Count one question; `gap` is (normalized, as typed) when it went unanswered."""
        ...

    def gaps(self, *, since: dt.date, limit: int = 10) -> list[Gap]:
        """The most frequent unanswered questions asked on or after `since`."""
        ...

    def forget_gap(self, normalized: str) -> None:
        """Drop a gap that has been dealt with (made into an alias)."""
        ...

    def stats(self, *, since: dt.date, top: int = 5) -> Stats: ...


class SqliteAdminState:
    """`AdminState` in one SQLite file, shared with the daily post; safe across processes.

    Each call opens its own short-lived connection: callers are worker threads, and sqlite3
    connections must not cross threads.
    """

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_store.connect(self.path, busy_timeout=self._busy_timeout)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            sqlite_store.migrate(db, MIGRATIONS, component=COMPONENT)
        finally:
            db.close()

    def record_refresh(self, record: RefreshRecord) -> None:
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            db.execute(
                "INSERT INTO admin_refreshes (at, user_id, action, result, version_before, "
                "version_after, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _iso(record.at),
                    record.user_id,
                    record.action,
                    record.result,
                    record.version_before,
                    record.version_after,
                    record.detail,
                ),
            )

    def refreshes(self, *, limit: int = 20) -> list[RefreshRecord]:
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            rows = db.execute(
                "SELECT at, user_id, action, result, version_before, version_after, detail "
                "FROM admin_refreshes ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            RefreshRecord(
                at=dt.datetime.fromisoformat(at),
                user_id=user,
                action=action,
                result=result,
                version_before=before,
                version_after=after,
                detail=detail,
            )
            for at, user, action, result, before, after, detail in rows
        ]

    def record_question(
        self,
        *,
        at: dt.datetime,
        answered: bool,
        entry_ids: Sequence[str] = (),
        gap: tuple[str, str] | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        day = at.astimezone(dt.UTC).date().isoformat()
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            db.execute(
                "INSERT INTO questions_daily (day, answered, count) VALUES (?, ?, 1) "
                "ON CONFLICT (day, answered) DO UPDATE SET count = count + 1",
                (day, int(answered)),
            )
            for entry_id in dict.fromkeys(entry_ids):
                db.execute(
                    "INSERT INTO entries_daily (day, entry_id, count) VALUES (?, ?, 1) "
                    "ON CONFLICT (day, entry_id) DO UPDATE SET count = count + 1",
                    (day, entry_id),
                )
            if gap is not None:
                normalized, text = gap
                db.execute(
                    "INSERT INTO unanswered_questions (normalized, text, count, first_asked, "
                    "last_asked, suggestions) VALUES (?, ?, 1, ?, ?, ?) "
                    "ON CONFLICT (normalized) DO UPDATE SET text = excluded.text, "
                    "count = count + 1, last_asked = excluded.last_asked, "
                    "suggestions = excluded.suggestions",
                    (normalized, text, _iso(at), _iso(at), ",".join(suggestions)),
                )
                db.execute(
                    "INSERT INTO unanswered_daily (normalized, day, count) VALUES (?, ?, 1) "
                    "ON CONFLICT (normalized, day) DO UPDATE SET count = count + 1",
                    (normalized, day),
                )

    def gaps(self, *, since: dt.date, limit: int = 10) -> list[Gap]:
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            rows = db.execute(
                "SELECT q.normalized, q.text, SUM(d.count) AS n, q.last_asked, q.suggestions "
                "FROM unanswered_daily d JOIN unanswered_questions q USING (normalized) "
                "WHERE d.day >= ? GROUP BY q.normalized "
                "ORDER BY n DESC, q.last_asked DESC, q.normalized LIMIT ?",
                (since.isoformat(), limit),
            ).fetchall()
        return [
            Gap(
                normalized=normalized,
                text=text,
                count=int(count),
                last_asked=dt.datetime.fromisoformat(last),
                suggestions=tuple(s for s in suggestions.split(",") if s),
            )
            for normalized, text, count, last, suggestions in rows
        ]

    def forget_gap(self, normalized: str) -> None:
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            db.execute("DELETE FROM unanswered_daily WHERE normalized = ?", (normalized,))
            db.execute("DELETE FROM unanswered_questions WHERE normalized = ?", (normalized,))

    def stats(self, *, since: dt.date, top: int = 5) -> Stats:
        with sqlite_store.transaction(self.path, busy_timeout=self._busy_timeout) as db:
            rows = db.execute(
                "SELECT day, SUM(count), SUM(CASE WHEN answered = 1 THEN count ELSE 0 END) "
                "FROM questions_daily WHERE day >= ? GROUP BY day ORDER BY day",
                (since.isoformat(),),
            ).fetchall()
            entries = db.execute(
                "SELECT entry_id, SUM(count) AS n FROM entries_daily WHERE day >= ? "
                "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
                (since.isoformat(), top),
            ).fetchall()
        return Stats(
            days=tuple(
                DayCount(dt.date.fromisoformat(day), int(asked), int(answered))
                for day, asked, answered in rows
            ),
            top_entries=tuple((str(entry), int(n)) for entry, n in entries),
        )


def _iso(moment: dt.datetime) -> str:
    """UTC ISO text: sorts correctly as text and reads back as an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: admin state needs aware times")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
