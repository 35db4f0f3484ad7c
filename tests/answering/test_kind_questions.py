"""Our own questions of the kinds periods, comparisons, roles, descriptions and who took part
(tests/data/kind_questions.yaml): each gives the entry it must, or no answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

ITEMS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "data" / "kind_questions.yaml").read_text("utf-8")
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


@pytest.mark.parametrize("item", ITEMS, ids=[i["q"] for i in ITEMS])
def test_kind_question(kb: KnowledgeBase, item: dict[str, Any]) -> None:
    """The expected entry comes first in an answer; an unanswerable question gets none."""
    today = dt.date.fromisoformat(str(item.get("today", "2026-11-24")))
    result = answer(kb, item["q"], today)
    if item["expect"] is None:
        assert result.status != "answer", [e.id for e in result.entries]
    else:
        assert result.status == "answer"
        assert result.entries[0].id == item["expect"]
