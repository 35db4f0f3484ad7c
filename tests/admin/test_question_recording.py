"""Recording questions for gaps and stats: bounded storage on both backends, and off the answer
path, so a locked database never costs a user their answer (issue 10, items 6 and 7)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from alliance_bot.admin.service import QuestionRecorder
from alliance_bot.admin.state import MAX_QUESTION_CHARS, AskedQuestion, SqlAdminState
from alliance_bot.answering.answer import Answer, line
from alliance_bot.state import Database

NOW = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)
SINCE = dt.date(2024, 3, 1)


def no_match(question: str) -> Answer:
    return Answer(
        status="no_match", question=question, statement=(line("I don't have anything on that."),)
    )


class TestBoundedGaps:
    def test_a_huge_question_is_stored_as_a_prefix(self, database: Database) -> None:
        """A 40,000-character question keeps only its first MAX_QUESTION_CHARS characters."""
        state = SqlAdminState(database)
        huge = "who is " + "x" * 40_000
        state.record_question(at=NOW, answered=False, gap=(huge, huge))
        [gap] = state.gaps(since=SINCE)
        assert gap.text == huge[:MAX_QUESTION_CHARS]
        assert len(gap.normalized) == MAX_QUESTION_CHARS

    def test_two_huge_questions_with_one_prefix_are_one_gap(self, database: Database) -> None:
        """Bounding the key merges questions that differ only after the prefix."""
        state = SqlAdminState(database)
        for tail in ("a", "b"):
            text = "y" * MAX_QUESTION_CHARS + tail
            state.record_question(at=NOW, answered=False, gap=(text, text))
        [gap] = state.gaps(since=SINCE)
        assert gap.count == 2

    def test_pruning_drops_old_gaps_and_keeps_recent_ones(self, database: Database) -> None:
        """Gaps not asked for the retention period go; recent ones and their counts stay."""
        state = SqlAdminState(database)
        old = NOW - dt.timedelta(days=200)
        state.record_question(at=old, answered=False, gap=("old one", "old one"))
        state.record_question(at=NOW, answered=False, gap=("new one", "new one"))
        assert state.prune_gaps(now=NOW) == 1
        assert [g.text for g in state.gaps(since=old.date())] == ["new one"]

    def test_pruning_caps_the_rows_least_recently_asked_first(self, database: Database) -> None:
        """Beyond the cap (MAX_GAPS by default; 20 here), the oldest asked are dropped."""
        state = SqlAdminState(database)
        for n in range(23):
            at = NOW + dt.timedelta(seconds=n)
            state.record_question(at=at, answered=False, gap=(f"q{n}", f"q{n}"))
        assert state.prune_gaps(now=NOW + dt.timedelta(hours=1), max_rows=20) == 3
        remaining = {g.normalized for g in state.gaps(since=SINCE, limit=100)}
        assert len(remaining) == 20
        assert {"q0", "q1", "q2"}.isdisjoint(remaining)
        assert state.prune_gaps(now=NOW + dt.timedelta(hours=1)) == 0  # under MAX_GAPS


class TestOffTheAnswerPath:
    def test_a_locked_file_does_not_hold_up_record(self, tmp_path: Path) -> None:
        """While another process holds the write lock, `record` returns with the write pending;
        once the lock goes, every question is counted."""
        path = tmp_path / "state.db"
        database = Database.sqlite(path, busy_timeout=30)
        recorder = QuestionRecorder(SqlAdminState(database), clock=lambda: NOW, timezone=dt.UTC)
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            for n in range(12):
                recorder.record(no_match(f"who is nobody {n}"))
            # Had record waited for the lock, nothing would still be pending now.
            assert not recorder.flush(timeout=0)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert recorder.flush(timeout=30)
        stats = SqlAdminState(database).stats(since=SINCE)
        assert (stats.asked, recorder.dropped, recorder.failed) == (12, 0, 0)
        recorder.close()
        database.dispose()

    def test_a_full_queue_drops_and_counts(self, tmp_path: Path) -> None:
        """With the database stuck, questions beyond the queue are dropped and counted, never
        waited for; nothing is counted twice or lost uncounted."""
        path = tmp_path / "state.db"
        database = Database.sqlite(path, busy_timeout=30)
        recorder = QuestionRecorder(
            SqlAdminState(database), clock=lambda: NOW, timezone=dt.UTC, queue_size=5
        )
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            for n in range(20):
                recorder.record(no_match(f"who is nobody {n}"))
            dropped = recorder.dropped
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert recorder.flush(timeout=30)
        stats = SqlAdminState(database).stats(since=SINCE)
        assert dropped >= 20 - 5 - 1  # the worker may have taken one item before blocking
        assert stats.asked + recorder.dropped == 20
        recorder.close()
        database.dispose()

    def test_a_failing_database_is_counted_not_raised(self, tmp_path: Path) -> None:
        """A write the database refuses is counted in `failed`; `record` never raises."""
        path = tmp_path / "state.db"
        database = Database.sqlite(path, busy_timeout=0.01)
        recorder = QuestionRecorder(SqlAdminState(database), clock=lambda: NOW, timezone=dt.UTC)
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            recorder.record(no_match("who is nobody"))
            assert recorder.flush(timeout=30)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert (recorder.failed, recorder.dropped) == (1, 0)
        recorder.close()
        database.dispose()


class TestWrittenBehind:
    def test_questions_wait_in_memory_then_go_in_one_transaction(self, tmp_path: Path) -> None:
        """Within the flush interval nothing is written; `close` (what the server does as it
        stops) writes every question, in one batch, each counted once."""
        database = Database.sqlite(tmp_path / "state.db")
        state = SqlAdminState(database)
        # An interval no test reaches: only `close` can write these.
        recorder = QuestionRecorder(state, clock=lambda: NOW, timezone=dt.UTC, flush_every=3600)
        for n in range(5):
            recorder.record(no_match(f"who is nobody {n % 2}"))
        assert state.stats(since=SINCE).asked == 0
        recorder.close()
        assert (state.stats(since=SINCE).asked, recorder.batches) == (5, 1)
        assert sorted((g.normalized, g.count) for g in state.gaps(since=SINCE)) == [
            ("who is nobody 0", 3),
            ("who is nobody 1", 2),
        ]
        database.dispose()

    def test_a_batch_counts_what_one_at_a_time_would(self, database: Database) -> None:
        """`record_questions` sums per row: days, answers, entries, and each gap's count, first
        and last asking and latest wording, as the same questions recorded singly would."""
        later = NOW + dt.timedelta(hours=1)
        batch = [
            AskedQuestion(NOW, True, ("hamada-yasukazu",)),
            AskedQuestion(NOW, True, ("hamada-yasukazu", "kishida-fumio")),
            AskedQuestion(later, False, gap=("who is x", "who is X?"), suggestions=("a",)),
            AskedQuestion(NOW, False, gap=("who is x", "Who is x"), suggestions=("b",)),
            AskedQuestion(NOW + dt.timedelta(days=1), True, ("kishida-fumio",)),
        ]
        state = SqlAdminState(database)
        state.record_questions(batch)
        state.record_questions(batch[:1])  # onto existing rows: count + n
        stats = state.stats(since=SINCE)
        assert [(d.day.day, d.asked, d.answered) for d in stats.days] == [(10, 5, 3), (11, 1, 1)]
        assert stats.top_entries == (("hamada-yasukazu", 3), ("kishida-fumio", 2))
        [gap] = state.gaps(since=SINCE)
        assert (gap.count, gap.text, gap.last_asked, gap.suggestions) == (
            2,
            "who is X?",
            later,
            ("a",),
        )


class TestTheTeamsDay:
    def test_a_question_counts_under_the_teams_date_not_utcs(self, database: Database) -> None:
        """At 20:00 UTC it is already the next morning in Tokyo: a Tokyo team's stats count the
        question under the next day, the day `stats` counts back from (one "today", issue 16)."""
        evening_utc = dt.datetime(2024, 3, 10, 20, 0, tzinfo=dt.UTC)
        state = SqlAdminState(database)
        recorder = QuestionRecorder(
            state, clock=lambda: evening_utc, timezone=ZoneInfo("Asia/Tokyo")
        )
        recorder.record(no_match("who is nobody"))
        assert recorder.flush(timeout=30)
        recorder.close()
        assert [d.day for d in state.stats(since=SINCE).days] == [dt.date(2024, 3, 11)]
        [gap] = state.gaps(since=dt.date(2024, 3, 11))
        assert gap.last_asked == evening_utc
