"""The line between an answer and a "did you mean" (tests/data/calibration_questions.yaml):
things described in other words, whose entry must be the first thing shown (answered, or the
first suggestion), beside questions of the same shape the articles can't answer, which must get
no answer. An item with `miss` is a known miss (strict xfail)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from question_judging import cases

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

DAY = dt.date(2026, 11, 24)
ITEMS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "data" / "calibration_questions.yaml").read_text(
        encoding="utf-8"
    )
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


@pytest.mark.parametrize("item", cases(ITEMS))
def test_first_shown_or_no_answer(kb: KnowledgeBase, item: dict[str, Any]) -> None:
    """The entry the articles give is shown first, as the answer or the first suggestion; a
    question they can't answer gets no answer."""
    result = answer(kb, item["q"], DAY)
    if item["expect"] is None:
        assert result.status != "answer", [e.id for e in result.entries]
        return
    shown = [e.id for e in result.entries] if result.status == "answer" else []
    shown = shown or [s.id for s in result.suggestions]
    assert shown[:1] == [item["expect"]], (result.status, shown)


def test_set_has_both_sides() -> None:
    """As many questions the articles can't answer as ones they can, so that a looser line
    shows here."""
    unanswerable = sum(item["expect"] is None for item in ITEMS)
    assert unanswerable >= len(ITEMS) - unanswerable
