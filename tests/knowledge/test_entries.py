"""Entries stored compactly in a snapshot: a snapshot read from the cache or from a refresh's
child makes no model until one is read, reads the same entries as the loaded one, and a refresh
or a start makes them all before (or while) they are needed."""

from __future__ import annotations

import datetime as dt
import gc
import pickle
from pathlib import Path

import pytest

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event, Person, Quote
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.testing.sample_kb import write_sample_kb


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return write_sample_kb(tmp_path / "base")


def _from_cache(kb_dir: Path, cache_dir: Path) -> tuple[KnowledgeBase, KnowledgeBase]:
    """The base as loaded (and cached), and the same base read back from the cache."""
    cache = SnapshotCache(cache_dir)
    loaded = load_knowledge(kb_dir, cache=cache)
    read = load_knowledge(kb_dir, cache=cache)
    assert read is not loaded
    return loaded, read


class TestCompactEntries:
    def test_read_snapshot_makes_no_model_until_asked(self, kb_dir: Path, tmp_path: Path) -> None:
        """A snapshot read from the cache holds no entry models; reading one makes only it."""
        loaded, read = _from_cache(kb_dir, tmp_path / "cache")
        assert loaded.entries.made() == len(loaded)
        assert read.entries.made() == 0
        assert len(read.of_kind("person")) == len(loaded.of_kind("person"))
        assert "hamada-yasukazu" in read.entries
        assert read.entries.made() == 0
        hamada = read.get("hamada-yasukazu", Person)
        assert hamada == loaded.get("hamada-yasukazu", Person)
        assert hamada is not None
        original = loaded.get("hamada-yasukazu", Person)
        assert original is not None
        assert hamada.model_dump() == original.model_dump()
        assert hamada.model_fields_set == original.model_fields_set
        assert hash(hamada) == hash(original)  # frozen models are hashable by value
        assert read.entries.made() == 1
        assert read.get("hamada-yasukazu") is hamada  # made once, then kept

    def test_same_entries_everywhere(self, kb_dir: Path, tmp_path: Path) -> None:
        """Every view of the entries (by id, by kind, by day, by speaker, by date) gives what
        the loaded base gives, from a snapshot read back from the cache."""
        loaded, read = _from_cache(kb_dir, tmp_path / "cache")
        assert list(read.entries) == list(loaded.entries)
        assert list(read.entries.values()) == list(loaded.entries.values())
        for kind, entries in loaded.by_kind.items():
            assert list(read.of_kind(kind)) == list(entries)
            assert read.of_kind(kind)[1:3] == entries[1:3]
        assert read.events_on(11, 29) == loaded.events_on(11, 29)
        assert read.events_on(11, 29)
        assert all(isinstance(e, Event) for e in read.events_on(11, 29))
        for person in loaded.of_kind("person"):
            assert read.quotes_by(person.id) == loaded.quotes_by(person.id)
        assert any(loaded.quotes_by(p.id) for p in loaded.of_kind("person"))
        assert all(
            isinstance(q, Quote) for p in read.of_kind("person") for q in read.quotes_by(p.id)
        )
        first, last = dt.date(2000, 1, 1), dt.date(2030, 12, 31)
        assert read.events_between(first, last) == loaded.events_between(first, last)
        assert read.nearest_dates(dt.date(2023, 11, 28)) == loaded.nearest_dates(
            dt.date(2023, 11, 28)
        )

    def test_pickle_carries_no_models(self, kb_dir: Path) -> None:
        """What travels (to the cache, from a refresh's child) is the compact form only."""
        kb = load_knowledge(kb_dir)
        for entry_id in kb.entries:
            kb.get(entry_id)
        back = pickle.loads(pickle.dumps(kb))
        assert back.entries.made() == 0
        assert dict(back.entries) == dict(kb.entries)

    def test_unknown_id(self, kb_dir: Path) -> None:
        """An id no entry has is simply absent, as in a dict."""
        kb = load_knowledge(kb_dir)
        assert kb.get("no-such-entry") is None
        with pytest.raises(KeyError):
            kb.entries["no-such-entry"]


class TestOutline:
    def test_read_snapshot_has_every_name_without_models(
        self, kb_dir: Path, tmp_path: Path
    ) -> None:
        """A snapshot read from the cache holds every person's name and role titles and every
        event's title and summary as the loaded entries have them, with no model made."""
        loaded, read = _from_cache(kb_dir, tmp_path / "cache")
        people = [p for p in loaded.of_kind("person") if isinstance(p, Person)]
        events = [e for e in loaded.of_kind("event") if isinstance(e, Event)]
        assert people
        assert events
        outline = read.outline
        assert outline.person_names == tuple(p.name for p in people)
        assert set(outline.role_titles) == {r.title for p in people for r in p.roles}
        assert outline.event_titles == tuple(e.title for e in events)
        assert outline.event_summaries == tuple(e.summary for e in events)
        assert read.entries.made() == 0

    def test_place_question_makes_no_person(self, kb_dir: Path, tmp_path: Path) -> None:
        """A question that looks at every place and every person's name ("what happened in
        Washington") answers from a snapshot read from the cache as from the loaded one, and
        makes no person into a model: the engine's word sets come from the outline."""
        loaded, read = _from_cache(kb_dir, tmp_path / "cache")
        today = dt.date(2026, 11, 24)
        got = answer(read, "what happened in Washington", today)
        assert got == answer(loaded, "what happened in Washington", today)
        assert [e.id for e in got.entries] == ["ev-2023-01-11-hamada-austin"]
        assert read.entries.made("person") == 0


class TestHolderMakesThem:
    def test_refresh_is_made_before_the_swap(self, kb_dir: Path, tmp_path: Path) -> None:
        """A refresh read from the cache (or a child) is swapped in with every entry made."""
        cache = SnapshotCache(tmp_path / "cache")
        load_knowledge(kb_dir, cache=cache)  # the cache now holds the base
        holder = KnowledgeHolder(load_knowledge(kb_dir), kb_dir, cache=cache)
        swap = holder.reload()
        assert swap.current.entries.made() == len(swap.current)

    def test_start_makes_them_in_the_background(self, kb_dir: Path, tmp_path: Path) -> None:
        """A start from the cache is ready at once and makes the entries in a thread."""
        cache = SnapshotCache(tmp_path / "cache")
        load_knowledge(kb_dir, cache=cache)
        holder = KnowledgeHolder.load(kb_dir, cache=cache)
        assert holder.warmed.wait(30)
        assert holder.current.entries.made() == len(holder.current)

    def test_made_entries_are_frozen(self, kb_dir: Path, tmp_path: Path) -> None:
        """Warming freezes what it makes: no collector pass (which holds the GIL) will scan
        the new models, which during a 100,000 refresh set off full passes of seconds."""
        _, read = _from_cache(kb_dir, tmp_path / "cache")
        read.entries.warm()
        tracked = {id(o) for o in gc.get_objects()}  # the generations, not the frozen ones
        made = [read.entries.at(p) for p in range(len(read))]
        assert made
        assert not any(id(m.__dict__) in tracked or id(m) in tracked for m in made)
