"""Holds the knowledge base in use and swaps it atomically when a valid new one is loaded.

Readers take `holder.current` once per question and keep that snapshot to the end, so every
question is answered entirely by the old base or entirely by the new one. A reload loads in a child
process (`isolated.py`) so the questions answered meanwhile do not wait for it.

A snapshot read from the cache or from that child holds its entries in compact form
(`entries.py`). A refreshed snapshot has every entry made into a model, a batch at a time,
before it is swapped in; the first snapshot is swapped in at once (a start is ready as soon as
the snapshot is read) and made in a background thread, so the first questions that read every
person or event do not make them all at once.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alliance_bot.knowledge import isolated
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.isolated import load_isolated
from alliance_bot.knowledge.loader import knowledge_files, load_knowledge
from alliance_bot.knowledge.release import Releaser
from alliance_bot.knowledge.snapshot import KnowledgeBase

# About 2,000 entries: a load of that size takes a few tenths of a second in this process, about
# what starting a child costs, and holds the GIL only in short stretches.
ISOLATE_ABOVE_BYTES = 1_000_000


def _yaml_bytes(directory: Path) -> int:
    try:
        return sum(path.stat().st_size for path in knowledge_files(directory))
    except OSError:
        return 0  # the load itself reports what is wrong


@dataclass(frozen=True)
class Swap:
    """The outcome of a successful reload."""

    previous: KnowledgeBase
    current: KnowledgeBase


class KnowledgeHolder:
    """The current snapshot, the one before it, and a lock so reloads don't interleave."""

    def __init__(
        self,
        kb: KnowledgeBase,
        directory: Path,
        *,
        cache: SnapshotCache | None = None,
        releaser: Releaser | None = None,
        isolate_above: int = ISOLATE_ABOVE_BYTES,
    ) -> None:
        self.directory = directory
        self.cache = cache
        self.isolate_above = isolate_above
        self._current = kb
        self._previous: KnowledgeBase | None = None
        self._lock = threading.Lock()
        self.releaser = releaser or Releaser()
        # Run on each new snapshot before it is swapped in (the server sets the answer engine's
        # `prepare_snapshot`): what the first questions on it would otherwise work out from the
        # whole base, while they wait. Knowledge knows nothing of answering, hence a hook.
        self.prepare: Callable[[KnowledgeBase], None] | None = None
        # Set once the first snapshot's entries are all models (`load`); a holder made from a
        # snapshot in hand has nothing to wait for.
        self.warmed = threading.Event()
        self.warmed.set()

    @classmethod
    def load(
        cls, directory: Path, *, cache: SnapshotCache | None = None, source: Path | None = None
    ) -> KnowledgeHolder:
        """Load in this process (at start-up nothing is waiting), from the cache when it can.

        `source` is the directory a refresh reads, when it is not the one loaded now (a replica
        starts from the version stored in the database, extracted elsewhere).
        """
        holder = cls(load_knowledge(directory, cache=cache), source or directory, cache=cache)
        if _yaml_bytes(directory) > holder.isolate_above:
            isolated.prepare()  # the process refreshes will load in, started while nothing waits
        # Collect what the load left behind, then freeze the survivors so later collector passes
        # (which hold the GIL) don't rescan millions of objects.
        gc.collect()
        gc.freeze()
        holder.warmed.clear()
        threading.Thread(
            target=_warm, args=(holder.current, holder.warmed), name="knowledge-warm", daemon=True
        ).start()
        return holder

    @property
    def current(self) -> KnowledgeBase:
        return self._current

    @property
    def previous(self) -> KnowledgeBase | None:
        return self._previous

    def validate(self, directory: Path | None = None) -> KnowledgeBase:
        """Load the directory (default: the one a refresh reads) as it is now, without swapping;
        raises `KnowledgeBaseInvalid`.

        A base of more than `isolate_above` bytes of YAML loads in a child process (questions
        keep their GIL); a smaller one here, where it takes less time than starting a child.
        """
        directory = directory or self.directory
        if _yaml_bytes(directory) > self.isolate_above:
            fresh = load_isolated(directory, cache=self.cache)
        else:
            fresh = load_knowledge(directory, cache=self.cache)
        fresh.entries.warm()  # before anyone reads it: see the module docstring
        gc.freeze()  # as load_isolated does: no collector pass walks the new snapshot
        return fresh

    def reload(self) -> Swap:
        """Load, validate and swap in; on any error the current snapshot stays in place."""
        return self.install(self.validate())

    def install(self, fresh: KnowledgeBase) -> Swap:
        """Swap in a snapshot already loaded and validated (by `validate`, or by the alias writer,
        which validated the very bytes it then wrote): a refresh loads once."""
        if self.prepare is not None:
            _prepare(self.prepare, fresh)  # in the refreshing thread; questions use the old one
        with self._lock:
            swap = Swap(self._current, fresh)
            dropped = self._previous
            self._previous, self._current = self._current, fresh
        if dropped is not None:
            # Freed in the background, a little at a time: dropped here, the last reference
            # would free millions of objects in one cascade that holds the GIL (release.py).
            self.releaser.release(dropped)
            del dropped
        # No collection here: a pass over a new snapshot's millions of objects would hold the GIL
        # for seconds. `load_isolated` froze the new snapshot as it arrived.
        return swap

    def rollback(self) -> Swap | None:
        """Return to the snapshot before the last swap, if there is one."""
        with self._lock:
            if self._previous is None:
                return None
            swap = Swap(self._current, self._previous)
            self._current, self._previous = self._previous, self._current
        return swap


def _prepare(prepare: Callable[[KnowledgeBase], None], kb: KnowledgeBase) -> None:
    """Run `prepare` with the collector paused, then freeze what it built, as `EntryStore.warm`
    does: its tables are long-lived, and left to the collector its allocations set off a 30 ms
    young pass (gc callback, 100,000 refresh) that held the GIL in the refreshing thread."""
    collecting = gc.isenabled()
    gc.collect(1)
    gc.disable()
    try:
        prepare(kb)
        gc.freeze()
    finally:
        if collecting:
            gc.enable()


def _warm(kb: KnowledgeBase, done: threading.Event) -> None:
    """Make every entry of `kb` a model, then freeze them with the rest (see `load`)."""
    kb.entries.warm()
    gc.freeze()
    done.set()
