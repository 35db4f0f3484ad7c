"""The compiled snapshot cache: used when nothing changed, rebuilt when anything did, and never
unpickled from a file that someone else could have written."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from alliance_bot.knowledge.cache import _MAGIC, SnapshotCache, _sign, cache_key
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event, Person
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.testing.sample_kb import SEED_NAME, write_sample_kb

READ = "read from the cache"
WRITTEN = "written to the cache"


class _Trap:
    """Unpickling this creates `marker`: proof that a file was unpickled."""

    version = "trap"  # what the cache logs when writing it

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return write_sample_kb(tmp_path / "base")


@pytest.fixture
def cache(tmp_path: Path) -> SnapshotCache:
    return SnapshotCache(tmp_path / "cache")


def _snapshots(cache: SnapshotCache) -> list[Path]:
    return sorted(cache.directory.glob("*.snapshot"))


def _load(kb_dir: Path, cache: SnapshotCache, caplog: pytest.LogCaptureFixture) -> KnowledgeBase:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="alliance_bot.knowledge.cache"):
        return load_knowledge(kb_dir, cache=cache)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _trap_file(kb_dir: Path, cache: SnapshotCache, marker: Path) -> Path:
    """A correctly signed cache file for `kb_dir` that would create `marker` if unpickled."""
    written = cache.write(cache_key(kb_dir), _Trap(marker))  # type: ignore[arg-type]
    assert written is not None
    return written


class TestUnchangedBase:
    def test_second_load_comes_from_the_cache(
        self, kb_dir: Path, cache: SnapshotCache, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The first load builds and writes the snapshot; the second reads it, same content."""
        first = _load(kb_dir, cache, caplog)
        assert WRITTEN in caplog.text
        assert READ not in caplog.text
        second = _load(kb_dir, cache, caplog)
        assert READ in caplog.text
        assert second.version == first.version
        assert second.root == first.root
        assert sorted(second.entries) == sorted(first.entries)
        assert second.index.names.exact("hamada")[0].entry_id == "hamada-yasukazu"

    def test_cache_files_are_private(self, kb_dir: Path, cache: SnapshotCache) -> None:
        """The directory is 0700, the snapshot and the HMAC secret 0600."""
        load_knowledge(kb_dir, cache=cache)
        assert cache.directory.stat().st_mode & 0o777 == 0o700
        assert (cache.directory / "secret").stat().st_mode & 0o777 == 0o600
        assert _snapshots(cache)[0].stat().st_mode & 0o777 == 0o600


