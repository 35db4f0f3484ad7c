"""People by description (`answering/descriptions.py`), the one way a description reaches a
person: by the titles or entry that carry it, by every title word of it and of what the role
is of, or, for "the guy who …", by the text rules. Phrasings are our own."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

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
