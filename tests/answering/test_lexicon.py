"""knowledge/lexicon.yaml: every entry changes at least one answer, and a bad entry is reported
with its file, line and id like any other knowledge base problem."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.corpus import Corpus
from alliance_bot.knowledge.lexicon import Lexicon
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase, citation_lines
from alliance_bot.knowledge.text import name_key
from alliance_bot.slack.render.answers import answer_json

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = dt.date(2026, 11, 24)


def _questions() -> list[str]:
    found: list[str] = []
    for path in sorted(DATA.glob("*questions*.yaml")):
        found.extend(item["q"] for item in yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def _without(kb: KnowledgeBase, entry_id: str) -> KnowledgeBase:
    """The same snapshot with one lexicon entry left out (index rebuilt for its equivalences)."""
    lexicon = kb.lexicon.without(entry_id)
    entries = list(kb.entries.values())
    rebuilt = KnowledgeBase.build(
        root=kb.root,
        entries=entries,
        lines=citation_lines(entries, Corpus(kb.root.parent)),
        version=kb.version,
        lexicon=lexicon,
    )
    return rebuilt


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


class TestLexicon:
    def test_every_entry_changes_an_answer(self, kb: KnowledgeBase) -> None:
        """Leaving any one entry out changes the answer to at least one question in our sets."""
        questions = _questions()
        idle = []
        for entry in kb.lexicon.entries:
            words = [name_key(w) for w in (*entry.say, *entry.same)]
            pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")")
            asked = [q for q in questions if pattern.search(name_key(q))]
            without = _without(kb, entry.id)
            changed = any(
                answer_json(answer(kb, q, TODAY)) != answer_json(answer(without, q, TODAY))
                for q in asked
            )
            if not changed:
                idle.append(entry.id)
        assert idle == [], idle

    def test_lexicon_without_is_smaller(self, kb: KnowledgeBase) -> None:
        """`without` drops exactly one entry."""
        first = kb.lexicon.entries[0].id
        assert len(kb.lexicon.without(first).entries) == len(kb.lexicon.entries) - 1
        assert isinstance(Lexicon(), Lexicon)

    def test_bad_entries_are_reported_with_file_and_line(self, tmp_path: Path) -> None:
        """A `means` no entry uses, and an entry of both shapes, are problems naming the line."""
        root = default_knowledge_dir().parent
        shutil.copytree(root / "knowledge", tmp_path / "knowledge")
        shutil.copytree(root / "seeds", tmp_path / "seeds")
        (tmp_path / "knowledge" / "lexicon.yaml").write_text(
            "lexicon:\n"
            "  - id: nowhere\n"
            "    say: [zork]\n"
            "    means: frobnicated\n"
            "  - id: both\n"
            "    say: [a]\n"
            "    means: nuclear\n"
            "    same: [x, y]\n",
            encoding="utf-8",
        )
        with pytest.raises(KnowledgeBaseInvalid) as raised:
            load_knowledge(tmp_path / "knowledge")
        shown = [str(p) for p in raised.value.problems]
        assert any("lexicon.yaml:5 [both]" in p and "not both" in p for p in shown), shown
        # The shape error is reported first; fix it and the vocabulary check names the other.
        text = (tmp_path / "knowledge" / "lexicon.yaml").read_text(encoding="utf-8")
        (tmp_path / "knowledge" / "lexicon.yaml").write_text(
            text.replace("    same: [x, y]\n", ""), encoding="utf-8"
        )
        with pytest.raises(KnowledgeBaseInvalid) as raised:
            load_knowledge(tmp_path / "knowledge")
        shown = [str(p) for p in raised.value.problems]
        assert shown == [
            "knowledge/lexicon.yaml:2 [nowhere]: means: 'frobnicated' is not a word any entry uses"
        ]
