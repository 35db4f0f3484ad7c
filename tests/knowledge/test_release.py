"""Old snapshots are taken apart in the background, and only when nobody is using them."""

from __future__ import annotations

import weakref
from pathlib import Path

from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.release import Releaser
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.testing.sample_kb import write_sample_kb


def _holder(tmp_path: Path, releaser: Releaser) -> tuple[KnowledgeHolder, Path]:
    kb_dir = write_sample_kb(tmp_path)
    return KnowledgeHolder(load_knowledge(kb_dir), kb_dir, releaser=releaser), kb_dir


class TestRelease:
    def test_snapshot_two_swaps_old_is_freed(self, tmp_path: Path) -> None:
        """After two swaps the first snapshot is neither current nor previous: it is taken
        apart and freed; the current and previous ones still answer."""
        releaser = Releaser()
        holder, kb_dir = _holder(tmp_path, releaser)
        first = weakref.ref(holder.current)
        holder.install(load_knowledge(kb_dir))
        holder.install(load_knowledge(kb_dir))
        assert releaser.wait(timeout=30)
        assert first() is None
        assert releaser.dismantled == 1
        assert holder.previous is not None
        for kb in (holder.current, holder.previous):
            assert kb.index.names.exact("hamada")[0].entry_id == "hamada-yasukazu"

    def test_snapshot_still_in_use_is_left_whole(self, tmp_path: Path) -> None:
        """A snapshot a question still holds is never taken apart; it stays fully usable."""
        releaser = Releaser(patience=0.2)
        holder, kb_dir = _holder(tmp_path, releaser)
        in_use: KnowledgeBase = holder.current
        entries = len(in_use.entries)
        holder.install(load_knowledge(kb_dir))
        holder.install(load_knowledge(kb_dir))
        assert releaser.wait(timeout=30)
        assert releaser.dismantled == 0
        assert len(in_use.entries) == entries
        assert in_use.index.names.exact("hamada")[0].entry_id == "hamada-yasukazu"
        assert in_use.index.text("Osprey crash")
