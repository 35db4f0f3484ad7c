"""Asking a file of our own questions of one kind (tests/data/*_questions.yaml) and judging the
answers: each item gives the entry that must come first in an answer, or null for no answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.snapshot import KnowledgeBase

DATA = Path(__file__).resolve().parent.parent / "data"


def read_items(name: str) -> list[dict[str, Any]]:
    """The items of tests/data/`name`."""
    items: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text("utf-8"))
    return items


def judge(kb: KnowledgeBase, item: dict[str, Any]) -> None:
    """The expected entry comes first in an answer; an unanswerable question gets none."""
    today = dt.date.fromisoformat(str(item.get("today", "2026-11-24")))
    result = answer(kb, item["q"], today)
    if item["expect"] is None:
        assert result.status != "answer", [e.id for e in result.entries]
    else:
        assert result.status == "answer", (result.status, [e.id for e in result.entries])
        assert result.entries[0].id == item["expect"], [e.id for e in result.entries]
