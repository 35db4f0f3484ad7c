"""Loading a knowledge base in a child process, so a refresh never stalls the questions being
answered meanwhile.

Parsing, validating and indexing 100,000 entries is tens of seconds of Python holding the GIL in
long C calls; in the serving process that made questions wait up to half a second. The child does
all of it, writes the snapshot cache if there is one, and sends the snapshot back pickled over a
pipe. Children are forked from a `forkserver`: a clean process started once, with the loader
already imported, so a child copies none of the server's threads, sockets or locks and starts in
milliseconds rather than the second a fresh interpreter takes to import the loader.

Receiving is the other half: `pickle.loads` of a 100,000-entry snapshot is one C call that holds
the GIL for the whole half second. `_GentleReader` hands the unpickler its bytes one 64 KB pickle
frame at a time through a Python method, and each Python call is a point where a waiting thread
gets the GIL; no frame takes more than a few milliseconds to decode. The collector is paused
while the objects arrive and they are frozen before it resumes, so no collection pass walks them
(see `holder._settle`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from pathlib import Path
from typing import Any

from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase

_CHILD_NICENESS = 10


class _GentleReader:
    """A file over bytes whose reads are Python calls: between two of them another thread runs."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._at + size
        chunk = bytes(self._view[self._at : end])
        self._at += len(chunk)
        return chunk

    def readline(self) -> bytes:
        at = bytes(self._view[self._at :]).find(b"\n")
        return self.read(-1 if at < 0 else at + 1)


def gentle_loads(data: bytes) -> Any:
    """`pickle.loads`, letting other threads run between frames; the result is frozen (gc)."""
    collecting = gc.isenabled()
    # Collect the young generations first (small, so quick): what is frozen is never collected.
    gc.collect(1)
    gc.disable()
    try:
        result = pickle.Unpickler(_GentleReader(data)).load()
        gc.freeze()
        return result
    finally:
        if collecting:
            gc.enable()


def _context() -> ForkServerContext | SpawnContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():  # not on Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def prepare() -> None:
    """Start the fork server now (a fresh interpreter importing the loader takes about a second),
    so the first refresh does not pay for it. Returns at once; the server imports on its own."""
    if _context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def load_isolated(directory: Path, *, cache: SnapshotCache | None = None) -> KnowledgeBase:
    """`load_knowledge(directory, cache=cache)`, run in a child process.

    Raises `KnowledgeBaseInvalid` or `OSError` as `load_knowledge` would; a child that dies
    without an answer raises `RuntimeError`.
    """
    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(str(directory), str(cache.directory) if cache else None, sending),
        name="alliance-bot-load",
        daemon=True,
    )
    child.start()
    sending.close()
    try:
        data = receiving.recv_bytes()  # the read itself releases the GIL
    except EOFError:
        raise RuntimeError("the knowledge base loader process ended without an answer") from None
    finally:
        receiving.close()
        child.join()
    outcome, value = gentle_loads(data)
    if outcome == "ok":
        assert isinstance(value, KnowledgeBase)
        return value
    if outcome == "invalid":
        raise KnowledgeBaseInvalid(value)
    if outcome == "oserror":
        raise OSError(*value)
    raise RuntimeError(f"the knowledge base loader process failed: {value}")


def _child(directory: str, cache_directory: str | None, sending: Connection) -> None:
    """Runs in the child: load, then send ("ok", kb) or what went wrong, pickled."""
    # Background work: at a lower priority the scheduler gives the serving process's threads a
    # core whenever they want one, rather than sharing a busy machine's cores with the load.
    with contextlib.suppress(OSError, AttributeError):  # no os.nice on Windows
        os.nice(_CHILD_NICENESS)
    cache = SnapshotCache(Path(cache_directory)) if cache_directory else None
    result: tuple[str, Any]
    try:
        result = ("ok", load_knowledge(Path(directory), cache=cache))
    except KnowledgeBaseInvalid as error:
        result = ("invalid", error.problems)
    except OSError as error:
        result = ("oserror", (error.errno, error.strerror, error.filename))
    except Exception as error:  # reported to the parent, which raises it there
        result = ("error", f"{type(error).__name__}: {error}")
    sending.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sending.close()
