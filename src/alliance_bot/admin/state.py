"""Durable state of the admin features: refresh history, unanswered questions, question counts.

`AdminState` is the small interface the admin commands and the question recorder need; it speaks
only in plain values. `SqlAdminState` implements it on the shared `Database` (SQLite by default,
PostgreSQL when several replicas share state), so stats and gaps count the whole cluster. Every
counter is a single `INSERT … ON CONFLICT DO UPDATE SET count = count + n`, which both engines
apply atomically, so replicas counting at once never lose an increment. Questions are written in
batches (`record_questions`: what the recorder gathered in about a second, summed per row, in one
transaction), and that transaction is not durable against a power cut (docs/operations.md,
"Durability"): they are counts for `stats` and `gaps`.

Unanswered questions are bounded (issue 10): each is stored as a prefix of `MAX_QUESTION_CHARS`,
at most `MAX_GAPS` of them are kept, and those not asked for `GAP_RETENTION` are pruned.

Rows belong to the workspace of the work at hand (`state.workspace.current_workspace`): gaps and
stats are each workspace's own. The refresh history records where the admin works, and lists
every refresh: the knowledge base is shared by all workspaces.

The interface is synchronous on purpose: the question recorder calls it from its own worker
thread, and admin commands via `to_thread`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import Integer, Table, and_, case, cast, delete, desc, exists, func, select
from sqlalchemy.sql.dml import Insert

from alliance_bot.config import Settings
from alliance_bot.state.database import DEFAULT_BUSY_TIMEOUT, Database, open_database
from alliance_bot.state.schema import (
    admin_refreshes,
    entries_daily,
    questions_daily,
    unanswered_daily,
    unanswered_questions,
)
from alliance_bot.state.workspace import WorkspaceKey, of_workspace, workspace_values

RefreshAction = Literal["refresh", "dry-run", "rollback", "sighup", "alias", "publish"]
RefreshResult = Literal["swapped", "unchanged", "valid", "invalid", "refused", "nothing"]

# Slack caps a slash command at 4,000 characters and a message far above that; a gap is read by
# an admin in a list, where the first few lines say what was asked. 300 characters also keeps the
# folded key (up to 4 bytes a character) under PostgreSQL's index-row limit of about 2.7 kB.
MAX_QUESTION_CHARS = 300
MAX_GAPS = 5_000  # distinct unanswered questions kept; the gaps list shows the top ten
GAP_RETENTION = dt.timedelta(days=90)  # `/alliance gaps` looks back 30 days


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
class AskedQuestion:
    """One question to count; `gap` is (normalized, as typed) when it went unanswered."""

    at: dt.datetime
    answered: bool
    entry_ids: Sequence[str] = ()
    gap: tuple[str, str] | None = None
    suggestions: Sequence[str] = ()


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
        """Count one question; `gap` is (normalized, as typed) when it went unanswered.

        It is counted under the date of `at` in `at`'s own time zone (the recorder gives the
        team's). Both texts are stored clipped to `MAX_QUESTION_CHARS`."""
        ...

    def record_questions(self, questions: Sequence[AskedQuestion]) -> None:
        """Count several questions (as `record_question` each), all or none."""
        ...

    def gaps(self, *, since: dt.date, limit: int = 10) -> list[Gap]:
        """The most frequent unanswered questions asked on or after `since`."""
        ...

    def forget_gap(self, normalized: str) -> None:
        """Drop a gap that has been dealt with (made into an alias)."""
        ...

    def stats(self, *, since: dt.date, top: int = 5) -> Stats: ...

    def prune_gaps(self, *, now: dt.datetime, max_rows: int = MAX_GAPS) -> int:
        """Drop unanswered questions not asked for `GAP_RETENTION`, then the least recently
        asked beyond `max_rows`; return how many went."""
        ...


