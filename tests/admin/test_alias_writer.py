"""Writing an alias into the YAML: exactly one line changes, whatever the list's layout, and a
write that would break the base is undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_bot.knowledge.aliases import AliasError, add_alias
from alliance_bot.knowledge.diff import diff_knowledge
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.testing.sample_kb import write_sample_kb


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    old, new = before.splitlines(), after.splitlines()
    return [line for line in old if line not in new], [line for line in new if line not in old]


class TestLayouts:
    def test_flow_list(self, tmp_path: Path) -> None:
        """An alias is appended inside `[...]`, the rest of the file byte for byte the same."""
        holder = KnowledgeHolder.load(write_sample_kb(tmp_path))
        path = holder.directory / "people.yaml"
        before = path.read_text("utf-8")
        written = add_alias(holder, "austin-lloyd", "the Pentagon chief")
        assert changed_lines(before, path.read_text("utf-8")) == (
            ["    aliases: [Austin, Secretary Austin]"],
            ["    aliases: [Austin, Secretary Austin, the Pentagon chief]"],
        )
        assert written.file == "knowledge/people.yaml"
        assert "the Pentagon chief" in holder.current.entries["austin-lloyd"].aliases

    def test_block_list_keeps_comments_and_indentation(self, tmp_path: Path) -> None:
        """In a block list the alias becomes a new `- item` line at the same indentation."""
        knowledge = write_sample_kb(tmp_path)
        path = knowledge / "facts.yaml"
        path.write_text(
            path.read_text("utf-8").replace(
                "    aliases: [ospreys grounded]",
                "    # why: people ask it this way\n    aliases:\n      - ospreys grounded",
            ),
            "utf-8",
        )
        holder = KnowledgeHolder.load(knowledge)
        add_alias(holder, "fact-ospreys-grounded", "osprey grounding: how many")
        text = path.read_text("utf-8")
        assert (
            "    # why: people ask it this way\n    aliases:\n      - ospreys grounded\n"
            '      - "osprey grounding: how many"\n    sources:'
        ) in text

    def test_missing_aliases_key_is_added_under_the_id(self, tmp_path: Path) -> None:
        """An entry without `aliases` gets an `aliases: [...]` line right under its id."""
        knowledge = write_sample_kb(tmp_path)
        path = knowledge / "quotes.yaml"
        assert "aliases" not in path.read_text("utf-8")
        holder = KnowledgeHolder.load(knowledge)
        add_alias(holder, "q-austin-coercion", "stand together")
        assert "  - id: q-austin-coercion\n    aliases: [stand together]\n    person:" in (
            path.read_text("utf-8")
        )


class TestSafety:
    def test_invalid_base_restores_the_file(self, tmp_path: Path) -> None:
        """If the base does not validate after the write, the file is put back and nothing swaps."""
        knowledge = write_sample_kb(tmp_path)
        holder = KnowledgeHolder.load(knowledge)
        version = holder.current.version
        (knowledge / "terms.yaml").write_text("terms: [", "utf-8")  # someone mid-edit
        before = (knowledge / "people.yaml").read_bytes()
        with pytest.raises(KnowledgeBaseInvalid):
            add_alias(holder, "austin-lloyd", "the Pentagon chief")
        assert (knowledge / "people.yaml").read_bytes() == before
        assert holder.current.version == version

    @pytest.mark.parametrize(
        ("entry_id", "alias", "message"),
        [("no-such-entry", "x", "no entry"), ("austin-lloyd", "secretary austin", "already")],
    )
    def test_refused_before_any_write(
        self, tmp_path: Path, entry_id: str, alias: str, message: str
    ) -> None:
        """Unknown entries and existing names are refused without touching a file."""
        holder = KnowledgeHolder.load(write_sample_kb(tmp_path))
        with pytest.raises(AliasError, match=message):
            add_alias(holder, entry_id, alias)


class TestDiff:
    def test_added_removed_changed_per_kind_with_counts(self, tmp_path: Path) -> None:
        """The summary lists ids per kind and ends with the counts."""
        knowledge = write_sample_kb(tmp_path)
        old = load_knowledge(knowledge)
        (knowledge / "facts.yaml").write_text("facts: []\n", "utf-8")
        path = knowledge / "people.yaml"
        path.write_text(path.read_text("utf-8").replace("met Austin", "met Lloyd Austin"), "utf-8")
        diff = diff_knowledge(old, load_knowledge(knowledge))
        assert diff.summary().splitlines() == [
            "people — changed 1: hamada-yasukazu",
            "facts — removed 1: fact-ospreys-grounded",
            "In all: 0 added, 1 removed, 1 changed.",
        ]

    def test_long_lists_are_cut_short(self, tmp_path: Path) -> None:
        """More ids than the list shows end in "and N more"."""
        knowledge = write_sample_kb(tmp_path)
        new = load_knowledge(knowledge)
        for name in ("people", "events", "quotes", "facts", "terms"):
            (knowledge / f"{name}.yaml").write_text(f"{name}: []\n", "utf-8")
        diff = diff_knowledge(new, load_knowledge(knowledge))
        assert diff.removed == 7
        assert diff.summary(per_list=1).startswith("people — removed 2: austin-lloyd and 1 more")
