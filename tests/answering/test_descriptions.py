"""People by description (`answering/descriptions.py`), the one way a description reaches a
person: by the titles or entry that carry it, by every title word of it and of what the role
is of, or, for "the guy who …", by the text rules. Phrasings are our own."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_bot.answering.engine import _Asker, answer
from alliance_bot.answering.questions import parse_question
from alliance_bot.answering.titles import _ALIKE, _whose
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Person
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import stem
from alliance_bot.testing.sample_kb import write_sample_kb

DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


class TestOneWayIn:
    @pytest.mark.parametrize(
        ("text", "person"),
        [
            # By the titles: one trade under three names (correspondent, reporter, journalist).
            ("who is the Deutsche Welle correspondent", "fritz-martin"),
            ("the DW journalist?", "fritz-martin"),
            ("the NHK reporter?", "ishii-yusaku"),
            ("who was the illinois lieutenant governor", "stratton-julia"),
            ("the minnesota lt governor?", "flanagan-peggy"),
            # By the titles and the event the rest of the question names.
            ("the NHK journalist who interviewed Blinken", "ishii-yusaku"),
            ("the US deputy envoy for north korea", "pak-jung"),
            # Only a person is meant: the text rules find them.
            ("the guy who wrote the dw piece", "fritz-martin"),
        ],
    )
    def test_a_description_names_one_person(
        self, kb: KnowledgeBase, text: str, person: str
    ) -> None:
        """The person the description names comes first."""
        result = answer(kb, text, DAY)
        assert result.status == "answer"
        assert result.entries[0].id == person

    @pytest.mark.parametrize(
        "text",
        [
            "who is the ambassador to France",
            "the Brazilian defense minister",
            "the DW editor-in-chief",
        ],
    )
    def test_no_one_fits_is_no_answer(self, kb: KnowledgeBase, text: str) -> None:
        """A description no title or entry carries answers no one."""
        assert answer(kb, text, DAY).status != "answer"


# Titles whose words are read across words (a stray full stop left "United. States", which
# reads as "us" once punctuation is gone) or spelt as the term they name ("MCU" is the Marine
# Coastal Unit), added to the sample base.
_TITLED = """
  - id: doe-jane
    name: Jane Doe
    roles:
      - title: Envoy of the United. States
    summary: An envoy.
    sources:
      - file: seeds/900_sample.txt
        evidence: "The Marine Littoral Regiment (MLR) is a mobile Marine Corps unit."
  - id: roe-john
    name: John Roe
    roles:
      - title: Commander, MCU
    summary: A commander.
    sources:
      - file: seeds/900_sample.txt
        evidence: "The Marine Littoral Regiment (MLR) is a mobile Marine Corps unit."
"""

_TERM = """
  - id: term-mcu
    term: Marine Coastal Unit
    aliases: [MCU]
    definition: A unit.
    sources:
      - file: seeds/900_sample.txt
        evidence: "a mobile Marine Corps unit."
"""


@pytest.fixture(scope="module")
def titled_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    knowledge = write_sample_kb(tmp_path_factory.mktemp("kb"))
    people = knowledge / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + _TITLED, encoding="utf-8")
    terms = knowledge / "terms.yaml"
    terms.write_text(terms.read_text(encoding="utf-8") + _TERM, encoding="utf-8")
    return load_knowledge(knowledge)


class TestPeopleByTitleWords:
    @pytest.mark.parametrize("base", ["kb", "titled_kb"])
    def test_every_person_a_title_word_fits_is_read(
        self, base: str, request: pytest.FixtureRequest
    ) -> None:
        """The people read for a title word include everyone whose titles carry it as a
        description's title words are matched: the word itself (as `role_key` spells the
        title: "MCU" is its unit), a country before any "to" (even "United. States"), or a rank
        alike to it."""
        kb: KnowledgeBase = request.getfixturevalue(base)
        asker = asker_of(kb)
        checked = 0
        for person in kb.of_kind("person"):
            assert isinstance(person, Person)
            own = asker.titles_of(person)[1]
            alike = {w for w, same in _ALIKE.items() if same & own}
            for word in own | _whose(person) | alike:
                assert person.id in asker.titled(frozenset({word})), (person.id, word)
                checked += 1
        assert checked > 10

    def test_only_people_with_the_words_are_read(self, kb: KnowledgeBase) -> None:
        """Not everyone: a description's title words narrow whose titles are checked."""
        holders = asker_of(kb).titled(frozenset({stem("ambassador")}))
        assert 0 < len(holders) < len(kb.of_kind("person")) // 2

    def test_the_words_read_across_and_as_terms(self, titled_kb: KnowledgeBase) -> None:
        """ "United. States" is read as "us", "MCU" as the unit's words."""
        asker = asker_of(titled_kb)
        assert "doe-jane" in asker.titled(frozenset({"us"}))
        assert "roe-john" in asker.titled(frozenset({stem("coastal")}))


def asker_of(kb: KnowledgeBase) -> _Asker:
    return _Asker(kb, parse_question("who is the US ambassador"), DAY)
