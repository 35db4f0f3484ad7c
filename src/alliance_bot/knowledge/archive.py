"""A knowledge base version as one zip: its YAML files and the seed articles they cite.

This is what the database stores for each approved version (`store.py`), so that every replica
answers from the same files whatever its own image holds. The zip is deterministic (sorted members,
a fixed timestamp), and its version is recomputed from its members exactly as the loader computes
it (`loader.VersionDigest`): an archive is only ever made from a base that was just validated, and
only kept when its files hash to that base's version, so a file edited between the validation and
the archiving is caught instead of stored under the wrong version.

Members are `knowledge/<name>.yaml` and `seeds/<name>.txt`; reading an archive accepts nothing
else (no directories, no `..`), so extracting a stored archive cannot write outside its target.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from alliance_bot.knowledge.corpus import SEEDS, universal_newlines
from alliance_bot.knowledge.files import SEED_LIMIT, YAML_LIMIT, read_checked
from alliance_bot.knowledge.loader import VersionDigest, knowledge_files
from alliance_bot.knowledge.snapshot import KnowledgeBase

KNOWLEDGE = "knowledge"
_MEMBER = re.compile(r"^(knowledge/[^/\\]+\.ya?ml|seeds/[^/\\]+\.txt)$")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: the same files, the same zip
# A stored archive larger than this is refused when read back (the biggest base measured, 100,000
# entries, is about 50 MB of YAML; deflated it is a fraction of that).
MAX_ARCHIVE_MEMBERS_BYTES = 1024 * 1024 * 1024


class ArchiveError(Exception):
    """The files cannot be archived or an archive cannot be read; the message says why."""


@dataclass(frozen=True)
class Archive:
    """One version's files: `data` is the zip, `version` what its members hash to."""

    version: str
    data: bytes
    members: Mapping[str, bytes]

    @property
    def yaml_names(self) -> list[str]:
        return sorted(n.split("/", 1)[1] for n in self.members if n.startswith(KNOWLEDGE + "/"))


def archive_of(kb: KnowledgeBase) -> Archive:
    """The archive of the directory `kb` was loaded from: its YAML files and the seeds it cites.

    Raises `ArchiveError` when the files no longer hash to `kb.version` (edited meanwhile).
    """
    directory = kb.root
    members: dict[str, bytes] = {}
    try:
        for path in knowledge_files(directory):
            members[f"{KNOWLEDGE}/{path.name}"] = read_checked(
                path, base=directory, limit=YAML_LIMIT
            )
        seeds = directory.parent / SEEDS
        for cited in sorted({c.file for e in kb.entries.values() for c in e.sources}):
            members[cited] = read_checked(directory.parent / cited, base=seeds, limit=SEED_LIMIT)
    except Exception as error:  # UnreadableFile, OSError: it was readable a moment ago
        raise ArchiveError(f"the files changed while being stored ({error})") from None
    archive = build_archive(members)
    if archive.version != kb.version:
        raise ArchiveError(
            "the files changed while being stored (they no longer hash to the version "
            f"{kb.version} just validated); run it again"
        )
    return archive


def build_archive(members: Mapping[str, bytes]) -> Archive:
    """The zip of `members` (names as in `_MEMBER`) and the version they hash to."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            if not _MEMBER.match(name):
                raise ArchiveError(f"{name!r} cannot be part of a knowledge base version")
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return Archive(_version_of(members), buffer.getvalue(), dict(members))


def read_archive(data: bytes) -> Archive:
    """An archive as stored; raises `ArchiveError` for anything that is not one of ours."""
    members: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_ARCHIVE_MEMBERS_BYTES:
                raise ArchiveError("the stored version is larger than 1 GiB unpacked")
            for info in infos:
                if not _MEMBER.match(info.filename):
                    raise ArchiveError(f"the stored version holds an unexpected {info.filename!r}")
                members[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"the stored version is not a readable zip ({error})") from None
    return Archive(_version_of(members), data, members)


def replaced(archive: Archive, yaml_name: str, data: bytes) -> Archive:
    """`archive` with one YAML file's bytes replaced (an alias added from Slack)."""
    members = dict(archive.members)
    members[f"{KNOWLEDGE}/{yaml_name}"] = data
    return build_archive(members)


def extract(archive: Archive, root: Path) -> Path:
    """Write `archive` under `root` as `root/knowledge/` and `root/seeds/`; return the knowledge
    directory. Written next to `root` first, then renamed into place, so a crash leaves either no
    `root` or a complete one. `root` is named for the archive's version, so a `root` that exists
    already holds these very files (another replica sharing the directory extracted it first)
    and is kept: removing it could pull the files from under that replica while it loads them."""
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.", suffix=".writing"))
    try:
        for name, data in archive.members.items():
            target = staging / name
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
        (staging / KNOWLEDGE).mkdir(exist_ok=True)
        (staging / SEEDS).mkdir(exist_ok=True)
        try:
            os.rename(staging, root)
        except OSError:
            if not root.is_dir():  # not another process that extracted the same version first
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root / KNOWLEDGE


def export(archive: Archive, directory: Path) -> list[Path]:
    """Write `archive` out as a knowledge directory: its YAML files into `directory` (other
    `*.yaml` files there removed, so the directory loads as exactly this version) and its seeds
    into `directory/../seeds` (others kept: a seed nobody cites changes no version)."""
    directory.mkdir(parents=True, exist_ok=True)
    seeds = directory.parent / SEEDS
    seeds.mkdir(exist_ok=True)
    written: list[Path] = []
    keep = set(archive.yaml_names)
    for name, data in sorted(archive.members.items()):
        folder, file = name.split("/", 1)
        target = (directory if folder == KNOWLEDGE else seeds) / file
        _write_atomically(target, data)
        written.append(target)
    for stale in knowledge_files(directory):
        if stale.name not in keep:
            stale.unlink()
    return written


def _write_atomically(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".writing")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(name, 0o644)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _version_of(members: Mapping[str, bytes]) -> str:
    """What `load_knowledge` would name these files: YAML in its load order, then cited seeds."""
    digest = VersionDigest()
    # knowledge_files sorts *.yaml and *.yml together by path; the names share one directory.
    for name in sorted(n for n in members if n.startswith(KNOWLEDGE + "/")):
        digest.add_yaml(name.split("/", 1)[1], members[name])
    for name in sorted(n for n in members if n.startswith(SEEDS + "/")):
        try:
            text = members[name].decode("utf-8")
        except UnicodeDecodeError:
            raise ArchiveError(f"{name} is not UTF-8 text") from None
        digest.add_seed(name, universal_newlines(text))
    return digest.version()
