"""Periods said the way people say them (`answering/periods.py`): a part of a month, year or
season, holidays, either order, ranges and open spans, and the nearest past one when no year is
said; then the same phrasings asked as questions of the real knowledge base. The phrasings are
our own, in none of the question sets: they check the grammar, not one string."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_bot.answering.engine import answer
from alliance_bot.answering.periods import read_period
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

# A Wednesday, three weeks into December 2023 (the articles run to early 2024).
TODAY = dt.date(2023, 12, 20)
D = dt.date


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


def span(text: str, today: dt.date = TODAY) -> tuple[dt.date, dt.date] | None:
    period = read_period(text, today)
    return None if period is None else (period.first, period.last)


class TestGrammar:
    @pytest.mark.parametrize(
        ("text", "first", "last"),
        [
            ("late november 2023", D(2023, 11, 21), D(2023, 11, 30)),
            ("the end of 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("end of 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("towards the end of 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("autumn 2023", D(2023, 9, 1), D(2023, 11, 30)),
            ("2023 autumn", D(2023, 9, 1), D(2023, 11, 30)),
            ("2023's autumn", D(2023, 9, 1), D(2023, 11, 30)),
            ("the fall of 2022", D(2022, 9, 1), D(2022, 11, 30)),
            ("late summer 2023", D(2023, 8, 1), D(2023, 8, 31)),
            ("early spring 2024", D(2024, 3, 1), D(2024, 3, 31)),
            ("winter 2023", D(2023, 12, 1), D(2024, 2, 29)),
            ("mid-jan 2023", D(2023, 1, 11), D(2023, 1, 20)),
            ("the middle of january 2023", D(2023, 1, 11), D(2023, 1, 20)),
            ("the first half of 2023", D(2023, 1, 1), D(2023, 6, 30)),
            ("the back half of 2023", D(2023, 7, 1), D(2023, 12, 31)),
            ("h2 2023", D(2023, 7, 1), D(2023, 12, 31)),
            ("the third quarter of 2023", D(2023, 7, 1), D(2023, 9, 30)),
            ("q4 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("the last week of september 2023", D(2023, 9, 24), D(2023, 9, 30)),
            ("the holidays 2023", D(2023, 12, 20), D(2024, 1, 3)),
            ("christmas 2023", D(2023, 12, 20), D(2023, 12, 31)),
            ("new year 2024", D(2023, 12, 27), D(2024, 1, 7)),
            ("close to the end of 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("the very end of 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("the final months of 2022", D(2022, 10, 1), D(2022, 12, 31)),
            ("the closing weeks of november 2023", D(2023, 11, 21), D(2023, 11, 30)),
            ("the opening weeks of 2023", D(2023, 1, 1), D(2023, 3, 31)),
            ("the opening weeks of march 2023", D(2023, 3, 1), D(2023, 3, 10)),
            ("the latter part of 2022", D(2022, 7, 1), D(2022, 12, 31)),
            ("the early stages of 2023", D(2023, 1, 1), D(2023, 3, 31)),
        ],
    )
    def test_a_part_of_a_month_year_or_season(self, text: str, first: D, last: D) -> None:
        """A part word and a base, in either order, with or without "of" and "the"."""
        assert span(text) == (first, last)

    @pytest.mark.parametrize(
        ("text", "today", "first", "last"),
        [
            # Late November has begun by 24 November 2023 …
            ("late november", D(2023, 11, 24), D(2023, 11, 21), D(2023, 11, 30)),
            # … but not by 10 November: the last one is a year back.
            ("late november", D(2023, 11, 10), D(2022, 11, 21), D(2022, 11, 30)),
            ("mid-january", TODAY, D(2023, 1, 11), D(2023, 1, 20)),
            ("early december", TODAY, D(2023, 12, 1), D(2023, 12, 10)),
            ("over the holidays", D(2024, 1, 15), D(2023, 12, 20), D(2024, 1, 3)),
            ("around the new year", D(2024, 2, 1), D(2023, 12, 27), D(2024, 1, 7)),
            ("last summer", TODAY, D(2023, 6, 1), D(2023, 8, 31)),
            ("last summer", D(2023, 7, 15), D(2022, 6, 1), D(2022, 8, 31)),
            ("the start of the year", TODAY, D(2023, 1, 1), D(2023, 3, 31)),
            ("early last year", TODAY, D(2022, 1, 1), D(2022, 4, 30)),
            ("the end of last month", TODAY, D(2023, 11, 21), D(2023, 11, 30)),
        ],
    )
    def test_no_year_is_the_nearest_begun_by_today(
        self, text: str, today: D, first: D, last: D
    ) -> None:
        """A period named without a year is the latest one that has begun by `today`."""
        assert span(text, today) == (first, last)

    @pytest.mark.parametrize(
        ("text", "first", "last"),
        [
            ("between september and november 2023", D(2023, 9, 1), D(2023, 11, 30)),
            ("from late 2022 to early 2023", D(2022, 9, 1), D(2023, 4, 30)),
            ("november to february 2024", D(2023, 11, 1), D(2024, 2, 29)),
            ("from 1 november to 15 november 2023", D(2023, 11, 1), D(2023, 11, 15)),
            ("between nov 2023 and jan 2024", D(2023, 11, 1), D(2024, 1, 31)),
            ("since mid-december 2023", D(2023, 12, 11), TODAY),
            ("since october", D(2023, 10, 1), TODAY),
            ("before 2022", D(1900, 1, 1), D(2021, 12, 31)),
            ("after the summer of 2023", D(2023, 9, 1), D(2099, 12, 31)),
        ],
    )
    def test_ranges_and_open_spans(self, text: str, first: D, last: D) -> None:
        """Between two periods, since one (to today), before or after one; an end without a
        year takes the other's, a year back where it would come after it."""
        assert span(text) == (first, last)

    @pytest.mark.parametrize(
        ("text", "first", "last"),
        [
            ("yesterday", D(2023, 12, 19), D(2023, 12, 19)),
            ("a fortnight ago", D(2023, 12, 6), D(2023, 12, 6)),
            ("3 days back", D(2023, 12, 17), D(2023, 12, 17)),
            ("this time last year", D(2022, 12, 20), D(2022, 12, 20)),
            ("a year ago to the day", D(2022, 12, 20), D(2022, 12, 20)),
            ("the past two weeks", D(2023, 12, 6), TODAY),
            ("over the last few days", D(2023, 12, 17), TODAY),
            ("earlier this month", D(2023, 12, 1), TODAY),
            ("the week before last", D(2023, 12, 4), D(2023, 12, 10)),
            ("last weekend", D(2023, 12, 16), D(2023, 12, 17)),
        ],
    )
    def test_relative_to_today(self, text: str, first: D, last: D) -> None:
        """Relative days and spans are worked out from `today`."""
        assert span(text) == (first, last)

    @pytest.mark.parametrize(
        "text", ["late", "the holidays of the tax office", "november 2023", "2023", "mid-2023x"]
    )
    def test_not_a_period(self, text: str) -> None:
        """A part word alone or a phrase that only starts like a period is none; a month of a
        year and a year alone are left to the date reader."""
        assert read_period(text, TODAY) is None


