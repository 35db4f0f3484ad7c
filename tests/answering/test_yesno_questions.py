"""Our own yes/no and why/how questions (tests/data/yesno_questions.yaml), in shapes of our
own: a count asked as "any", a false place or year, a why asked through a will or a need.
Each gives the entry that settles it, or no answer, and a false premise never gets a "yes"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from question_judging import judge, load_items

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

ITEMS = load_items("yesno_questions.yaml")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


@pytest.mark.parametrize("item", ITEMS, ids=[i["q"] for i in ITEMS])
def test_yesno_question(kb: KnowledgeBase, item: dict[str, Any]) -> None:
    """The entry that settles it comes first; no answer where the articles can't give one."""
    judge(kb, item)


def test_each_shape_has_questions_the_articles_cannot_answer() -> None:
    """Rules that answer more must still decline close questions, and never confirm a false
    premise: the file holds both."""
    assert len(ITEMS) >= 30
    assert sum(1 for i in ITEMS if i["expect"] is None) >= 10
    assert sum(1 for i in ITEMS if i.get("premise")) >= 6


@pytest.mark.parametrize(
    "text",
    [
        "was the economic 2+2 ministerial held in washington in november",
        "did the economic 2+2 meet in tokyo",
    ],
)
def test_a_number_in_a_name_is_no_count_asked(kb: KnowledgeBase, text: str) -> None:
    """The 2s of "2+2" name the dialogue; they are no count for a fact to correct."""
    result = answer(kb, text, dt.date(2026, 11, 24))
    assert result.status == "answer"
    assert not any("the articles give" in str(part) for part in result.note), result.note
