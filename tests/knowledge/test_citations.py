"""Citations are the product: every piece of evidence stands, exactly, in the file it cites.

This reads the shipped YAML and seed files directly — not through the loader — so it would catch a
loader bug that let a bad citation through.
"""

from __future__ import annotations

import pytest
import yaml

from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir

KNOWLEDGE = default_knowledge_dir()
ROOT = KNOWLEDGE.parent


def _squash(text: str) -> str:
    return " ".join(text.split())


def _citations() -> list[tuple[str, str, str, str]]:
    found = []
    for path in sorted(KNOWLEDGE.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section, entries in data.items():
            if section == "lexicon":
                continue  # how people name things: no claims, so nothing to cite
            for entry in entries:
                for citation in entry["sources"]:
                    found.append((path.name, entry["id"], citation["file"], citation["evidence"]))
    return found


CITATIONS = _citations()


class TestShippedKnowledgeBase:
    def test_it_is_valid(self) -> None:
        """The knowledge base we ship passes every check `kb check` makes."""
        kb = load_knowledge(KNOWLEDGE)
        assert len(kb.of_kind("person")) >= 60
        assert len(kb.of_kind("event")) >= 90

    def test_there_are_citations(self) -> None:
        """The evidence test below really has citations to check."""
        assert len(CITATIONS) > 300

    @pytest.mark.parametrize(("yaml_file", "entry_id", "file", "evidence"), CITATIONS)
    def test_evidence_is_verbatim(
        self, yaml_file: str, entry_id: str, file: str, evidence: str
    ) -> None:
        """The evidence is copied exactly (up to runs of white space) from the file it cites."""
        seed = ROOT / file
        assert seed.is_file(), f"{yaml_file} {entry_id}: {file} missing"
        assert _squash(evidence) in _squash(seed.read_text(encoding="utf-8"))

    def test_every_seed_file_has_a_source_entry(self) -> None:
        """Each of the five articles is described in sources.yaml."""
        kb = load_knowledge(KNOWLEDGE)
        files = {f"seeds/{p.name}" for p in (ROOT / "seeds").glob("*.txt")}
        assert files == {s.file for s in kb.of_kind("source")}  # type: ignore[attr-defined]