class TestPeriodQuestions:
    @pytest.mark.parametrize(
        ("text", "today", "first"),
        [
            ("what happened over the holidays", D(2024, 1, 15), "ev-2023-12-20-"),
            ("late november?", D(2023, 12, 10), "ev-2023-11-2"),
            ("what happened in the autumn of 2022", TODAY, "ev-2022-10-us-chip-export-controls"),
            ("2023's spring - anything", TODAY, "ev-2023-05-g7-hiroshima-summit"),
            ("late summer 2023", TODAY, "ev-2023-08-camp-david-trilateral-summit"),
            ("events between september and november 2023", TODAY, "ev-2023-09-01-"),
            ("what has happened since mid-december 2023", TODAY, "ev-2023-12-12-"),
            ("before 2022?", TODAY, "ev-1999-futenma-relocation-agreement"),
            ("end of 2022 — what did japan do", TODAY, "ev-2022-12-three-security-documents"),
            (
                "what happened with the ospreys in late november 2023",
                TODAY,
                "ev-2023-11-29-osprey-crash-yakushima",
            ),
            ("late 2023: anything on the quad?", TODAY, "ev-2023-09-22-quad-foreign-ministers"),
        ],
    )
    def test_events_of_the_period(self, kb: KnowledgeBase, text: str, today: D, first: str) -> None:
        """The events in the span (on the topic, when one is named), day-dated first."""
        result = answer(kb, text, today)
        assert result.status == "answer"
        assert result.entries[0].id.startswith(first)
        period = read_period(text.split(" — ")[0].removesuffix("?"), today)
        if period is not None:
            events = [e for s in result.entries if isinstance(e := kb.get(s.id), Event)]
            assert events
            for event in events:  # a single event comes with its facts and quotes
                assert event.date.first_day() <= period.last
                assert (event.end or event.date).last_day() >= period.first

    @pytest.mark.parametrize(
        ("text", "today"),
        [
            ("what happened in late summer 2021", TODAY),
            ("what happened between 2010 and 2015", TODAY),
            ("what happened with the ospreys in early 2024", TODAY),
            ("anything over the holidays?", D(2026, 11, 24)),
            ("what happened in late november", D(2026, 11, 24)),
            ("what happened at the quad leaders summit in 2024", TODAY),
        ],
    )
    def test_nothing_in_the_period_is_no_answer(
        self, kb: KnowledgeBase, text: str, today: D
    ) -> None:
        """A period with no events (or none on the topic) points elsewhere; it answers nothing."""
        assert answer(kb, text, today).status != "answer"
