"""Natural question kinds on the real knowledge base: role succession, events named loosely as a
time, false premises about a place, and the figures and people a settling entry must have.
Phrasings differ from the natural sets' so these check the kind, not one string."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from alliance_bot.answering.engine import answer
from alliance_bot.answering.periods import read_period
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.answers import answer_context

DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


def ids(kb: KnowledgeBase, text: str) -> tuple[str, list[str]]:
    result = answer(kb, text, DAY)
    return result.status, [e.id for e in result.entries]


class TestSuccession:
    @pytest.mark.parametrize(
        ("text", "holder"),
        [
            ("who was japan's foreign minister before kamikawa yoko", "hayashi-yoshimasa"),
            ("who replaced hayashi as foreign minister", "kamikawa-yoko"),
            ("who became foreign minister after hayashi yoshimasa?", "kamikawa-yoko"),
            ("who was hayashi's successor", "kamikawa-yoko"),
            # No span before Kishida's: Abe's entry calls him "Kishida's predecessor".
            ("who was kishida's predecessor", "abe-shinzo"),
            ("who was the premier before kishida fumio", "abe-shinzo"),
        ],
    )
    def test_adjacent_holder_from_the_spans(
        self, kb: KnowledgeBase, text: str, holder: str
    ) -> None:
        """The holder whose span ends as the named person's begins (or begins as it ends)."""
        assert ids(kb, text) == ("answer", [holder])

    @pytest.mark.parametrize(
        "text", ["who was foreign minister before hayashi", "who succeeded hamada"]
    )
    def test_no_adjacent_holder_is_declined(self, kb: KnowledgeBase, text: str) -> None:
        """The articles show no one just before Hayashi, and a gap after Hamada: no answer."""
        assert ids(kb, text)[0] != "answer"


class TestRoleAtAnEvent:
    def test_event_named_loosely(self, kb: KnowledgeBase) -> None:
        """ "the Quad get-together in New York" is one of several New York meetings that week;
        all fall in one holder's time, so she is the answer."""
        status, found = ids(
            kb, "who was foreign minister at the time of the quad talks in new york"
        )
        assert (status, found) == ("answer", ["kamikawa-yoko"])

    def test_month_shared_by_two_holders_is_declined(self, kb: KnowledgeBase) -> None:
        """September 2023 had two foreign ministers: neither held it the whole month."""
        assert ids(kb, "who was foreign minister in september 2023")[0] != "answer"


class TestFalsePremises:
    def test_wrong_place_gets_the_entry_with_the_right_one(self, kb: KnowledgeBase) -> None:
        """The entry that places the crash off Yakushima answers, says so, and never "yes"."""
        result = answer(kb, "did that osprey go down off okinawa", DAY)
        assert result.status == "answer"
        assert result.entries[0].id == "ev-2023-11-29-osprey-crash-yakushima"
        assert "place this at Yakushima" in answer_context(result)
        assert not re.match(r"\W*yes\b", result.body, re.IGNORECASE)

    def test_place_elsewhere_is_not_when_it_happened(self, kb: KnowledgeBase) -> None:
        """Biden met Kishida in San Francisco, not Tokyo: no date is given for a Tokyo visit."""
        assert ids(kb, "when did biden go to tokyo")[0] != "answer"

    def test_count_in_another_year_is_not_the_count(self, kb: KnowledgeBase) -> None:
        """The 2023 crash's death toll does not say how many crashed in 2021."""
        assert ids(kb, "how many ospreys crashed in 2021")[0] != "answer"

    def test_a_person_entry_must_name_everyone_asked(self, kb: KnowledgeBase) -> None:
        """Putin's entry does not settle whether Biden met him."""
        assert ids(kb, "did biden ever meet putin?")[0] != "answer"


