"""A compiled snapshot cache: a validated, indexed knowledge base saved so that the next start with
the same files takes a read instead of a parse, a validation and an index build.

An entry is keyed by the bytes of every YAML file and every seed article (plus the directory, the
format, this package's version and the source of its `knowledge` modules, and the versions of
Python and of the libraries whose objects are stored), so any edit, however small, misses and
rebuilds. `ask`, `serve` and a refresh write it
themselves; the newest `keep` entries are kept and older ones removed.

A cache file is pickle, and unpickling runs code named in the file, so a file is only read when
all of this holds, and is otherwise ignored and rebuilt:
- the directory and the file belong to this user and nobody else can write them, and the file is a
  regular file (not a symlink someone planted);
- its HMAC-SHA256, keyed by a per-user secret (`secret`, 32 random bytes, created 0600 in the cache
  directory), matches. The ownership checks keep other users out; the signature also refuses a
  file this user did not write with this secret (copied from another host or container, restored
  from a backup, written by another tool) and a truncated or corrupt one, before any byte of it
  is unpickled.

An unwritable or unsafe cache directory never stops a load: it is skipped and logged once.

Hashing the files is a quarter of a cached load at 100,000 entries (54 MB: 0.23-0.33 s CPU).
`SnapshotCache.key` skips it when nothing can have changed, as git's index does: beside the
snapshots it keeps, signed like them, the key last hashed for a directory and the listing it
was hashed from (every file's name, size, inode, mtime and ctime, in both directories). The
ctime is set by the kernel on any write or metadata change and cannot be set back by a user,
so an edit shows even if the size and mtime are restored. A listing is only recorded when every
file's times are older than `RACY_SECONDS` at the start of hashing (a file written again within
the same timestamp tick would otherwise look unchanged), and when the listing after hashing is
the one before; any symlink or other non-regular file means no shortcut.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib.metadata
import logging
import os
import pickle
import secrets
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import alliance_bot
from alliance_bot.knowledge.corpus import SEEDS
from alliance_bot.knowledge.files import SEED_LIMIT, YAML_LIMIT, UnreadableFile, read_checked
from alliance_bot.knowledge.snapshot import KnowledgeBase

logger = logging.getLogger(__name__)

_MAGIC = b"alliance-bot snapshot 1\n"
_SUFFIX = ".snapshot"
_SECRET = "secret"
_LISTING = ".listing"  # `<sha256 of the directory>.listing`: see `SnapshotCache.key`
# Files changed this recently are hashed every time (see the module docstring).
RACY_SECONDS = 2
_DIGEST = hashlib.sha256().digest_size
DEFAULT_KEEP = 3
# Libraries whose objects are inside a snapshot, or whose behaviour shaped it (the stemmer).
_LIBRARIES = ("pydantic", "pydantic-core", "rapidfuzz", "PyStemmer", "PyYAML")


def snapshot_cache(directory: Path | None) -> SnapshotCache | None:
    """The cache in `directory` (`Settings.cache_dir`); None means no cache."""
    return SnapshotCache(directory) if directory is not None else None


@functools.cache
def _versions() -> bytes:
    """What a snapshot's pickle depends on besides the files: formats, versions and this
    package's own code (a snapshot pickled by other code may not fit the classes it names)."""
    code = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        code.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    parts = [_MAGIC.decode(), alliance_bot.__version__, code.hexdigest(), sys.version, sys.platform]
    for name in _LIBRARIES:
        try:
            parts.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return "\n".join(parts).encode()


def cache_key(directory: Path) -> str | None:
    """The hash of everything a snapshot of `directory` is made from; None when a file cannot be
    read as the loader would read it (the load then says why).

    Seeds are cited as `seeds/<name>.txt` next to the knowledge directory (the schema allows no
    other place), so every such file counts, cited or not: adding one can only cause a rebuild.
    """
    directory = directory.resolve()
    seeds = directory.parent / SEEDS
    digest = hashlib.sha256(_versions())
    digest.update(b"\0dir\0" + os.fsencode(directory))
    # Sorted by name (all in one directory: the order sorting the paths gives, at a tenth of
    # the cost for thousands of seeds).
    yaml_files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")], key=_name)
    seed_files = sorted(seeds.glob("*.txt"), key=_name)
    groups = (
        (b"yaml", yaml_files, directory, YAML_LIMIT),
        (b"seed", seed_files, seeds, SEED_LIMIT),
    )
    try:
        for label, files, base, limit in groups:
            resolved = base.resolve(strict=True) if files else base
            for path in files:
                data = read_checked(path, base=base, limit=limit, resolved=resolved)
                digest.update(b"\0%s\0%s\0%d\0" % (label, os.fsencode(path.name), len(data)))
                digest.update(data)
    except (UnreadableFile, OSError):
        return None
    return digest.hexdigest()


