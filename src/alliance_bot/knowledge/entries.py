"""A snapshot's entries, kept as one small pickle each and made into models when first used.

Reading a 100,000-entry snapshot from the cache was mostly `pickle.loads` rebuilding 220,000
pydantic models (with their field dicts, field sets and nested citations: about ten objects an
entry), and handing a refreshed snapshot to the server was the same work holding the GIL there.
A stored entry is one `bytes` object instead, so a snapshot arrives as a few hundred thousand flat
objects, and an entry becomes a model the first time something asks for it (`EntryStore.at`),
which is then kept and its bytes dropped (so a warmed snapshot is no bigger than a loaded one).

The bytes are pickles this package wrote: they arrive inside a snapshot whose HMAC was checked
before any of it was unpickled (`cache.py`), or from the loader's own child (`isolated.py`), and
are unpickled only from there. Two threads asking for the same entry at once may both make it;
the models are equal and immutable, and the second simply replaces the first.
"""

from __future__ import annotations

import copyreg
import gc
import pickle
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from pydantic import BaseModel

from alliance_bot.knowledge.models import MODELS, Citation, Entry, Kind, Role

# Entries made at a time: between two yields of the GIL while warming (about 2 ms of work), and
# by a loop over a list of entries.
_BATCH = 200
# Fewer entries than this missing are simply made; more are made with the collector paused.
_FEW = 16


_new = object.__new__
_set = object.__setattr__


def _model(cls: type[BaseModel], values: dict[str, Any], fields_set: set[str]) -> BaseModel:
    """A model as `_reduce_model` stored it: the validated values put back as they were, with
    one Python call (pydantic's own `__setstate__` is a second call and a state dict per model,
    about a third of making an entry)."""
    model = _new(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)  # extra="forbid": there is never any
    _set(model, "__pydantic_private__", None)  # no private attributes
    return model


def _reduce_model(model: BaseModel) -> tuple[Any, ...]:
    assert model.__pydantic_extra__ is None
    assert model.__pydantic_private__ is None
    return (_model, (type(model), model.__dict__, model.__pydantic_fields_set__))


_STORED: tuple[type[BaseModel], ...] = (*MODELS.values(), Citation, Role)
for _cls in _STORED:
    copyreg.pickle(_cls, _reduce_model)


class EntryStore(Mapping[str, Entry]):
    """Entries by id (a read-only mapping) and by position (the load order)."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._ids = tuple(e.id for e in entries)
        self._kinds = tuple(e.kind for e in entries)
        self._position = {entry_id: at for at, entry_id in enumerate(self._ids)}
        # The process that built the snapshot keeps the models it validated; each entry is
        # either a model here or bytes in `_blobs`, never both for long.
        self._made: list[Entry | None] = list(entries)
        self._blobs: list[bytes | None] = [None] * len(self._ids)

    def __getstate__(self) -> tuple[Any, ...]:
        # Only the compact form travels (to the cache, from a refresh's child).
        blobs = [
            blob if blob is not None else pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
            for blob, made in zip(self._blobs, self._made, strict=True)
        ]
        return (self._ids, self._kinds, blobs)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._ids, self._kinds, self._blobs = state
        self._position = {entry_id: at for at, entry_id in enumerate(self._ids)}
        self._made = [None] * len(self._ids)

    def at(self, position: int) -> Entry:
        """The entry at `position`, made into a model on first use."""
        made = self._made[position]
        if made is not None:
            return made
        blob = self._blobs[position]
        if blob is None:  # another thread made it meanwhile (it sets the model first)
            made = self._made[position]
            assert made is not None
            return made
        made = pickle.loads(blob)  # ours: see the module docstring
        assert isinstance(made, Entry)
        self._made[position] = made
        self._blobs[position] = None
        return made

    def position(self, entry_id: str) -> int | None:
        return self._position.get(entry_id)

    def kind_at(self, position: int) -> Kind:
        kind: Kind = self._kinds[position]
        return kind

    def of(self, positions: Sequence[int]) -> tuple[Entry, ...]:
        """The entries at `positions`, those not yet made made together."""
        made = self._made
        missing = [p for p in positions if made[p] is None]
        if len(missing) > _FEW:
            self._make(missing)
        at = self.at
        return tuple(at(p) for p in positions)

    def _make(self, positions: Sequence[int]) -> None:
        # Made in a loop of thousands, each model a few new objects that all survive: the
        # collector's young passes would run every few entries and promote them all (a scan of
        # every person and event took 7 s at 100,000 entries instead of 1.4 s without them).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for position in positions:
                self.at(position)
        finally:
            if collecting:
                gc.enable()

    def made(self, kind: Kind | None = None) -> int:
        """How many entries (of `kind`, or of any) are models now (for tests and benchmarks)."""
        return sum(
            e is not None and (kind is None or k == kind)
            for e, k in zip(self._made, self._kinds, strict=True)
        )

    def warm(self) -> None:
        """Make every entry a model now, a batch at a time, letting other threads run between
        batches: a refreshed snapshot is warmed before it is swapped in, so no question makes
        thousands of models (holding the GIL) on its first look at a list of them.

        Each batch is frozen (`gc.freeze`) as soon as it is made. Left to the collector, the
        million objects of 100,000 models were promoted into the oldest generation and set off
        full collections that scanned all of them while holding the GIL: with a gc callback
        during a 100,000 refresh, 60-150 ms young passes every few hundred ms and full passes
        of 0.7, 1.9 and 2.3 s, each a ticker stall of the same length (gen 2 collected 0 objects:
        there is nothing for them to find). The young generations are collected before each
        batch (a few thousand objects at most, as each batch empties them), so what is frozen
        with the batch is only what other threads allocated during its ~2 ms.
        """
        made = self._made
        collecting = gc.isenabled()
        try:
            for start in range(0, len(made), _BATCH):
                missing = [
                    p for p in range(start, min(start + _BATCH, len(made))) if made[p] is None
                ]
                if not missing:
                    continue
                gc.collect(1)
                gc.disable()
                for position in missing:
                    self.at(position)
                gc.freeze()
                if collecting:
                    gc.enable()
                time.sleep(0)  # a waiting thread gets the GIL
        finally:
            if collecting:
                gc.enable()

    # --- Mapping ---------------------------------------------------------------------------------

    def __getitem__(self, entry_id: str) -> Entry:
        position = self._position.get(entry_id)
        if position is None:
            raise KeyError(entry_id)
        return self.at(position)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class EntryList(Sequence[Entry]):
    """Some of a store's entries, in order (one kind's): its length costs nothing, and an entry
    becomes a model only when the list is read that far."""

    def __init__(self, store: EntryStore, positions: Sequence[int]) -> None:
        self._store = store
        self._positions = tuple(positions)

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Entry, ...]: ...
    def __getitem__(self, index: int | slice) -> Entry | tuple[Entry, ...]:
        if isinstance(index, slice):
            return self._store.of(self._positions[index])
        return self._store.at(self._positions[index])

    def __iter__(self) -> Iterator[Entry]:
        positions, of = self._positions, self._store.of
        for start in range(0, len(positions), _BATCH):
            yield from of(positions[start : start + _BATCH])

    def __len__(self) -> int:
        return len(self._positions)

    def __repr__(self) -> str:
        return f"EntryList({len(self)} entries)"
