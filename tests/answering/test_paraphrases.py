"""Paraphrases and why/how questions (tests/data/paraphrase_questions.yaml): things named in
other words than the articles use, and reasons asked for, in our own phrasings (none is from the
natural sets), with close questions the articles can't answer. An item with `miss` is a known
miss, kept so that fixing it shows (strict xfail); every other item must give its entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from question_judging import cases

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.lexicon import Lexicon, LexiconEntry
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

DAY = dt.date(2026, 11, 24)
DATA = Path(__file__).resolve().parent.parent / "data"
# Our own phrasings: paraphrases and why/how (eighth pass), descriptions and purpose (ninth).
ITEMS: list[dict[str, Any]] = [
    item
    for name in ("paraphrase_questions.yaml", "description_questions.yaml")
    for item in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


class TestParaphrases:
    @pytest.mark.parametrize("item", cases(ITEMS))
    def test_entry_or_no_answer(self, kb: KnowledgeBase, item: dict[str, Any]) -> None:
        """An answerable question gives its entry first; one the articles can't answer gets
        no answer (suggestions at most)."""
        result = answer(kb, item["q"], DAY)
        wanted = item.get("expect_any") or ([item["expect"]] if item.get("expect") else None)
        if wanted is None:
            assert result.status != "answer", [e.id for e in result.entries]
        else:
            assert result.status == "answer", [s.id for s in result.suggestions]
            assert result.entries[0].id in wanted

    def test_set_has_both_sides(self) -> None:
        """The set has answerable questions and at least five close ones that are not."""
        unanswerable = [i for i in ITEMS if "expect_any" not in i and i.get("expect") is None]
        assert len(unanswerable) >= 5
        assert len(ITEMS) - len(unanswerable) >= 25


class TestLexiconPhrases:
    def test_a_phrase_matches_its_plural_and_possessive(self) -> None:
        """A `say` phrase is rewritten however the question writes its number or a possessive;
        a longer word that merely starts with the phrase is left alone."""
        lexicon = Lexicon(
            [
                LexiconEntry(id="warplane", say=("warplane",), means="fighter jet"),
                LexiconEntry(id="aid", say=("aid package",), means="supplemental bill"),
                LexiconEntry(id="box", say=("box",), means="crate"),
            ]
        )
        assert lexicon.rewrite("two warplanes") == "two fighter jet"
        assert lexicon.rewrite("the aid packages passed") == "the supplemental bill passed"
        assert lexicon.rewrite("the warplane's engine") == "the fighter jet engine"
        assert lexicon.rewrite("boxes and a box") == "crate and a crate"
        assert lexicon.rewrite("warplanesque") == "warplanesque"