class TestWeeks:
    @pytest.mark.parametrize(
        ("text", "first", "last"),
        [
            ("the third week of october 2023", dt.date(2023, 10, 15), dt.date(2023, 10, 21)),
            ("2nd week of september 2023", dt.date(2023, 9, 8), dt.date(2023, 9, 14)),
            ("last week of november 2023", dt.date(2023, 11, 24), dt.date(2023, 11, 30)),
        ],
    )
    def test_nth_week_of_a_month(self, text: str, first: dt.date, last: dt.date) -> None:
        """Weeks of a month are read as days 1-7, 8-14 …; the last week is its last 7 days."""
        period = read_period(text, DAY)
        assert period is not None
        assert (period.first, period.last) == (first, last)

    def test_events_in_a_week(self, kb: KnowledgeBase) -> None:
        """Events dated to a day of the week come first; after them, only events the articles
        date no closer than September 2023 itself."""
        status, found = ids(kb, "what went on in the 2nd week of september 2023")
        assert status == "answer"
        assert found
        dates = [getattr(kb.get(i), "date", None) for i in found]
        assert dates[0] is not None
        assert dates[0].precision == "day"
        for date in dates:
            assert date is not None
            if date.precision == "day":
                assert dt.date(2023, 9, 8) <= date.first_day() <= dt.date(2023, 9, 14)
            else:
                assert (date.first_day(), date.last_day()) == (
                    dt.date(2023, 9, 1),
                    dt.date(2023, 9, 30),
                )


