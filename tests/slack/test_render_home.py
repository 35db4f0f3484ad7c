"""The Home view stays valid Block Kit within Slack's limits whatever it holds: every day of the
year on the real base, the longest answers, many long gaps, and a 100,000-entry base."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alliance_bot.admin.outcomes import GapsReport
from alliance_bot.admin.service import KnowledgeAdmin, normalize_question
from alliance_bot.admin.state import RefreshRecord, SqliteAdminState
from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.admin import GAP_ALIAS_PREFIX
from alliance_bot.slack.render.home import (
    MAX_TODAY_SHOWN,
    HomeContent,
    HomeSearch,
    NextPost,
    render_home,
    validate_home,
)
from alliance_bot.testing.views import elements, texts

REPO = Path(__file__).resolve().parents[2]
AT = dt.datetime(2024, 12, 6, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


def long_gaps(kb: KnowledgeBase, state_db: Path) -> GapsReport:
    """The gaps report of ten long unanswered questions, each with two suggested entries, as
    the admin feature builds it from a real state file."""
    state = SqliteAdminState(state_db)
    ids = list(kb.entries)[:20]
    for n in range(10):
        # As long as a gap can be and still have a button: its subject is an alias of at most
        # 200 characters (knowledge.aliases.MAX_ALIAS).
        text = f"who is {'x' * 150} number {n} <!channel>"
        state.record_question(
            at=AT, answered=False, gap=(normalize_question(text), text), suggestions=ids[n : n + 2]
        )
    admin = KnowledgeAdmin(
        KnowledgeHolder(kb, kb.root), state, clock=lambda: AT, timezone=ZoneInfo("UTC")
    )
    return admin.gaps()


def worst_case(kb: KnowledgeBase, day: dt.date, question: str, state_db: Path) -> HomeContent:
    """An admin's Home with the most of everything: an answer, a long notice, ten long gaps
    each suggesting entries, five refreshes."""
    report = long_gaps(kb, state_db)
    refreshes = [
        RefreshRecord(AT, "U0ADMIN001", "refresh", "swapped", "a" * 12, "b" * 12, "x")
        for _ in range(5)
    ]
    return HomeContent(
        kb=kb,
        today=day,
        next_post=NextPost(("C0DAILY001", "C0DAILY002"), AT, "Asia/Tokyo"),
        is_admin=True,
        search=HomeSearch(question, answer(kb, question, day)),
        notice="line\n" * 2000,
        gaps=report,
        refreshes=refreshes,
    )


def days_of(year: int) -> Iterator[dt.date]:
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


class TestLimits:
    def test_every_day_of_a_leap_year_for_a_member_and_an_admin(self, kb: KnowledgeBase) -> None:
        """366 days × member and admin views: each valid, ≤ 100 blocks."""
        for day in days_of(2024):
            for is_admin in (False, True):
                content = HomeContent(
                    kb=kb,
                    today=day,
                    next_post=NextPost((), None, "UTC"),
                    is_admin=is_admin,
                )
                validate_home(render_home(content))

    @pytest.mark.parametrize(
        "question", ["search alliance", "what happened in 2023", "on this day", "who is kishi"]
    )
    def test_the_longest_answers_with_everything_else(
        self, kb: KnowledgeBase, question: str, tmp_path: Path
    ) -> None:
        """Long answers, a long notice and long gaps still fit, and the gaps text is escaped."""
        view = render_home(worst_case(kb, dt.date(2023, 11, 29), question, tmp_path / "s.db"))
        validate_home(view)
        assert "<!channel>" not in texts(view)
        assert any(str(e.get("action_id", "")).startswith(GAP_ALIAS_PREFIX) for e in elements(view))


@pytest.mark.slow
class TestAHundredThousandEntries:
    def test_the_busiest_day_and_long_answers_fit(self, tmp_path: Path) -> None:
        """At 100,000 entries (bench/generate.py) the busiest day and the longest answers fit."""
        sys.path.insert(0, str(REPO))
        from bench.generate import cached

        big = load_knowledge(cached(100_000))
        busiest = max(
            (dt.date(2024, m, d) for m, d in big._days if (m, d) != (2, 29)),
            key=lambda day: len(big.events_on(day.month, day.day)),
        )
        assert len(big.events_on(busiest.month, busiest.day)) > MAX_TODAY_SHOWN
        for question in ("search alliance", "what happened in 2023", "who is kishi"):
            view = render_home(worst_case(big, busiest, question, tmp_path / f"{question}.db"))
            validate_home(view)
            assert f"{len(big):,} entries" in texts(view)
            assert "more: ask `/alliance on this day`" in texts(view)