class SqlAdminState:
    """`AdminState` on a `Database`; safe across processes and replicas."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @classmethod
    def for_settings(cls, settings: Settings) -> SqlAdminState:
        """The admin state in the database the settings name (shared within the process)."""
        return cls(open_database(settings.database))

    def record_refresh(self, record: RefreshRecord) -> None:
        with self.database.transaction() as db:
            db.execute(
                admin_refreshes.insert().values(
                    **workspace_values(),
                    at=_iso(record.at),
                    user_id=record.user_id,
                    action=record.action,
                    result=record.result,
                    version_before=record.version_before,
                    version_after=record.version_after,
                    detail=record.detail,
                )
            )

    def refreshes(self, *, limit: int = 20) -> list[RefreshRecord]:
        t = admin_refreshes.c
        with self.database.transaction() as db:
            rows = db.execute(
                select(
                    t.at, t.user_id, t.action, t.result, t.version_before, t.version_after, t.detail
                )
                .order_by(t.seq.desc())
                .limit(limit)
            ).all()
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
        self.record_questions([AskedQuestion(at, answered, entry_ids, gap, suggestions)])

    def record_questions(self, questions: Sequence[AskedQuestion]) -> None:
        # Summed per row first: a busy second of one popular answer is one upsert, not hundreds.
        asked: Counter[tuple[str, int]] = Counter()
        answers: Counter[tuple[str, str]] = Counter()
        gaps: dict[str, _GapTally] = {}
        gap_days: Counter[tuple[str, str]] = Counter()
        for question in questions:
            day = question.at.date().isoformat()  # the team's day (AdminState.record_question)
            asked[day, int(question.answered)] += 1
            for entry_id in dict.fromkeys(question.entry_ids):
                answers[day, entry_id] += 1
            if question.gap is not None:
                normalized = question.gap[0][:MAX_QUESTION_CHARS]
                tally = gaps.setdefault(normalized, _GapTally(question.at, question.at))
                tally.add(question)
                gap_days[normalized, day] += 1
        if not asked:
            return
        with self.database.transaction(durable=False) as db:
            for (day, answered), n in asked.items():
                db.execute(self._count(questions_daily, n, day=day, answered=answered))
            for (day, entry_id), n in answers.items():
                db.execute(self._count(entries_daily, n, day=day, entry_id=entry_id))
            for normalized, tally in gaps.items():
                insert = self.database.insert(unanswered_questions).values(
                    **workspace_values(),
                    normalized=normalized,
                    text=tally.text[:MAX_QUESTION_CHARS],
                    count=tally.count,
                    first_asked=_iso(tally.first),
                    last_asked=_iso(tally.last),
                    suggestions=",".join(tally.suggestions),
                )
                db.execute(
                    insert.on_conflict_do_update(
                        index_elements=["enterprise_id", "team_id", "normalized"],
                        set_={
                            "text": insert.excluded.text,
                            "count": unanswered_questions.c.count + tally.count,
                            "last_asked": insert.excluded.last_asked,
                            "suggestions": insert.excluded.suggestions,
                        },
                    )
                )
            for (normalized, day), n in gap_days.items():
                db.execute(self._count(unanswered_daily, n, normalized=normalized, day=day))

    def gaps(self, *, since: dt.date, limit: int = 10) -> list[Gap]:
        q, d = unanswered_questions.c, unanswered_daily.c
        asked = func.sum(d.count).label("n")
        with self.database.transaction() as db:
            rows = db.execute(
                select(q.normalized, q.text, asked, q.last_asked, q.suggestions)
                .select_from(
                    unanswered_daily.join(
                        unanswered_questions,
                        and_(
                            d.enterprise_id == q.enterprise_id,
                            d.team_id == q.team_id,
                            d.normalized == q.normalized,
                        ),
                    )
                )
                .where(of_workspace(unanswered_questions), d.day >= since.isoformat())
                # Grouping by the primary key lets PostgreSQL take the other columns with it.
                .group_by(q.enterprise_id, q.team_id, q.normalized)
                .order_by(desc("n"), q.last_asked.desc(), q.normalized)
                .limit(limit)
            ).all()
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
        key = normalized[:MAX_QUESTION_CHARS]
        with self.database.transaction() as db:
            for table in (unanswered_daily, unanswered_questions):
                db.execute(delete(table).where(of_workspace(table), table.c.normalized == key))

    def stats(self, *, since: dt.date, top: int = 5) -> Stats:
        qd, ed = questions_daily.c, entries_daily.c
        answered = func.sum(case((qd.answered == 1, qd.count), else_=0))
        with self.database.transaction() as db:
            rows = db.execute(
                select(qd.day, func.sum(qd.count), cast(answered, Integer))
                .where(of_workspace(questions_daily), qd.day >= since.isoformat())
                .group_by(qd.day)
                .order_by(qd.day)
            ).all()
            entries = db.execute(
                select(ed.entry_id, func.sum(ed.count).label("n"))
                .where(of_workspace(entries_daily), ed.day >= since.isoformat())
                .group_by(ed.entry_id)
                .order_by(desc("n"), ed.entry_id)
                .limit(top)
            ).all()
        return Stats(
            days=tuple(
                DayCount(dt.date.fromisoformat(day), int(asked), int(answered))
                for day, asked, answered in rows
            ),
            top_entries=tuple((str(entry), int(n)) for entry, n in entries),
        )

    def prune_gaps(self, *, now: dt.datetime, max_rows: int = MAX_GAPS) -> int:
        q = unanswered_questions.c
        cutoff = _iso(now - GAP_RETENTION)
        with self.database.transaction() as db:
            db.execute(delete(unanswered_daily).where(unanswered_daily.c.day < cutoff[:10]))
            stale = db.execute(delete(unanswered_questions).where(q.last_asked < cutoff)).rowcount
            # Beyond the cap, the least recently asked go first; each workspace has its own cap,
            # so a busy workspace never pushes out another's gaps.
            over = 0
            keys = db.execute(select(q.enterprise_id, q.team_id).distinct()).all()
            for enterprise_id, team_id in keys:
                mine = of_workspace(unanswered_questions, WorkspaceKey(enterprise_id, team_id))
                keep = (
                    select(q.normalized).where(mine).order_by(q.last_asked.desc()).limit(max_rows)
                )
                over += db.execute(
                    delete(unanswered_questions).where(
                        mine, q.normalized.not_in(keep.scalar_subquery())
                    )
                ).rowcount
            d = unanswered_daily.c
            db.execute(
                delete(unanswered_daily).where(
                    ~exists().where(
                        q.enterprise_id == d.enterprise_id,
                        q.team_id == d.team_id,
                        q.normalized == d.normalized,
                    )
                )
            )
        return int(stale) + int(over)

    def _count(self, table: Table, n: int, **key: object) -> Insert:
        """`INSERT key, count = n`, or `count + n` where the row exists."""
        insert = self.database.insert(table).values(**workspace_values(), **key, count=n)
        return insert.on_conflict_do_update(
            index_elements=["enterprise_id", "team_id", *key], set_={"count": table.c.count + n}
        )


@dataclass
class _GapTally:
    """One unanswered question's askings within a batch: the latest wording and suggestions."""

    first: dt.datetime
    last: dt.datetime
    text: str = ""
    suggestions: Sequence[str] = ()
    count: int = 0

    def add(self, question: AskedQuestion) -> None:
        assert question.gap is not None
        if question.at >= self.last:
            self.last, self.text, self.suggestions = (
                question.at,
                question.gap[1],
                question.suggestions,
            )
        self.first = min(self.first, question.at)
        self.count += 1


class SqliteAdminState(SqlAdminState):
    """`SqlAdminState` on its own SQLite file: for tests and tools that name a file."""

    def __init__(self, path: Path | str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        super().__init__(Database.sqlite(self.path, busy_timeout=busy_timeout))


def _iso(moment: dt.datetime) -> str:
    """UTC ISO text: sorts correctly as text and reads back as an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: admin state needs aware times")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