class TestMoreDates:
    @pytest.mark.parametrize(
        ("text", "first", "last"),
        [
            # 24 November 2026 is a Tuesday.
            ("last friday", dt.date(2026, 11, 20), dt.date(2026, 11, 20)),
            ("last tuesday", dt.date(2026, 11, 17), dt.date(2026, 11, 17)),
            ("next monday", dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
            ("the last 3 months of 2023", dt.date(2023, 10, 1), dt.date(2023, 12, 31)),
            ("first two months of 2024", dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
        ],
    )
    def test_weekdays_and_months_of_a_year(self, text: str, first: dt.date, last: dt.date) -> None:
        period = read_period(text, DAY)
        assert period is not None
        assert (period.first, period.last) == (first, last)

    def test_day_first_numeric_date(self, kb: KnowledgeBase) -> None:
        """ "29/11/2023" can only be day first."""
        assert ids(kb, "anything on 29/11/2023?") == (
            "answer",
            ["ev-2023-11-29-osprey-crash-yakushima"],
        )

    def test_dash_before_the_ask(self, kb: KnowledgeBase) -> None:
        """ "first week of november 2023 — anything?" is the period, not a text search."""
        status, found = ids(kb, "first week of november 2023 — anything?")
        assert status == "answer"
        assert found
        assert found[0].startswith("ev-2023-11-0")


class TestComparisons:
    def test_order_compares_events(self, kb: KnowledgeBase) -> None:
        """ "before or after the reshuffle" means the reshuffle event, not the fact about it."""
        status, found = ids(kb, "was the osprey crash before or after kishida's reshuffle?")
        assert status == "answer"
        assert found == [
            "ev-2023-09-kishida-cabinet-shuffle",
            "ev-2023-11-29-osprey-crash-yakushima",
        ]

    def test_people_stay_people(self, kb: KnowledgeBase) -> None:
        """A named person is compared as the person even when order is asked."""
        status, found = ids(kb, "hayashi vs kamikawa - who held foreign minister first?")
        assert status == "answer"
        assert set(found) == {"hayashi-yoshimasa", "kamikawa-yoko"}


class TestSettling:
    def test_unknown_place_in_a_yes_no_is_a_premise(self, kb: KnowledgeBase) -> None:
        """A place the articles never name ("Jakarta") is checked against the entry's own."""
        result = answer(kb, "did kishida, harris and marcos meet in jakarta?", DAY)
        assert result.status == "answer"
        assert result.entries[0].id == "ev-2023-09-06-kishida-harris-marcos"
        assert "place this at Indonesia" in answer_context(result)

    def test_year_the_entry_states_fits(self, kb: KnowledgeBase) -> None:
        """ "since 2002" is in the poll's own words, so the poll answers, without a date note."""
        result = answer(kb, "what had its second-highest support since 2002", DAY)
        assert result.status == "answer"
        assert result.entries[0].id == "fact-us-poll-63-percent-support-bases"
        assert "date this" not in answer_context(result)


class TestParticipantsAndTopics:
    def test_people_words_at_an_event_ask_for_its_participants(self, kb: KnowledgeBase) -> None:
        """ "who were the ministers at …" is not a role at a time: the event and its people."""
        status, found = ids(kb, "who were the ministers at the quad foreign ministers meeting")
        assert status == "answer"
        assert found[0] == "ev-2023-09-22-quad-foreign-ministers-new-york"
        assert "kamikawa-yoko" in found

    def test_topic_within_a_named_month(self, kb: KnowledgeBase) -> None:
        """ "Henoko news in January 2024": the month's events the topic covers."""
        assert ids(kb, "henoko updates in january 2024?") == (
            "answer",
            ["ev-2024-01-henoko-construction-starts"],
        )


class TestFigures:
    def test_currency_asked_is_a_unit_not_a_word(self, kb: KnowledgeBase) -> None:
        """ "in euros" asks for the amount in euros: the buildup's fact states one."""
        assert ids(kb, "how much is the five-year buildup in euros?") == (
            "answer",
            ["fact-320-billion-buildup"],
        )

    def test_currency_the_entry_lacks_is_declined(self, kb: KnowledgeBase) -> None:
        """The articles give no amount in yen."""
        assert ids(kb, "how much is the five-year buildup in yen?")[0] != "answer"

    def test_a_rank_is_not_a_count(self, kb: KnowledgeBase) -> None:
        """ "the third meeting" does not say how many countries are in the Quad."""
        status, found = ids(kb, "how many countries are in the quad")
        assert "fact-quad-senior-cyber-group-third-meeting" not in found[:1] or status != "answer"

    def test_share_asked_is_answered_by_a_share(self, kb: KnowledgeBase) -> None:
        """ "what proportion of" asks for a share: only entries stating one compete, and the
        frame words are not words the entry must use."""
        assert ids(kb, "what proportion of public spending does the defense ministry get?") == (
            "answer",
            ["fact-defense-ministry-tenth-of-spending"],
        )


class TestDescriptions:
    @pytest.mark.parametrize(
        ("text", "person"),
        [
            # Both lieutenant governors' summaries name the delegation; one title names Minnesota.
            ("the minnesota lieutenant governor who visited tokyo", "flanagan-peggy"),
            # Peterson's title is the Business Council's chairman; Clark's summary names it.
            ("the chairman of the business council that met kishida", "peterson-douglas"),
            # "official" only says the person holds an office.
            ("the US official who signed the disinformation memorandum", "allen-elizabeth"),
        ],
    )
    def test_the_title_carrying_the_description_wins(
        self, kb: KnowledgeBase, text: str, person: str
    ) -> None:
        status, found = ids(kb, text)
        assert (status, found[:1]) == ("answer", [person])

    def test_a_junior_title_is_not_the_office_asked(self, kb: KnowledgeBase) -> None:
        """The METI minister is Nishimura, not METI's vice-minister for international affairs."""
        assert ids(kb, "the METI minister")[1][:1] != ["hosaka-shin"]


class TestChatAroundAQuestion:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("can anyone explain the entity list to me", "term-entity-list"),
            ("anybody know who jake sullivan is?", "sullivan-jake"),
            ("for my notes i need the date of the hiroshima g7", "ev-2023-05-g7-hiroshima-summit"),
            ("need a short overview of the entity list please", "term-entity-list"),
            ("what even is the entity list", "term-entity-list"),
            ("who's penny wong btw", "wong-penny"),
        ],
    )
    def test_requests_and_indirect_questions(
        self, kb: KnowledgeBase, text: str, expected: str
    ) -> None:
        """A request worded as a question is not a yes/no; "who X is" is "who is X"."""
        status, found = ids(kb, text)
        assert (status, found[:1]) == ("answer", [expected])

    def test_common_words_are_not_corrected(self, kb: KnowledgeBase) -> None:
        """ "mayor" is a word of its own, not a misspelt "major"; a real typo is still mended."""
        from alliance_bot.answering.questions import parse_question

        asked = parse_question("who is the mayor of the goverment", kb=kb, today=DAY)
        assert dict(asked.corrections) == {"goverment": "government"}
        assert ids(kb, "who is the mayor of osaka")[0] != "answer"

    def test_two_words_typed_as_one(self, kb: KnowledgeBase) -> None:
        assert ids(kb, "who is japan's primeminister") == ("answer", ["kishida-fumio"])

    def test_a_different_word_is_not_a_typo_of_a_name(self, kb: KnowledgeBase) -> None:
        """ "the best prime minister" is close to "prime minister abe" as letters go; it is
        not his name, so nothing is answered."""
        assert ids(kb, "who is the best prime minister")[0] != "answer"


