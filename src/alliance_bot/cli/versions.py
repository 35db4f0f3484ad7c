"""`alliance-bot kb publish DIR` and `alliance-bot kb export DIR`: the knowledge base versions in
the state database (ALLIANCE_DATABASE_URL, else the SQLite file at ALLIANCE_STATE_DB), from and to
a directory.

`publish` is a refresh from outside the cluster (a deploy pipeline): it validates DIR exactly as a
refresh does, stores it as the new current version (approved by `cli`) and says how many replicas
answer from it; a broken DIR is reported with file, line and entry, exits 2 and changes nothing.
`export` writes the current version out as files — the YAML into DIR, its cited seeds into
DIR/../seeds — to commit to the repository, so that aliases added from Slack reach the sources.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from alliance_bot.config import ConfigError, Settings
from alliance_bot.knowledge.archive import ArchiveError, archive_of, export, read_archive
from alliance_bot.knowledge.cache import snapshot_cache
from alliance_bot.knowledge.cluster import reach
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.store import KnowledgeStore
from alliance_bot.state import Database, DatabaseUnavailable, open_database

EXIT_ERROR = 2
CLI_USER = "cli"


def publish_command(directory: Path) -> int:
    """Validate `directory` and make it the cluster's current version; the exit status."""
    opened = _database()
    if opened is None:
        return EXIT_ERROR
    settings, database = opened
    try:
        kb = load_knowledge(directory, cache=snapshot_cache(settings.cache_dir))
    except KnowledgeBaseInvalid as error:
        print(error.report(), file=sys.stderr)
        print(
            f"alliance-bot: {len(error.problems)} problem(s) in {directory}; nothing was "
            "published, the current version stays",
            file=sys.stderr,
        )
        return EXIT_ERROR
    store = KnowledgeStore(database)
    try:
        before = store.current()
        if before is not None and before.version == kb.version:
            print(f"Unchanged: version {kb.version} ({len(kb)} entries) is already current.")
            return 0
        store.publish(archive_of(kb), entries=len(kb), by=CLI_USER, at=_now())
        print(f"Published {directory} as version {kb.version} ({len(kb)} entries).")
        print(reach(store, kb.version, clock=_now).summary())
    except ArchiveError as error:
        print(f"alliance-bot: {error}", file=sys.stderr)
        return EXIT_ERROR
    except DBAPIError as error:
        print(f"alliance-bot: cannot store the version: {_first_line(error)}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def export_command(directory: Path) -> int:
    """Write the current version into `directory` (and its seeds next to it); the exit status."""
    opened = _database()
    if opened is None:
        return EXIT_ERROR
    store = KnowledgeStore(database := opened[1])
    try:
        current = store.current()
        data = store.archive(current.version) if current is not None else None
    except DBAPIError as error:
        print(f"alliance-bot: cannot read the versions: {_first_line(error)}", file=sys.stderr)
        return EXIT_ERROR
    if current is None or data is None:
        print(
            f"alliance-bot: the {database.url.shown} holds no knowledge base version yet "
            "(the first `serve` or `kb publish` stores one)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    try:
        written = export(read_archive(data), directory)
    except ArchiveError as error:
        print(f"alliance-bot: version {current.version}: {error}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"alliance-bot: cannot write {directory}: {error.strerror}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"Exported version {current.version} (changed by {current.changed_by} at "
        f"{current.changed_at.isoformat(timespec='seconds')}): {len(written)} files into "
        f"{directory} and {directory.parent / 'seeds'}."
    )
    return 0


def _database() -> tuple[Settings, Database] | None:
    try:
        settings = Settings.from_env(os.environ, env_file=Path(".env"))
        return settings, open_database(settings.database)
    except ConfigError as error:
        print(f"alliance-bot: configuration error: {error}", file=sys.stderr)
    except DatabaseUnavailable as error:
        print(f"alliance-bot: {error}", file=sys.stderr)
    return None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _first_line(error: DBAPIError) -> str:
    lines = str(error.orig or error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:300]