class TestChangedBase:
    def test_changed_yaml_is_rebuilt(
        self, kb_dir: Path, cache: SnapshotCache, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An edited YAML file misses the cache and the new content is what loads."""
        _load(kb_dir, cache, caplog)
        _edit(kb_dir / "people.yaml", "who met Austin in Washington", "who met Austin twice")
        kb = _load(kb_dir, cache, caplog)
        assert READ not in caplog.text
        assert WRITTEN in caplog.text
        hamada = kb.get("hamada-yasukazu", Person)
        assert hamada is not None
        assert "met Austin twice" in hamada.summary
        assert len(_snapshots(cache)) == 2

    def test_changed_seed_is_rebuilt(
        self, kb_dir: Path, cache: SnapshotCache, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A changed seed article misses the cache: evidence must be checked against it again."""
        _load(kb_dir, cache, caplog)
        seed = kb_dir.parent / "seeds" / SEED_NAME
        _edit(seed, "Japan grounded its 14 Ospreys", "Japan grounded its Ospreys")
        with pytest.raises(KnowledgeBaseInvalid, match="problem"):
            load_knowledge(kb_dir, cache=cache)

    def test_invalid_base_is_not_cached(self, kb_dir: Path, cache: SnapshotCache) -> None:
        """A base with errors raises every time and leaves nothing in the cache."""
        _edit(kb_dir / "people.yaml", "    name: Hamada Yasukazu\n", "")
        for _ in range(2):
            with pytest.raises(KnowledgeBaseInvalid):
                load_knowledge(kb_dir, cache=cache)
        assert _snapshots(cache) == []

    def test_only_the_newest_are_kept(self, kb_dir: Path, tmp_path: Path) -> None:
        """With keep=2, a third version removes the oldest snapshot."""
        cache = SnapshotCache(tmp_path / "cache", keep=2)
        for turn in range(3):
            _edit(kb_dir / "people.yaml", "in Washington", f"in Washington ({turn})")
            load_knowledge(kb_dir, cache=cache)
            _edit(kb_dir / "people.yaml", f"in Washington ({turn})", "in Washington")
        assert len(_snapshots(cache)) == 2


class TestUntrustedFiles:
    def test_signed_trap_is_unpickled_when_trusted(
        self, kb_dir: Path, cache: SnapshotCache, tmp_path: Path
    ) -> None:
        """Control for the tests below: a file we wrote ourselves is unpickled (then refused
        as not a snapshot, and rebuilt)."""
        marker = tmp_path / "unpickled"
        _trap_file(kb_dir, cache, marker)
        kb = load_knowledge(kb_dir, cache=cache)
        assert marker.exists()
        assert len(kb) > 0

    def test_corrupt_file_is_rebuilt(
        self, kb_dir: Path, cache: SnapshotCache, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A truncated or altered snapshot fails its signature, is rebuilt, and then serves."""
        _load(kb_dir, cache, caplog)
        (snapshot,) = _snapshots(cache)
        data = bytearray(snapshot.read_bytes())
        data[-10] ^= 0xFF
        snapshot.write_bytes(bytes(data))
        kb = _load(kb_dir, cache, caplog)
        assert "corrupt or not ours" in caplog.text
        assert WRITTEN in caplog.text
        assert len(kb) > 0
        _load(kb_dir, cache, caplog)
        assert READ in caplog.text

    def test_file_signed_with_another_secret_is_refused(
        self, kb_dir: Path, cache: SnapshotCache, tmp_path: Path
    ) -> None:
        """A snapshot from another host or user (another secret) is never unpickled."""
        marker = tmp_path / "unpickled"
        trap = _trap_file(kb_dir, SnapshotCache(tmp_path / "elsewhere"), marker)
        cache.directory.mkdir(mode=0o700)
        os.replace(trap, cache.directory / trap.name)
        load_knowledge(kb_dir, cache=cache)
        assert not marker.exists()

    @pytest.mark.parametrize("mode", [0o620, 0o602])
    def test_file_others_can_write_is_refused(
        self, kb_dir: Path, cache: SnapshotCache, tmp_path: Path, mode: int
    ) -> None:
        """A group- or world-writable snapshot is not unpickled, even with a good signature."""
        marker = tmp_path / "unpickled"
        trap = _trap_file(kb_dir, cache, marker)
        trap.chmod(mode)
        kb = load_knowledge(kb_dir, cache=cache)
        assert not marker.exists()
        assert len(kb) > 0

    def test_directory_others_can_write_is_refused(
        self, kb_dir: Path, cache: SnapshotCache, tmp_path: Path
    ) -> None:
        """In a group-writable cache directory anyone in the group could swap files: unused."""
        marker = tmp_path / "unpickled"
        _trap_file(kb_dir, cache, marker)
        cache.directory.chmod(0o770)
        kb = load_knowledge(kb_dir, cache=cache)
        assert not marker.exists()
        assert len(kb) > 0

    @pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
    def test_file_owned_by_another_user_is_refused(
        self, kb_dir: Path, cache: SnapshotCache, tmp_path: Path
    ) -> None:
        """A snapshot owned by another user is not unpickled, even with a good signature."""
        marker = tmp_path / "unpickled"
        trap = _trap_file(kb_dir, cache, marker)
        os.chown(trap, 4242, 4242)
        kb = load_knowledge(kb_dir, cache=cache)
        assert not marker.exists()
        assert len(kb) > 0

    def test_symlink_is_not_followed(
        self, kb_dir: Path, cache: SnapshotCache, tmp_path: Path
    ) -> None:
        """A snapshot name that is a symlink (to a file planted elsewhere) is not read."""
        marker = tmp_path / "unpickled"
        trap = _trap_file(kb_dir, cache, marker)
        planted = tmp_path / "planted"
        os.replace(trap, planted)
        trap.symlink_to(planted)
        load_knowledge(kb_dir, cache=cache)
        assert not marker.exists()


class TestUnwritableCache:
    def test_load_works_and_warns_once(
        self, kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A cache directory that cannot be created is skipped with one warning, every load
        still succeeding."""
        blocker = tmp_path / "a-file"
        blocker.write_text("not a directory")
        cache = SnapshotCache(blocker / "cache")
        with caplog.at_level(logging.WARNING, logger="alliance_bot.knowledge.cache"):
            for _ in range(3):
                assert len(load_knowledge(kb_dir, cache=cache)) > 0
        warnings = [r for r in caplog.records if "loading without a cache" in r.getMessage()]
        assert len(warnings) == 1


def _later() -> int:
    """A clock a minute ahead: the sample files, just written, count as settled."""
    return time.time_ns() + 60 * 1_000_000_000


class TestKeyShortcut:
    def test_unchanged_listing_gives_the_recorded_key(self, kb_dir: Path, tmp_path: Path) -> None:
        """Once the files have settled, the key comes from the signed listing: a record naming
        another key (signed with the cache's own secret) is what `key` then returns, and any
        change to a file's listing sends it back to hashing."""
        cache = SnapshotCache(tmp_path / "cache", clock=_later)
        real = cache_key(kb_dir)
        assert cache.key(kb_dir) == real
        (record,) = cache.directory.glob("*.listing")
        secret = (cache.directory / "secret").read_bytes()
        listing = record.read_bytes()[len(_MAGIC) + 32 :].partition(b"\n")[2]
        forged = b"f" * 64 + b"\n" + listing
        record.write_bytes(_MAGIC + _sign(secret, ".listing", forged) + forged)
        assert cache.key(kb_dir) == "f" * 64
        os.utime(kb_dir / "people.yaml")  # a new mtime: the listing differs
        assert cache.key(kb_dir) == real

    def test_same_size_and_mtime_edit_is_seen(self, kb_dir: Path, tmp_path: Path) -> None:
        """An edit that keeps the file's size and puts its mtime back still changes its ctime:
        the next load hashes, misses, and loads the edit."""
        cache = SnapshotCache(tmp_path / "cache", clock=_later)
        before = load_knowledge(kb_dir, cache=cache)
        assert list(cache.directory.glob("*.listing"))
        events = kb_dir / "events.yaml"
        kept = events.stat()
        _edit(events, "meet in Washington", "meet in Washingtom")
        os.utime(events, ns=(kept.st_atime_ns, kept.st_mtime_ns))
        assert events.stat().st_size == kept.st_size
        after = load_knowledge(kb_dir, cache=cache)
        assert after.version != before.version
        titles = {e.title for e in after.of_kind("event") if isinstance(e, Event)}
        assert "Hamada and Austin meet in Washingtom" in titles

    def test_fresh_files_are_not_recorded(self, kb_dir: Path, cache: SnapshotCache) -> None:
        """Files written just now may change again within one timestamp tick: no record."""
        assert cache.key(kb_dir) == cache_key(kb_dir)
        assert not list(cache.directory.glob("*.listing"))

    def test_foreign_record_is_ignored(self, kb_dir: Path, tmp_path: Path) -> None:
        """A listing file not signed with the cache's secret is not believed."""
        cache = SnapshotCache(tmp_path / "cache", clock=_later)
        real = cache.key(kb_dir)
        (record,) = cache.directory.glob("*.listing")
        listing = record.read_bytes()[len(_MAGIC) + 32 :].partition(b"\n")[2]
        record.write_bytes(_MAGIC + b"\0" * 32 + b"e" * 64 + b"\n" + listing)
        assert cache.key(kb_dir) == real
