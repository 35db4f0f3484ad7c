"""One knowledge base for every replica: the approved version lives in the database.

Each replica holds a `KnowledgeCluster` around its `KnowledgeHolder`:

- **At start-up** (`KnowledgeCluster.start`) it serves the version `knowledge_current` names,
  extracted from its stored archive into a directory of its own (`work_dir/<version>/`), not the
  copy of `knowledge/` in its image. On an empty database the image's directory is validated and
  published as the first version (approved by `image`).
- **A change** — `publish` (a refresh, SIGHUP, `kb publish`), `add_alias`, `rollback` — stores
  the version if it is new, moves `knowledge_current` and, on PostgreSQL, sends a NOTIFY in the
  same transaction (`store.py`); this replica installs the snapshot it validated at once.
- **Every other replica** (`follow`, a background job) wakes on that notice, or at the latest
  after `interval` seconds (the poll: all SQLite has, and PostgreSQL's fallback when the listening
  connection is down), reads `knowledge_current`, loads the version it names through the holder
  (validated off the answer path, swapped atomically) and heartbeats into `replicas`.
- **The reply** to a change counts the live heartbeats on the new version (`reach`), waiting up to
  `REACH_WAIT` seconds for the others to catch up.

A rollback is only a move of `knowledge_current` to an older stored version, so it reaches every
replica the same way and survives restarts. Changes on one replica are serialised by `_lock`: a
version loaded by `follow` can never be installed over a newer one published meanwhile.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alliance_bot.knowledge.aliases import WrittenAlias, prepare_alias
from alliance_bot.knowledge.archive import (
    Archive,
    ArchiveError,
    archive_of,
    extract,
    read_archive,
    replaced,
)
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.holder import KnowledgeHolder, Swap
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.store import NOTIFY_CHANNEL, Current, KnowledgeStore, StoredVersion

logger = logging.getLogger(__name__)

IMAGE = "image"  # who approved the first version: the directory shipped in the image
POLL_INTERVAL = 1.0  # seconds between two reads of knowledge_current when no notice comes
HEARTBEAT_EVERY = 5.0  # seconds between two heartbeats when nothing changes
LIVE_FOR = dt.timedelta(seconds=15)  # a replica not seen for this long is not counted
FORGET_AFTER = dt.timedelta(days=1)  # heartbeats this old are deleted …
FORGET_EVERY = 3600.0  # … once an hour per replica
REACH_WAIT = 5.0  # seconds a change's reply waits for the other replicas to serve it
_REACH_STEP = 0.1
# Extracted versions kept in `work_dir`, most recently used first: the current one, the one a
# rollback goes back to, and a few more for replicas sharing the directory. Older ones go, but
# only once unused for `PRUNE_AFTER`, so a replica sharing the directory never loses the files
# it is extracting or loading (each use marks a directory used, see `_materialize`).
KEEP_VERSIONS = 5
PRUNE_AFTER = 3600.0  # seconds

Clock = Callable[[], dt.datetime]


class VersionError(Exception):
    """A rollback target that names no stored version, or more than one; the message says so."""


@dataclass(frozen=True)
class Reach:
    """How many live replicas serve `version`, out of all the live ones."""

    version: str
    serving: int
    live: int

    def summary(self) -> str:
        """ "3 replicas now answer from version 1a2b3c…" (and who has not caught up yet)."""
        if self.live == 0:
            return (
                f"No replica is running on this database; each one answers from version "
                f"{self.version} when it starts."
            )
        noun = "replica" if self.serving == 1 else "replicas"
        verb = "answers" if self.serving == 1 else "answer"
        text = f"{self.serving} {noun} now {verb} from version {self.version}"
        behind = self.live - self.serving
        if behind > 0:
            text += f"; {behind} not yet (they load it within seconds, or when they restart)"
        return text + "."


def reach(
    store: KnowledgeStore,
    version: str,
    *,
    clock: Clock,
    sleep: Callable[[float], None] = time.sleep,
    wait: float = REACH_WAIT,
) -> Reach:
    """How many live replicas serve `version`, waiting up to `wait` seconds (on `clock`) for
    every live replica to serve it — what a change's reply reports."""
    deadline = clock() + dt.timedelta(seconds=wait)
    while True:
        now = clock()
        counts = store.serving(since=now - LIVE_FOR)
        found = Reach(version, counts.get(version, 0), sum(counts.values()))
        if found.serving >= found.live or now >= deadline:
            return found
        sleep(_REACH_STEP)


