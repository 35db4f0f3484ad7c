"""The natural-phrasing question sets (tests/data/natural_questions_*.yaml), written by reading
the articles, the way people type in Slack. Thresholds were chosen on `split: dev`; the rates
asserted here are on `split: test`, and both are printed.

The issue's target is 92% on the test half with no answer to an unanswerable question; the
floors below are what the engine reaches today (see docs/answering.md), so a change that makes
it worse fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_TODAY = dt.date(2026, 11, 24)
TEST_FLOOR = 0.87  # 519/595 (87.2%) in the thirteenth pass (was 516); see docs/answering.md
TEST_FALSE_ANSWERS_CEILING = 0


def load_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("natural_questions_*.yaml")):
        items.extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    return items


def judge(item: dict[str, Any], kb: Any) -> tuple[bool, bool]:
    """(answered as expected, a false answer to an unanswerable question)."""
    today = item.get("today") or DEFAULT_TODAY
    today = dt.date.fromisoformat(today) if isinstance(today, str) else today
    result = answer(kb, item["q"], today)
    ids = [e.id for e in result.entries]
    if item.get("false_premise") and re.match(r"\W*yes\b", result.body, re.IGNORECASE):
        return False, True  # a wrong year or place is never confirmed
    if "expect_any" in item:
        return result.status == "answer" and ids[:1] != [] and ids[0] in item["expect_any"], False
    if item["expect"] is None:
        return result.status != "answer", result.status == "answer"
    return result.status == "answer" and ids[:1] == [item["expect"]], False


@pytest.fixture(scope="module")
def rates() -> dict[str, tuple[int, int, int]]:
    kb = load_knowledge(default_knowledge_dir())
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for item in load_items():
        ok, wrong = judge(item, kb)
        passed[item["split"]] += ok
        total[item["split"]] += 1
        false[item["split"]] += wrong
    for split in ("dev", "test"):
        print(
            f"\nnatural {split}: {passed[split]}/{total[split]} "
            f"({passed[split] / total[split]:.1%}), false answers: {false[split]}"
        )
    return {s: (passed[s], total[s], false[s]) for s in total}


class TestNaturalSet:
    def test_set_is_large_and_split(self) -> None:
        """At least 400 questions, 80 of them unanswerable, split into dev and test halves."""
        items = load_items()
        assert len(items) >= 400
        assert sum(1 for i in items if "expect" in i and i["expect"] is None) >= 80
        splits = Counter(i["split"] for i in items)
        assert set(splits) == {"dev", "test"}
        assert min(splits.values()) >= 150

    def test_held_out_half(self, rates: dict[str, tuple[int, int, int]]) -> None:
        """The test half is answered at least as well as today (rates printed)."""
        passed, total, false = rates["test"]
        assert passed / total >= TEST_FLOOR
        assert false <= TEST_FALSE_ANSWERS_CEILING

    def test_dev_half_has_no_false_answers(self, rates: dict[str, tuple[int, int, int]]) -> None:
        """No answer to an unanswerable question on the half the rules were chosen on either."""
        assert rates["dev"][2] == 0
