"""Answering behaviours on a small knowledge base, where every expected entry is known."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alliance_bot.answering.answer import Cited, Echo
from alliance_bot.answering.engine import answer, answer_entry
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.answers import answer_context
from alliance_bot.testing.sample_kb import write_sample_kb

DAY = dt.date(2026, 11, 24)

# Another event on the day of the sample's Hamada-Austin meeting, cited once, whose id sorts first.
_TALKS_SAME_DAY = """  - id: ev-2023-01-11-aaa-talks
    date: "2023-01-11"
    title: Officials hold talks
    summary: Officials held talks in Washington.
    aliases: [Washington talks]
    sources:
      - file: seeds/900_sample.txt
        evidence: "The Marine Littoral Regiment (MLR) is a mobile Marine Corps unit."
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return load_knowledge(write_sample_kb(tmp_path_factory.mktemp("kb")))


class TestNames:
    def test_typo_says_what_it_matched(self, kb: KnowledgeBase) -> None:
        """A fuzzy match answers and its context line names what the typo matched."""
        result = answer(kb, "who is hamda", DAY)
        assert result.status == "answer"
        assert [e.id for e in result.entries] == ["hamada-yasukazu"]
        assert result.note == ("matched ", Echo("hamda"), " → Hamada Yasukazu")
        assert "matched “hamda” → Hamada Yasukazu" in answer_context(result)

    def test_exact_match_has_no_matched_note(self, kb: KnowledgeBase) -> None:
        """An exact name needs no explanation."""
        result = answer(kb, "who is Yasukazu Hamada", DAY)
        assert result.note == ()
        assert "matched" not in answer_context(result)

    def test_near_miss_name_is_not_an_answer(self, kb: KnowledgeBase) -> None:
        """Someone whose name resembles a person in the base is not given that person."""
        result = answer(kb, "who is Hamada Taro", DAY)
        assert result.status != "answer"
        assert [s.id for s in result.suggestions] == ["hamada-yasukazu"]

    def test_unknown_person(self, kb: KnowledgeBase) -> None:
        """A person the articles never mention gets a plain no."""
        result = answer(kb, "who is Taylor Swift", DAY)
        assert (result.status, result.entries, result.suggestions) == ("no_match", (), ())

    def test_role_finds_holder(self, kb: KnowledgeBase) -> None:
        """A role question finds whoever held the role."""
        result = answer(kb, "who is the US secretary of defense", DAY)
        assert [e.id for e in result.entries] == ["austin-lloyd"]


class TestCitations:
    def test_every_answer_cites_file_title_and_line(self, kb: KnowledgeBase) -> None:
        """The context line names the file, the article title and the line of the evidence."""
        result = answer(kb, "what is the MLR", DAY)
        assert result.sources == ("seeds/900_sample.txt",)
        assert result.citations == (Cited("seeds/900_sample.txt", "Sample Alliance Report", (6,)),)
        assert "seeds/900_sample.txt — “Sample Alliance Report” (line 6)" in answer_context(result)

    def test_quote_gives_exact_words(self, kb: KnowledgeBase) -> None:
        """A quote answer carries the quoted words exactly."""
        assert "“stand together against coercion.”" in answer(kb, "quote Austin", DAY).body


class TestDates:
    def test_on_this_day(self, kb: KnowledgeBase) -> None:
        """'On this day' finds the events on today's month and day in any year."""
        result = answer(kb, "on this day", dt.date(2031, 11, 29))
        assert [e.id for e in result.entries] == ["ev-2023-11-29-osprey-crash"]

    @pytest.mark.parametrize("text", ["on Nov 29", "on 29 Nov", "what happened on November 29, 2023",
                                      "what happened on 2023-11-29", "November 29"])  # fmt: skip
    def test_date_forms(self, kb: KnowledgeBase, text: str) -> None:
        """Common ways of typing a date all find the event."""
        assert [e.id for e in answer(kb, text, DAY).entries] == ["ev-2023-11-29-osprey-crash"]

    def test_empty_day_names_nearest(self, kb: KnowledgeBase) -> None:
        """A date with no event says so and names the nearest dated events."""
        result = answer(kb, "on Dec 25", DAY)
        assert result.status == "suggestions"
        assert "Nothing in the knowledge base happened on 25 December" in result.body
        assert {s.id for s in result.suggestions} == {
            "ev-2023-11-29-osprey-crash",
            "ev-2023-01-11-hamada-austin",
        }

    @pytest.mark.parametrize("dated", [False, True])
    def test_day_list_counts_what_was_said_there(self, tmp_path: Path, dated: bool) -> None:
        """Of two events of a day cited once each, the one whose people were quoted that day
        comes first (docs/answering.md, "Date lists"); without the quote, they keep id order."""
        knowledge = write_sample_kb(tmp_path)
        events = knowledge / "events.yaml"
        events.write_text(events.read_text(encoding="utf-8") + _TALKS_SAME_DAY, encoding="utf-8")
        if dated:
            quotes = knowledge / "quotes.yaml"
            text = quotes.read_text(encoding="utf-8")
            quotes.write_text(
                text.replace(
                    "    person: austin-lloyd\n",
                    '    person: austin-lloyd\n    date: "2023-01-11"\n',
                ),
                encoding="utf-8",
            )
        listed = [e.id for e in answer(load_knowledge(knowledge), "on Jan 11 2023", DAY).entries]
        quoted, other = "ev-2023-01-11-hamada-austin", "ev-2023-01-11-aaa-talks"
        assert listed == ([quoted, other] if dated else [other, quoted])

    def test_impossible_date_is_named(self, kb: KnowledgeBase) -> None:
        """An impossible date is an error that names the date."""
        result = answer(kb, "on 2023-02-30", DAY)
        assert result.status == "error"
        assert "2023-02-30" in result.body

    @pytest.mark.parametrize(
        "text", ["what was signed on February 30, 2023", "what did Japan announce February 30 2023"]
    )
    def test_impossible_date_of_something_done_is_named(self, kb: KnowledgeBase, text: str) -> None:
        """Something asked as done on a date that cannot be: the date is named, not searched."""
        result = answer(kb, text, DAY)
        assert result.status == "error"
        assert "february 30 2023" in result.body.lower()