class TestComparisonForms:
    @pytest.mark.parametrize(
        "text",
        [
            "the osprey crash or the camp david summit, which came first?",
            "which happened earlier, the osprey crash or the camp david summit",
            "the osprey crash and the camp david summit - which was first",
        ],
    )
    def test_which_came_first_around_the_pair(self, kb: KnowledgeBase, text: str) -> None:
        assert ids(kb, text) == (
            "answer",
            ["ev-2023-08-camp-david-trilateral-summit", "ev-2023-11-29-osprey-crash-yakushima"],
        )

    def test_how_is_one_different_from_the_regular_one(self, kb: KnowledgeBase) -> None:
        status, found = ids(kb, "how does the economic 2+2 differ from the normal 2+2?")
        assert status == "answer"
        assert set(found) == {"term-economic-two-plus-two", "term-two-plus-two"}

    def test_one_stands_for_the_first_side(self, kb: KnowledgeBase) -> None:
        """ "his April 2024 one" is Kishida's April 2024 trip: the date tells them apart."""
        from alliance_bot.answering.questions import parse_question

        asked = parse_question("kishida's jan 2023 trip vs his april 2024 one", kb=kb, today=DAY)
        assert (asked.form, asked.topic) == ("compare", "kishida's april 2024 trip")
        asked = parse_question("which was bigger, the 2022 or the 2027 budget", kb=kb, today=DAY)
        assert (asked.subject, asked.topic) == ("the 2022 budget", "the 2027 budget")


class TestYesNoPremises:
    def test_a_role_given_to_someone_else(self, kb: KnowledgeBase) -> None:
        """The person's entry settles it, with the holder after; never a "yes"."""
        result = answer(kb, "is hamada japan's foreign minister?", DAY)
        found = [e.id for e in result.entries]
        assert found[0] == "hamada-yasukazu"
        assert "hayashi-yoshimasa" in found
        assert "role as Minister of Defense" in answer_context(result)
        assert not re.match(r"\W*yes\b", result.body, re.IGNORECASE)

    def test_a_role_the_person_holds(self, kb: KnowledgeBase) -> None:
        assert ids(kb, "is blinken america's secretary of state") == ("answer", ["blinken-antony"])

    def test_a_wrong_month(self, kb: KnowledgeBase) -> None:
        result = answer(kb, "was the hiroshima g7 summit in june 2023?", DAY)
        assert [e.id for e in result.entries][:1] == ["ev-2023-05-g7-hiroshima-summit"]
        assert "the articles date this May 2023" in answer_context(result)

    def test_a_wrong_count(self, kb: KnowledgeBase) -> None:
        result = answer(kb, "did 5 crew die when the osprey crashed", DAY)
        assert [e.id for e in result.entries][:1] == ["fact-osprey-crash-eight-killed"]
        assert "the articles give eight crew killed" in answer_context(result)

    def test_a_place_after_to(self, kb: KnowledgeBase) -> None:
        """A place the articles never name, after "to": the entry with its own place."""
        result = answer(kb, "will the MLR be sent to sapporo?", DAY)
        assert [e.id for e in result.entries][:1] == ["term-mlr"]
        assert "place this at Okinawa" in answer_context(result)

    def test_frame_words_are_not_key_words(self, kb: KnowledgeBase) -> None:
        assert ids(kb, "is japan a member of the quad?")[1][:1] == ["term-quad"]


class TestSwappedLetters:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("who is the defence minsiter of japan", "hamada-yasukazu"),
            ("when did the osprey crash hapepn", "ev-2023-11-29-osprey-crash-yakushima"),
            ("whats the economic 2+2 agian", "term-economic-two-plus-two"),
        ],
    )
    def test_two_neighbouring_letters_swapped_are_one_typo(
        self, kb: KnowledgeBase, text: str, expected: str
    ) -> None:
        """The commonest slip of the fingers ("minsiter", "hapepn"; "agian" for the filler
        "again") costs one edit, not two, so it is mended like any other typo."""
        status, found = ids(kb, text)
        assert status == "answer"
        assert expected in found