def work_directory(cache_dir: Path | None) -> Path:
    """Where a replica extracts the versions it serves: `versions/` in the snapshot cache's
    directory (a stable path, so the cache recognises a version after a restart), else — no
    cache, or it cannot be written — a private temporary directory."""
    if cache_dir is not None:
        try:
            (cache_dir / "versions").mkdir(parents=True, exist_ok=True, mode=0o700)
            return cache_dir / "versions"
        except OSError:
            pass
    private = Path(tempfile.mkdtemp(prefix="alliance-bot-versions-"))
    atexit.register(shutil.rmtree, private, ignore_errors=True)  # nothing else will use it
    return private


def default_replica_id() -> str:
    """This process in the `replicas` table: the host name (a pod's name) and the pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class KnowledgeCluster:
    """This replica's view of the cluster's knowledge base: see the module docstring."""

    def __init__(
        self,
        holder: KnowledgeHolder,
        store: KnowledgeStore,
        *,
        serving: str,
        work_dir: Path,
        replica: str | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.holder = holder
        self.store = store
        self.work_dir = work_dir
        self.replica = replica or default_replica_id()
        self.interval = interval
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._sleep = sleep
        self._serving = serving  # the stored version the holder serves
        self._lock = threading.Lock()
        self._last_beat = 0.0
        self._last_forget = -FORGET_EVERY
        self._failing = False
        self._refused: str | None = None  # a stored version that does not load here

    # --- start-up -----------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        store: KnowledgeStore,
        source: Path,
        *,
        work_dir: Path,
        cache: SnapshotCache | None = None,
        replica: str | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> KnowledgeCluster:
        """Serve the current stored version (publishing `source` first on an empty database).

        Raises `KnowledgeBaseInvalid` (the image's directory, or the stored version, is invalid)
        or `ArchiveError` (a stored archive cannot be read).
        """
        now = clock or (lambda: dt.datetime.now(dt.UTC))
        current = store.current()
        holder: KnowledgeHolder | None = None
        if current is None:
            kb = load_knowledge(source, cache=cache)
            current = store.publish_first(archive_of(kb), entries=len(kb), by=IMAGE, at=now())
            if current.version == kb.version:
                logger.info(
                    "knowledge base %s from %s published as the first version", kb.version, source
                )
                del kb
                holder = KnowledgeHolder.load(source, cache=cache)  # the cache has it now
        if holder is None:  # the stored version (another replica's, if it published first)
            directory = _stored_directory(store, current.version, work_dir)
            holder = KnowledgeHolder.load(directory, cache=cache, source=source)
            logger.info(
                "knowledge base %s from the database (approved by %s at %s)",
                current.version,
                current.changed_by,
                current.changed_at.isoformat(timespec="seconds"),
            )
        cluster = cls(
            holder,
            store,
            serving=current.version,
            work_dir=work_dir,
            replica=replica,
            clock=clock,
            sleep=sleep,
        )
        cluster.heartbeat()
        return cluster

    @property
    def serving(self) -> str:
        """The stored version this replica answers from."""
        return self._serving

    # --- changes made here ------------------------------------------------------------------------

    def publish(self, kb: KnowledgeBase, *, by: str, note: str = "") -> Swap:
        """Store `kb` (validated, loaded from its directory) as the current version, install it.

        Raises `ArchiveError` when its files changed since they were validated; a database error
        leaves everything as it was.
        """
        with self._lock:
            archive = archive_of(kb)
            self.store.publish(archive, entries=len(kb), by=by, at=self._clock(), note=note)
            swap = self._install(kb, archive.version)
        self.heartbeat()
        return swap

    def add_alias(self, entry_id: str, alias: str, *, by: str) -> WrittenAlias:
        """Add `alias` to `entry_id` in the files of the version served, and publish the result.

        No file of any image is written: the edit is made on the stored version's files, and the
        new version is stored like any other (so it survives a redeploy). Raises `AliasError` or
        `KnowledgeBaseInvalid` with nothing changed.
        """
        with self._lock:
            archive = self._archive(self._serving)
            directory = _materialize(archive, self.work_dir, self._serving)
            edit = prepare_alias(self.holder.current, directory, entry_id, alias)
            new = replaced(archive, edit.name, edit.data)
            if new.version != edit.candidate.version:  # pragma: no cover - same bytes, same hash
                raise ArchiveError("the edited files do not hash to the validated version")
            self.store.publish(
                new,
                entries=len(edit.candidate),
                by=by,
                at=self._clock(),
                note=f"alias of {entry_id}: {alias}"[:300],
            )
            swap = self._install(edit.candidate, new.version)
        self.heartbeat()
        return WrittenAlias(file=edit.file, line=edit.line, swap=swap)

    def rollback(self, target: str, *, by: str) -> Swap | None:
        """Serve an earlier stored version, cluster-wide: `previous` (or "") is the one the current
        version replaced; anything else is a version hash or a prefix of one. None when there is
        no previous version. Raises `VersionError` for a target that is no stored version."""
        with self._lock:
            current = self.store.current()
            version = self._resolve(target, current)
            if version is None:
                return None
            if version == self._serving:
                raise VersionError(f"version {version} is the one being served already")
            kb = self._load(version)
            self.store.move(version, by=by, at=self._clock())
            swap = self._install(kb, version)
        self.heartbeat()
        return swap

    def versions(self, *, limit: int = 10) -> list[StoredVersion]:
        return self.store.versions(limit=limit)

    # --- following the others ---------------------------------------------------------------------

    def catch_up(self) -> Swap | None:
        """Serve the version `knowledge_current` names, if it is not the one served."""
        with self._lock:
            current = self.store.current()
            if current is None or current.version in (self._serving, self._refused):
                return None
            try:
                kb = self._load(current.version)
            except KnowledgeBaseInvalid:
                self._refused = current.version  # tried once; not again every second
                raise
            swap = self._install(kb, current.version)
        logger.info(
            "knowledge base %s -> %s (changed by %s)",
            swap.previous.version,
            swap.current.version,
            current.changed_by,
        )
        self.heartbeat()
        return swap

    def heartbeat(self) -> None:
        """Say in `replicas` which version this replica serves, now."""
        now = self._clock()
        self.store.heartbeat(self.replica, self._serving, at=now)
        beat = time.monotonic()
        if beat - self._last_forget >= FORGET_EVERY:  # now and then: drop replicas long gone
            self.store.forget_replicas(before=now - FORGET_AFTER)
            self._last_forget = beat
        self._last_beat = beat

    def leave(self) -> None:
        """Take this replica out of the count (it is stopping)."""
        self.store.leave(self.replica)

    def reach(self, version: str, *, wait: float = REACH_WAIT) -> Reach:
        """How many live replicas serve `version`, waiting up to `wait` seconds for every live
        replica to serve it (`reach`)."""
        return reach(self.store, version, clock=self._clock, sleep=self._sleep, wait=wait)

    async def follow(self) -> None:
        """A background job: catch up on each notice (PostgreSQL) or every `interval` seconds,
        heartbeat every `HEARTBEAT_EVERY` seconds; leave the count when cancelled."""
        listener = _Listener(self.store) if self.store.database.dialect == "postgresql" else None
        try:
            while True:
                if listener is not None:
                    await listener.wait(self.interval)
                else:
                    await asyncio.sleep(self.interval)
                await asyncio.to_thread(self._tick)
        finally:
            if listener is not None:
                await listener.close()
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.leave)

    def _tick(self) -> None:
        try:
            swap = self.catch_up()
            if swap is None and time.monotonic() - self._last_beat >= HEARTBEAT_EVERY:
                self.heartbeat()
        except KnowledgeBaseInvalid as error:
            # The stored version does not load here (a newer release's rules?): keep answering
            # from the running one, and say why once per version.
            if not self._failing:
                logger.error(
                    "the current knowledge base version does not load on this replica; still "
                    "serving %s:\n%s",
                    self._serving,
                    error.report(),
                )
            self._failing = True
        except Exception as error:
            if not self._failing:
                # The type only: a driver's message can quote the statement's parameters.
                logger.warning(
                    "cannot follow the knowledge base version in the database (%s); still "
                    "serving %s, retrying every %.0f s",
                    type(error).__name__,
                    self._serving,
                    self.interval,
                )
            self._failing = True
        else:
            if self._failing:
                logger.info("following the knowledge base version in the database again")
            self._failing = False

    # --- plumbing ---------------------------------------------------------------------------------

    def _resolve(self, target: str, current: Current | None) -> str | None:
        wanted = target.strip().lower().rstrip("…").rstrip(".")
        if wanted in ("", "previous", "prev"):
            return current.previous if current is not None else None
        matches = self.store.matching(wanted)
        exact = [m for m in matches if m.version == wanted]
        if exact:
            return exact[0].version
        if not matches:
            raise VersionError(f"no stored version starts with {wanted[:40]!r}")
        if len(matches) > 1:
            shown = ", ".join(m.version for m in matches[:5])
            raise VersionError(f"{wanted!r} could be any of {shown}; give more of the version")
        return matches[0].version

    def _archive(self, version: str) -> Archive:
        data = self.store.archive(version)
        if data is None:
            raise ArchiveError(f"version {version} is not stored in the database")
        return read_archive(data)

    def _load(self, version: str) -> KnowledgeBase:
        """The stored `version`, extracted and loaded (validated) through the holder."""
        directory = _materialize(self._archive(version), self.work_dir, version)
        kb = self.holder.validate(directory)
        if kb.version != version:
            logger.warning("stored version %s loads as %s", version, kb.version)
        return kb

    def _install(self, kb: KnowledgeBase, version: str) -> Swap:
        swap = self.holder.install(kb)
        self._serving = version
        return swap


def load_served(
    store: KnowledgeStore, source: Path, *, work_dir: Path, cache: SnapshotCache | None = None
) -> KnowledgeBase:
    """The version the cluster serves, read-only: the stored current version, or `source` while
    the database holds none. For one-shot commands (`post-today` from a CronJob), which must post
    from what the replicas answer from, not from the copy in their own image, and publish nothing.

    Raises `KnowledgeBaseInvalid` or `ArchiveError`, as `KnowledgeCluster.start` does.
    """
    current = store.current()
    if current is None:
        return load_knowledge(source, cache=cache)
    return load_knowledge(_stored_directory(store, current.version, work_dir), cache=cache)


def _stored_directory(store: KnowledgeStore, version: str, work_dir: Path) -> Path:
    """The knowledge directory of the stored `version`, extracted under `work_dir` if needed."""
    data = store.archive(version)
    if data is None:  # pragma: no cover - knowledge_current only names stored versions
        raise ArchiveError(f"the current version {version} is not stored")
    return _materialize(read_archive(data), work_dir, version)


def _materialize(archive: Archive, work_dir: Path, version: str) -> Path:
    """The knowledge directory of `version` under `work_dir`, extracted if it is not there yet.
    A directory per version never changes once written, and its stable path lets the snapshot
    cache recognise it after a restart. Marked used now; long-unused versions are pruned."""
    root = work_dir / version
    knowledge = root / "knowledge"
    if not knowledge.is_dir():
        knowledge = extract(archive, root)
    with contextlib.suppress(OSError):
        os.utime(root)
    prune_versions(work_dir)
    return knowledge


def prune_versions(
    work_dir: Path,
    *,
    keep: int = KEEP_VERSIONS,
    unused_for: float = PRUNE_AFTER,
    now: float | None = None,
) -> list[Path]:
    """Remove extracted versions beyond the `keep` most recently used that have not been used
    for `unused_for` seconds, and staging directories a crash left that long ago; the removed
    paths. Best effort: a directory that cannot be removed now is tried again next time."""
    moment = time.time() if now is None else now
    try:
        entries = [(p.stat().st_mtime, p) for p in work_dir.iterdir() if p.is_dir()]
    except OSError:
        return []
    versions = sorted((e for e in entries if not e[1].name.startswith(".")), reverse=True)
    staging = [e for e in entries if e[1].name.startswith(".") and e[1].name.endswith(".writing")]
    removed = []
    for used, path in [*versions[keep:], *staging]:
        if moment - used >= unused_for:
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    if removed:
        logger.info("removed %d unused extracted version(s) from %s", len(removed), work_dir)
    return removed


class _Listener:
    """A PostgreSQL connection of its own that LISTENs for new versions (autocommit: a LISTEN
    inside an open transaction would deliver nothing until it ends)."""

    def __init__(self, store: KnowledgeStore) -> None:
        self._store = store
        self._connection: Any = None
        self._warned = False

    async def wait(self, timeout: float) -> None:
        """Return on the next notice, or after `timeout` seconds."""
        import psycopg

        from alliance_bot.state.database import connect_async

        if self._connection is None:
            try:
                self._connection = await connect_async(self._store.database.url)
                await self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                if self._warned:
                    logger.info("listening for knowledge base versions again")
                self._warned = False
            except (psycopg.Error, OSError) as error:
                await self.close()
                if not self._warned:
                    logger.warning(
                        "cannot LISTEN for knowledge base versions (%s); polling every %.0f s",
                        type(error).__name__,
                        timeout,
                    )
                    self._warned = True
                await asyncio.sleep(timeout)
                return
        try:
            async for _ in self._connection.notifies(timeout=timeout, stop_after=1):
                pass
        except (psycopg.Error, OSError):
            await self.close()  # reconnected on the next wait; the poll covers the gap

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
