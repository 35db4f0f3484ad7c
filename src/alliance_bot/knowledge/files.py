"""Reading the knowledge base's files with checks: regular files inside their directory, capped.

A knowledge directory is edited by hand and, in containers, mounted from somewhere else. What is
in it is not trusted to be a plain file: a symbolic link can lead out of it (`seeds/x.txt` →
`/etc/shadow`), `/dev/zero` never ends, and opening a named pipe blocks until someone writes to it
— a refresh would hang for good. So a file is read only if

- its real path (symbolic links followed) is still inside the directory it is read from — links
  *within* it are fine, which is how Kubernetes mounts a ConfigMap;
- `stat` says it is a regular file, checked before it is opened, so a pipe is never opened; it is
  then opened with `O_NONBLOCK | O_NOFOLLOW` and checked again with `fstat`, so a file swapped for
  a pipe or a link in between is refused too, not waited on;
- it is no larger than a limit, counted while reading (a file may grow after `stat`).

Every refusal is an `UnreadableFile` whose message says why in words an admin can act on.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MiB = 1024 * 1024

# The largest of the five seed articles is 28 KB, and a long-form article is rarely above 200 KB
# of text. Each article is held in memory with per-word offsets (about 12 bytes of Python objects
# per byte of text), so 2 MiB keeps one file under ~25 MB while leaving 70 times the largest
# article's size as headroom.
SEED_LIMIT = 2 * MiB
# The shipped base is 235 KB for ~500 entries; the 100,000-entry benchmark base is ~50 MB over all
# its files. 128 MiB per file leaves room for that in one file and still stops a runaway file.
YAML_LIMIT = 128 * MiB

_READ_CHUNK = 1 * MiB
_NOT_NAMES = frozenset({"", ".", ".."})


class UnreadableFile(Exception):
    """The file is refused or cannot be read; the message says why (without the path)."""


def read_checked(path: Path, *, base: Path, limit: int, resolved: Path | None = None) -> bytes:
    """The bytes of `path`, which must be a regular file inside `base`, at most `limit` long.

    `resolved` is `base.resolve()` when the caller reads many files of one directory and has
    resolved it once already."""
    try:
        inside = resolved or base.resolve(strict=True)
        if path.parent == base and path.name not in _NOT_NAMES and not os.path.islink(path):
            # Directly in `base` and not a link: inside it, without resolving every component
            # again (the cache key reads thousands of seeds). A link swapped in after this
            # check is refused by O_NOFOLLOW below.
            real = inside / path.name
        else:
            real = path.resolve(strict=True)
    except OSError as error:
        raise UnreadableFile(describe_os_error(error)) from None
    if not real.is_relative_to(inside):
        raise UnreadableFile(f"it is a symbolic link leading outside {base.name}/")
    try:
        before = os.stat(real)
    except OSError as error:
        raise UnreadableFile(describe_os_error(error)) from None
    _check_kind(before)
    if before.st_size > limit:
        raise UnreadableFile(f"it is larger than the limit of {_size(limit)}")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link after the check
            raise UnreadableFile("it changed while being read") from None
        raise UnreadableFile(describe_os_error(error)) from None
    try:
        opened = os.fstat(fd)
        _check_kind(opened)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise UnreadableFile("it changed while being read")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, _READ_CHUNK):
            size += len(chunk)
            if size > limit:
                raise UnreadableFile(f"it is larger than the limit of {_size(limit)}")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableFile(describe_os_error(error)) from None
    finally:
        os.close(fd)


def describe_os_error(error: OSError) -> str:
    """An `OSError` as a short reason: "permission denied (running as uid 1000)"."""
    if isinstance(error, PermissionError):
        return f"permission denied (running as uid {os.geteuid()})"
    if isinstance(error, FileNotFoundError):
        return "it does not exist"
    if error.errno is not None:
        return os.strerror(error.errno).lower()
    return str(error)


def _check_kind(status: os.stat_result) -> None:
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise UnreadableFile("it is a directory, not a file")
    if stat.S_ISFIFO(mode):
        raise UnreadableFile("it is a named pipe, not a regular file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise UnreadableFile("it is a device, not a regular file")
    raise UnreadableFile("it is not a regular file")


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB else f"{limit} bytes"