def _name(path: Path) -> str:
    return path.name


def _listing(directory: Path) -> tuple[bytes, int] | None:
    """Every entry of the knowledge and seeds directories with its size, inode and times, and
    what the key depends on besides the files; and the latest of those times. None if any
    entry is not a regular file."""
    directory = directory.resolve()
    parts = [hashlib.sha256(_versions()).digest(), os.fsencode(directory)]
    newest = 0
    for base in (directory, directory.parent / SEEDS):
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except FileNotFoundError:
            parts.append(b"absent " + os.fsencode(base))
            continue
        for entry in entries:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                return None
            parts.append(b"%s %d %d %d %d %d" % (os.fsencode(entry.name), info.st_size,
                         info.st_ino, info.st_dev, info.st_mtime_ns, info.st_ctime_ns))  # fmt: skip
            newest = max(newest, info.st_mtime_ns, info.st_ctime_ns)
    return b"\0".join(parts), newest


def _listing_or_none(directory: Path) -> tuple[bytes, int] | None:
    try:
        return _listing(directory)
    except OSError:  # a file went away meanwhile
        return None


class _Unsafe(Exception):
    """The cache directory or a file in it could be written by someone else."""


@dataclass
class SnapshotCache:
    """Compiled snapshots in one directory, the newest `keep` of them."""

    directory: Path
    keep: int = DEFAULT_KEEP
    clock: Callable[[], int] = time.time_ns  # now, in ns since the epoch (the racy-file rule)
    _warned: bool = field(default=False, repr=False)

    # --- the key ---------------------------------------------------------------------------------

    def key(self, directory: Path) -> str | None:
        """`cache_key(directory)`, without reading the files when their listing is the one the
        key was last hashed from (see the module docstring)."""
        listed = _listing_or_none(directory)
        if listed is None:  # the hash reads the files (and the load says what is wrong)
            return cache_key(directory)
        before, newest = listed
        recorded = self._recorded(directory, before)
        if recorded is not None:
            return recorded
        started = self.clock()
        key = cache_key(directory)
        settled = newest < started - RACY_SECONDS * 1_000_000_000
        if key is not None and settled and _listing_or_none(directory) == listed:
            self._record(directory, before, key)
        return key

    def _listing_path(self, directory: Path) -> Path:
        name = hashlib.sha256(os.fsencode(directory.resolve())).hexdigest()
        return self.directory / f"{name}{_LISTING}"

    def _recorded(self, directory: Path, listing: bytes) -> str | None:
        """The key recorded for exactly this listing, if the record is ours and intact."""
        try:
            self._check_directory()
            blob = _read_own_file(self._listing_path(directory))
            secret = self._secret(create=False)
        except (_Unsafe, OSError):
            return None
        payload = _verified(blob, _LISTING, secret)
        if payload is None:
            return None
        key, _, recorded = bytes(payload).partition(b"\n")
        if recorded != listing or len(key) != 2 * hashlib.sha256().digest_size:
            return None
        return key.decode("ascii", "replace")

    def _record(self, directory: Path, listing: bytes, key: str) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._check_directory()
            secret = self._secret(create=True)
            payload = key.encode() + b"\n" + listing
            _write_atomically(
                self.directory, self._listing_path(directory),
                _MAGIC + _sign(secret, _LISTING, payload) + payload,
            )  # fmt: skip
        except (_Unsafe, OSError) as error:
            self._warn_once(f"not writing the knowledge cache: {error}")

    # --- reading ---------------------------------------------------------------------------------

    def read(self, key: str) -> KnowledgeBase | None:
        """The snapshot stored under `key`, or None when there is none we may trust."""
        path = self.directory / f"{key}{_SUFFIX}"
        try:
            self._check_directory()
        except FileNotFoundError:
            return None
        except (_Unsafe, OSError) as error:
            self._warn_once(f"not using the knowledge cache: {error}")
            return None
        try:
            blob = _read_own_file(path)
        except FileNotFoundError:
            return None
        except (_Unsafe, OSError) as error:
            logger.warning("knowledge cache file refused (%s); rebuilding it", error)
            return None
        try:
            secret = self._secret(create=False)
        except (_Unsafe, OSError) as error:
            self._warn_once(f"not reading the knowledge cache: {error}")
            return None
        payload = _verified(blob, key, secret)
        if payload is None:
            logger.warning("knowledge cache %s is corrupt or not ours; rebuilding it", path.name)
            return None
        try:
            kb = pickle.loads(payload)  # signed by us (see the module docstring)
        except Exception:  # a file we wrote but a library changed its classes: rebuild
            logger.warning("knowledge cache %s cannot be read; rebuilding it", path.name)
            return None
        if not isinstance(kb, KnowledgeBase):
            return None
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(path)  # most recently used: kept by `_prune`
        logger.info("knowledge base %s read from the cache (%s)", kb.version, self.directory)
        return kb

    # --- writing ---------------------------------------------------------------------------------

    def write(self, key: str, kb: KnowledgeBase) -> Path | None:
        """Store `kb` under `key` and remove old entries; None (logged once) if it cannot."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._check_directory()
            secret = self._secret(create=True)
            payload = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
            signature = _sign(secret, key, payload)
            path = self.directory / f"{key}{_SUFFIX}"
            _write_atomically(self.directory, path, _MAGIC, signature, payload)
        except (_Unsafe, OSError) as error:
            self._warn_once(f"not writing the knowledge cache: {error}")
            return None
        logger.info("knowledge base %s written to the cache (%s)", kb.version, self.directory)
        self._prune()
        return path

    def _prune(self) -> None:
        """Keep the `keep` most recently used snapshots; remove the rest and stale temporaries."""
        try:
            found = [(p.stat().st_mtime, p) for p in self.directory.glob(f"*{_SUFFIX}")]
            for _, old in sorted(found, reverse=True)[self.keep :]:
                old.unlink(missing_ok=True)
        except OSError as error:
            self._warn_once(f"cannot remove old knowledge cache files: {error}")

    # --- trust -----------------------------------------------------------------------------------

    def _check_directory(self) -> None:
        info = os.lstat(self.directory)
        if not stat.S_ISDIR(info.st_mode):
            raise _Unsafe(f"{self.directory} is not a directory")
        _check_owner(self.directory, info)

    def _secret(self, *, create: bool) -> bytes:
        """The per-user HMAC key; made (0600, exclusively) on the first write."""
        path = self.directory / _SECRET
        if create:
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(descriptor, "wb") as out:
                    out.write(secrets.token_bytes(32))
        secret = _read_own_file(path, private=True)
        if len(secret) != 32:
            raise _Unsafe(f"{path} is not a secret this program wrote")
        return secret

    def _warn_once(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            logger.warning("%s; loading without a cache", message)


def _check_owner(path: Path, info: os.stat_result, *, private: bool = False) -> None:
    if info.st_uid != os.geteuid():
        raise _Unsafe(f"{path} belongs to another user")
    forbidden = 0o077 if private else 0o022
    if info.st_mode & forbidden:
        raise _Unsafe(f"{path} is writable by others" if not private else f"{path} is not 0600")


def _read_own_file(path: Path, *, private: bool = False) -> bytes:
    """The bytes of a regular file owned by us that nobody else can write (no symlinks)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Unsafe(f"{path} is not a regular file")
        _check_owner(path, info, private=private)
        return file.read()


def _write_atomically(directory: Path, path: Path, *parts: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")  # 0600
    try:
        with os.fdopen(descriptor, "wb") as out:
            for part in parts:
                out.write(part)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sign(secret: bytes, key: str, payload: bytes | memoryview) -> bytes:
    # The key is signed too: a valid file renamed to another key's name is refused.
    mac = hmac.new(secret, key.encode() + b"\0", hashlib.sha256)
    mac.update(payload)
    return mac.digest()


def _verified(blob: bytes, key: str, secret: bytes) -> memoryview | None:
    header = len(_MAGIC) + _DIGEST
    if len(blob) <= header or not blob.startswith(_MAGIC):
        return None
    view = memoryview(blob)
    signature, payload = view[len(_MAGIC) : header], view[header:]
    if not hmac.compare_digest(signature, _sign(secret, key, payload)):
        return None
    return payload
