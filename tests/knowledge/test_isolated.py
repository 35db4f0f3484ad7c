"""Loading in a child process (what a refresh of a large base does): the same snapshot, the same
problems, and the cache written by the child."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.isolated import load_isolated
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Person
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.testing.sample_kb import write_sample_kb


class TestLoadIsolated:
    def test_same_snapshot_as_in_process(self, tmp_path: Path) -> None:
        """The child's snapshot has the same version, entries and index as a load here."""
        kb_dir = write_sample_kb(tmp_path)
        here, there = load_knowledge(kb_dir), load_isolated(kb_dir)
        assert there.version == here.version
        assert sorted(there.entries) == sorted(here.entries)
        assert there.index.names.exact("hamada")[0].entry_id == "hamada-yasukazu"

    def test_problems_come_back_with_their_lines(self, tmp_path: Path) -> None:
        """An invalid base raises KnowledgeBaseInvalid here, each problem with file and line."""
        kb_dir = write_sample_kb(tmp_path)
        people = kb_dir / "people.yaml"
        people.write_text(people.read_text().replace("    summary:", "    summery:", 1))
        with pytest.raises(KnowledgeBaseInvalid) as caught:
            load_isolated(kb_dir)
        (problem,) = [p for p in caught.value.problems if "summery" in p.message]
        assert problem.file == "knowledge/people.yaml"
        assert problem.line is not None
        assert problem.message == "summery: unknown key"

    def test_child_writes_the_cache(self, tmp_path: Path) -> None:
        """A refresh's load leaves its snapshot in the cache, for the next start."""
        kb_dir = write_sample_kb(tmp_path)
        cache = SnapshotCache(tmp_path / "cache")
        load_isolated(kb_dir, cache=cache)
        assert len(list(cache.directory.glob("*.snapshot"))) == 1


class TestHolderIsolates:
    def test_reload_above_the_threshold_goes_through_a_child(self, tmp_path: Path) -> None:
        """With isolate_above=0 every reload loads in a child and swaps in what it loaded."""
        kb_dir = write_sample_kb(tmp_path)
        holder = KnowledgeHolder(load_knowledge(kb_dir), kb_dir, isolate_above=0)
        people = kb_dir / "people.yaml"
        people.write_text(people.read_text().replace("in Washington.", "in Washington, twice.", 1))
        swap = holder.reload()
        hamada = swap.current.get("hamada-yasukazu", Person)
        assert hamada is not None
        assert "twice" in hamada.summary
        assert holder.current is swap.current
