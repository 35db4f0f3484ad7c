"""Near misses that must not be answered, and roles asked now, at a time or without "who is",
on the real knowledge base (answering/honesty.py and the role paths of the engine). Phrasings
are our own, so these check the kind of question, not one string."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_bot.answering.engine import answer
from alliance_bot.answering.honesty import destinations, distinct_names, goes_there
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.answers import answer_context

DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


def ids(kb: KnowledgeBase, text: str, today: dt.date = DAY) -> tuple[str, list[str]]:
    result = answer(kb, text, today)
    return result.status, [e.id for e in result.entries]


class TestDistinctNames:
    @pytest.mark.parametrize(
        ("asked", "name"),
        [
            ("aukus pillar iii", "aukus pillar ii"),
            ("aukus pillar 1", "aukus pillar ii"),
            ("south korea", "north korea"),
            ("plan b", "plan"),
            ("f-35a", "f-35b"),
        ],
    )
    def test_a_numeral_letter_or_qualifier_sets_names_apart(self, asked: str, name: str) -> None:
        assert distinct_names(asked, name)

    @pytest.mark.parametrize(
        ("asked", "name"),
        [
            ("aukus pillar 2", "aukus pillar ii"),
            ("second pillar", "pillar two"),
            ("kishda", "kishida"),
            ("hamada yasukazu", "yasukazu hamada"),
        ],
    )
    def test_the_same_numeral_or_a_typo_is_the_same_name(self, asked: str, name: str) -> None:
        assert not distinct_names(asked, name)

    def test_a_pillar_the_articles_never_name_is_only_suggested(self, kb: KnowledgeBase) -> None:
        assert ids(kb, "AUKUS pillar 1?")[0] != "answer"
        assert ids(kb, "tell me about aukus pillar II") == ("answer", ["term-aukus-pillar-ii"])


class TestDestinations:
    def test_a_visit_names_where_it_goes(self) -> None:
        assert destinations("when did kishida visit kyiv in january") == {"kyiv"}
        assert destinations("the g7 tour in january") == frozenset()

    def test_an_entry_goes_there_by_its_names_or_its_text(self) -> None:
        assert goes_there("blinken visit tokyo", "blinken visit to tokyo", "")
        assert goes_there("visit tokyo", "kishida meets blinken", "blinken visited tokyo")
        assert not goes_there("visit ukraine", "summit agenda", "the war in ukraine")

    @pytest.mark.parametrize(
        "text",
        [
            "when did kishida travel to kyiv",
            "did kishida ever visit ukraine",
            "when did biden go to tokyo",
            "so when did austin fly to seoul?",
        ],
    )
    def test_a_visit_the_articles_do_not_report_is_declined(
        self, kb: KnowledgeBase, text: str
    ) -> None:
        assert ids(kb, text)[0] != "answer"

    def test_a_place_asked_is_a_word_the_answer_has(self, kb: KnowledgeBase) -> None:
        """The Austin-Kihara meeting names no place: it does not confirm one asked ("in
        Seoul"); "Tokyo's target" is Japan's government, not a place asked."""
        assert ids(kb, "when did austin and kihara meet in seoul")[0] != "answer"
        status, found = ids(kb, "when did austin and kihara meet")
        assert status == "answer"
        assert found[0] == "ev-2023-10-04-austin-kihara-meeting"

    def test_a_reported_visit_still_answers(self, kb: KnowledgeBase) -> None:
        status, found = ids(kb, "when did kishida go to washington")
        assert status == "answer"
        assert found[0] == "ev-2024-04-kishida-state-visit"


class TestRolesOfABody:
    @pytest.mark.parametrize(
        "text",
        [
            "who is the commander of US Forces Japan",
            "who commanded USFJ in 2023",
            "the general in charge of us forces japan",
        ],
    )
    def test_a_role_of_another_body_is_not_the_answer(self, kb: KnowledgeBase, text: str) -> None:
        """LaCamera commands US Forces Korea; the articles name no commander of USFJ."""
        assert ids(kb, text)[0] != "answer"

    def test_the_role_of_that_body_answers(self, kb: KnowledgeBase) -> None:
        assert ids(kb, "who is the commander of us forces korea") == ("answer", ["lacamera-paul"])


class TestRolesNowAndAtATime:
    @pytest.mark.parametrize(
        ("text", "today", "holder"),
        [
            ("current japanese foreign minister?", dt.date(2023, 5, 2), "hayashi-yoshimasa"),
            ("current japanese foreign minister?", dt.date(2023, 10, 2), "kamikawa-yoko"),
            ("who's running the pentagon these days", dt.date(2023, 6, 1), "austin-lloyd"),
            (
                "who's the foreign minister in tokyo right now",
                dt.date(2023, 10, 2),
                "kamikawa-yoko",
            ),
        ],
    )
    def test_a_role_now_is_the_holder_on_today(
        self, kb: KnowledgeBase, text: str, today: dt.date, holder: str
    ) -> None:
        assert ids(kb, text, today) == ("answer", [holder])

    @pytest.mark.parametrize(
        ("text", "holder"),
        [
            ("australian foreign minister", "wong-penny"),
            ("the US trade rep was who?", "tai-katherine"),
        ],
    )
    def test_a_role_without_who_is(self, kb: KnowledgeBase, text: str, holder: str) -> None:
        assert ids(kb, text) == ("answer", [holder])

    def test_a_ministry_held_is_its_minister(self, kb: KnowledgeBase) -> None:
        assert ids(kb, "who headed japan's foreign ministry in december 2023") == (
            "answer",
            ["kamikawa-yoko"],
        )

    def test_an_undated_role_shown_at_an_event_then(self, kb: KnowledgeBase) -> None:
        """Tai's role has no span, but she met Kamikawa as trade representative on 13
        November 2023: she held it in that month, and the reply says how we know."""
        result = answer(kb, "who was the trade representative in november 2023", DAY)
        assert [e.id for e in result.entries] == ["tai-katherine"]
        assert "no dates for the role" in answer_context(result)

    def test_at_the_time_something_happened(self, kb: KnowledgeBase) -> None:
        """ "at the time <clause>" is the time of the event the clause names; the reshuffle
        month had two foreign ministers, so it is declined rather than answered by the one
        who took part in it."""
        assert ids(kb, "who was defense minister at the time austin and kihara met") == (
            "answer",
            ["kihara-minoru"],
        )
        assert ids(kb, "who was FM at the time kishida reshuffled the cabinet")[0] != "answer"

    def test_an_undated_role_not_shown_then_is_declined(self, kb: KnowledgeBase) -> None:
        """Wong is shown as foreign minister in September 2023 only."""
        assert ids(kb, "who was australia's foreign minister in march 2023")[0] != "answer"


class TestPeopleByDescription:
    @pytest.mark.parametrize(
        ("text", "person"),
        [
            ("the japanese official who signed the memo with allen", "kobayashi-maki"),
            ("the semiconductor association boss kishida met in san francisco", "neuffer-john"),
            ("the north korea deputy envoy from the US", "pak-jung"),
            ("who's the minnesota lieutenant governor", "flanagan-peggy"),
        ],
    )
    def test_the_person_whose_titles_fit(self, kb: KnowledgeBase, text: str, person: str) -> None:
        """The person, not the event they took part in, is the answer (the event follows)."""
        status, found = ids(kb, text)
        assert status == "answer"
        assert found[0] == person

    @pytest.mark.parametrize(
        ("text", "not_them"),
        [
            ("the japanese ambassador", "emanuel-rahm"),  # the US Ambassador *to* Japan
            ("who's the US ambassador to china", "emanuel-rahm"),
            ("the illinois governor", "stratton-julia"),  # its lieutenant governor
            ("the expert at the heritage foundation", "sakaki-alexandra"),
            ("the general who met kihara", "kihara-minoru"),  # a person the question names
            ("who is the head of the marine corps", "smith-eric"),  # its assistant commandant
            ("the chinese foreign minister", "kamikawa-yoko"),
        ],
    )
    def test_a_description_no_one_fits_is_not_answered(
        self, kb: KnowledgeBase, text: str, not_them: str
    ) -> None:
        status, found = ids(kb, text)
        assert status != "answer", found
        assert not_them not in found


class TestAcronymsInText:
    def test_an_acronym_the_articles_never_use_is_not_corrected_by_text_search(
        self, kb: KnowledgeBase
    ) -> None:
        """ "QUADD" typed in capitals is not the Quad: only offered."""
        status, _ = ids(kb, "what's the QUADD")
        assert status == "suggestions"
        assert ids(kb, "what's the QUAD") == ("answer", ["term-quad"])

    def test_capitals_everywhere_mark_no_acronym(self, kb: KnowledgeBase) -> None:
        status, found = ids(kb, "WHEN DID THE OSPREY CRASH OFF YAKUSHIMA")
        assert status == "answer"
        assert found[0] == "ev-2023-11-29-osprey-crash-yakushima"
