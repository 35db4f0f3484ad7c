"""How a question file of our own (tests/data/*_questions.yaml) is read and judged: each item
gives the entry it must, one of several, or no answer, and a false premise never gets a "yes"."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.snapshot import KnowledgeBase

DATA = Path(__file__).resolve().parent.parent / "data"
DAY = "2026-11-24"


def load_items(name: str) -> list[dict[str, Any]]:
    """The items of one question file under tests/data."""
    items: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text("utf-8"))
    return items


def judge(kb: KnowledgeBase, item: dict[str, Any]) -> None:
    """The expected entry (or one of a list) comes first in an answer; an unanswerable question
    gets none; a false premise (`premise: true`) is never answered "yes"."""
    today = dt.date.fromisoformat(str(item.get("today", DAY)))
    result = answer(kb, item["q"], today)
    if item.get("premise"):
        assert not re.match(r"\W*yes\b", result.body, re.IGNORECASE), result.body
    expect = item["expect"]
    if expect is None:
        assert result.status != "answer", [e.id for e in result.entries]
        return
    wanted = expect if isinstance(expect, list) else [expect]
    assert result.status == "answer", [s.id for s in result.suggestions]
    assert result.entries[0].id in wanted, [e.id for e in result.entries]


def cases(items: list[dict[str, Any]]) -> list[Any]:
    """The items as test parameters, named by their question; one with `miss` is a known miss
    (a strict xfail, so that fixing it shows)."""
    return [
        pytest.param(
            item,
            id=item["q"][:60],
            marks=[pytest.mark.xfail(strict=True, reason=item["miss"])] if "miss" in item else [],
        )
        for item in items
    ]
