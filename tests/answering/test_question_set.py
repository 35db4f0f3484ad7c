"""The evaluation question set: ≥ 95% answered as expected, and nothing the articles can't answer
gets an entry presented as its answer.

Expectations in tests/data/questions.yaml were written from the knowledge base and the articles,
not copied from the engine's output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

QUESTIONS = Path(__file__).resolve().parent.parent / "data" / "questions.yaml"
DEFAULT_TODAY = dt.date(2026, 11, 24)


@dataclass(frozen=True)
class Outcome:
    question: str
    ok: bool
    unanswerable: bool
    got: str


def _judge(kb: KnowledgeBase, item: dict[str, Any]) -> Outcome:
    today = item.get("today") or DEFAULT_TODAY
    today = dt.date.fromisoformat(today) if isinstance(today, str) else today
    result = answer(kb, item["q"], today)
    ids = [e.id for e in result.entries]
    got = f"{result.status} {ids[:3]}"
    if "expect_any" in item:
        ok = result.status == "answer" and bool(set(ids) & set(item["expect_any"]))
        return Outcome(item["q"], ok, False, got)
    expected = item["expect"]
    if expected is None:
        return Outcome(item["q"], result.status != "answer", True, got)
    return Outcome(item["q"], result.status == "answer" and ids[:1] == [expected], False, got)


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    kb = load_knowledge(default_knowledge_dir())
    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [_judge(kb, item) for item in items]


class TestQuestionSet:
    def test_set_is_large_and_varied(self, outcomes: list[Outcome]) -> None:
        """At least 150 questions, at least 25 of them ones the articles can't answer."""
        assert len(outcomes) >= 150
        assert sum(o.unanswerable for o in outcomes) >= 25

    def test_pass_rate(self, outcomes: list[Outcome]) -> None:
        """At least 95% of the questions get the expected answer (the rate is printed)."""
        passed = sum(o.ok for o in outcomes)
        rate = passed / len(outcomes)
        print(f"\nquestion set: {passed}/{len(outcomes)} passed ({rate:.1%})")
        for failure in (o for o in outcomes if not o.ok):
            print(f"  FAIL {failure.question!r}: got {failure.got}")
        assert rate >= 0.95

    def test_no_answer_to_unanswerable(self, outcomes: list[Outcome]) -> None:
        """No question the articles can't answer is given an entry as its answer."""
        wrong = [(o.question, o.got) for o in outcomes if o.unanswerable and not o.ok]
        assert wrong == []
