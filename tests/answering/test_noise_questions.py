"""Our own questions typed with chat's noise (tests/data/noise_questions.yaml): typos in words
and names, words run together, chat abbreviations, emoji, Slack formatting, capitals, chat
around the question. Each gives the entry it must, or no answer."""

from __future__ import annotations

from typing import Any

import pytest
from question_judging import judge, load_items

from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

ITEMS = load_items("noise_questions.yaml")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


@pytest.mark.parametrize("item", ITEMS, ids=[i["q"] for i in ITEMS])
def test_noise_question(kb: KnowledgeBase, item: dict[str, Any]) -> None:
    """The expected entry comes first in an answer; an unanswerable question gets none."""
    judge(kb, item)