class TestSafety:
    def test_user_text_is_echoed_as_typed(self, kb: KnowledgeBase) -> None:
        """What the user typed comes back as data, unescaped: escaping is the renderers' (see
        tests/slack/test_render_answers.py)."""
        result = answer(kb, "who is <!channel> <@U123>", DAY)
        assert Echo("<!channel>") in result.statement[0].words
        assert "&lt;" not in result.body

    def test_answer_entry_for_buttons(self, kb: KnowledgeBase) -> None:
        """A suggestion button's entry id answers that entry; a stale id says it is gone."""
        assert answer_entry(kb, "term-mlr").entries[0].id == "term-mlr"
        assert answer_entry(kb, "no-such-entry").status == "no_match"

    def test_help(self, kb: KnowledgeBase) -> None:
        """Empty text and 'help' show the question forms."""
        assert answer(kb, "", DAY).status == "help"
        assert "who is Hamada" in answer(kb, "help", DAY).body


@pytest.fixture(scope="module")
def real() -> KnowledgeBase:
    """The real knowledge base: its roles carry the spans the articles give."""
    return load_knowledge(default_knowledge_dir())


class TestRoleNow:
    """ "now", "currently", "the current …": the holder on `today` from the roles' spans."""

    @pytest.mark.parametrize(
        ("text", "today", "holder"),
        [
            ("who's Japan's foreign minister right now", dt.date(2023, 6, 15), "hayashi-yoshimasa"),
            (
                "who is the current Japanese foreign minister",
                dt.date(2023, 11, 20),
                "kamikawa-yoko",
            ),
        ],
    )
    def test_holder_on_today(
        self, real: KnowledgeBase, text: str, today: dt.date, holder: str
    ) -> None:
        result = answer(real, text, today)
        assert result.status == "answer"
        assert [e.id for e in result.entries] == [holder]

    def test_past_every_span_is_the_latest_holder_and_says_so(self, real: KnowledgeBase) -> None:
        """Kamikawa's span ends in December 2023 and the articles in April 2024."""
        result = answer(real, "who is Japan's foreign minister now", dt.date(2024, 3, 1))
        assert [e.id for e in result.entries] == ["kamikawa-yoko"]
        assert "the latest holder the articles show, to December 2023" in answer_context(result)

    def test_long_after_the_articles_is_offered_not_answered(self, real: KnowledgeBase) -> None:
        """Asked in 2026 (over six months past the articles' last dated day, 11 April 2024),
        "now" is past what they can say: the last holder is a suggestion, and the reply says
        where the articles end."""
        result = answer(real, "who is Japan's foreign minister now", dt.date(2026, 11, 24))
        assert result.status == "suggestions"
        assert [s.id for s in result.suggestions] == ["kamikawa-yoko"]
        assert "The articles end in April 2024" in result.body
        within = answer(real, "who is Japan's foreign minister now", dt.date(2024, 10, 1))
        assert [e.id for e in within.entries] == ["kamikawa-yoko"]

    def test_between_spans_is_no_one(self, real: KnowledgeBase) -> None:
        """Hamada is dated January 2023 and Kihara October 2023: June is not known."""
        result = answer(real, "who is the Japanese defense minister now", dt.date(2023, 6, 1))
        assert result.status == "suggestions"
        assert {s.id for s in result.suggestions} == {"hamada-yasukazu", "kihara-minoru"}
