"""The answer engine and a refresh: the engine's per-snapshot tables never keep an old snapshot
alive, and the holder's `prepare` hook works them out for a new snapshot before it is swapped in,
without changing any answer."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from pathlib import Path

import pytest

from alliance_bot.answering import answer, prepare_snapshot
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.release import Releaser
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.testing.sample_kb import write_sample_kb

TODAY = dt.date(2024, 6, 1)
# Questions that read whole-snapshot tables: people's name words, places, titles, day lists.
QUESTIONS = (
    "who is Hamada",
    "who is the defense minister",
    "what happened off Yakushima",
    "Osprey crash",
    "what happened in 2023",
    "what is SOFA",
)


def _answers(kb: KnowledgeBase) -> list[object]:
    return [answer(kb, text, TODAY) for text in QUESTIONS]


class TestRefreshSnapshots:
    def test_answered_snapshot_is_still_released_after_two_swaps(self, tmp_path: Path) -> None:
        """Questions answered from a snapshot leave nothing holding it: two swaps later the
        releaser takes it apart and it is freed (the engine's caches once kept every old
        snapshot alive, so the releaser waited, then left 100,000 entries to one cascade)."""
        kb_dir = write_sample_kb(tmp_path)
        releaser = Releaser(patience=1.0)
        holder = KnowledgeHolder(load_knowledge(kb_dir), kb_dir, releaser=releaser)
        holder.prepare = prepare_snapshot
        _answers(holder.current)
        first = weakref.ref(holder.current)
        holder.install(load_knowledge(kb_dir))
        _answers(holder.current)
        holder.install(load_knowledge(kb_dir))
        assert releaser.wait(timeout=30)
        gc.collect()
        assert first() is None
        assert releaser.dismantled == 1

    def test_prepare_runs_on_the_new_snapshot_before_the_swap(self, tmp_path: Path) -> None:
        kb_dir = write_sample_kb(tmp_path)
        holder = KnowledgeHolder(load_knowledge(kb_dir), kb_dir)
        old = holder.current
        seen: list[tuple[KnowledgeBase, KnowledgeBase]] = []
        holder.prepare = lambda fresh: seen.append((fresh, holder.current))
        swap = holder.reload()
        assert seen == [(swap.current, old)]  # prepared while questions still read the old one
        assert holder.current is swap.current

    def test_broken_edit_keeps_the_running_base_and_prepares_nothing(self, tmp_path: Path) -> None:
        kb_dir = write_sample_kb(tmp_path)
        holder = KnowledgeHolder(load_knowledge(kb_dir), kb_dir)
        running = holder.current
        prepared: list[KnowledgeBase] = []
        holder.prepare = prepared.append
        people = kb_dir / "people.yaml"
        people.write_text(people.read_text().replace("    summary:", "    summery:", 1))
        with pytest.raises(KnowledgeBaseInvalid):
            holder.reload()
        assert holder.current is running
        assert prepared == []
        assert answer(holder.current, "who is Hamada", TODAY).entries

    def test_prepared_snapshot_answers_as_an_unprepared_one(self, tmp_path: Path) -> None:
        kb_dir = write_sample_kb(tmp_path)
        prepared, plain = load_knowledge(kb_dir), load_knowledge(kb_dir)
        prepare_snapshot(prepared)
        assert _answers(prepared) == _answers(plain)
