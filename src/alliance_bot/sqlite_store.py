"""SQLite plumbing shared by the state stores: connections, transactions, migrations.

The daily post (`post_state`) and the admin features (`admin_state`) keep their tables in one file
(`ALLIANCE_STATE_DB`) that several processes may open at once. This module is the one way they
open it, write to it and upgrade its schema:

- `connect` opens a connection in autocommit mode with foreign keys on;
- `transaction` wraps work in `BEGIN IMMEDIATE` ... `COMMIT`, rolling back on any error;
- `migrate` brings one component's tables up to date. Each feature versions its own tables under
  its own component name in `schema_versions`, so features never have to agree on the order of
  one shared list of steps (import order differs between processes).

A migration step is one SQL script; `statements` splits it, because `executescript` would commit
the transaction the step must run in.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

_VERSIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_versions "
    "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


def connect(path: Path | str, *, busy_timeout: float) -> sqlite3.Connection:
    """Open `path`; the caller closes the connection."""
    # isolation_level=None: the sqlite3 module would otherwise open deferred transactions on its
    # own. Transactions here are explicit BEGIN IMMEDIATE, which takes the write lock up front, so
    # a read-then-write (a claim, a counter) cannot interleave with another process's.
    # busy_timeout: how long to wait for another process's write lock before failing.
    db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    # Foreign keys are off by default in SQLite, per connection; turn them on for every one.
    db.execute("PRAGMA foreign_keys=ON")
    return db


@contextmanager
def transaction(path: Path | str, *, busy_timeout: float) -> Iterator[sqlite3.Connection]:
    """A fresh connection inside `BEGIN IMMEDIATE`: committed on success, rolled back on error.

    A connection per transaction because callers run in worker threads and sqlite3 connections
    must not cross threads; opening one is cheap next to waiting on the lock.
    """
    db = connect(path, busy_timeout=busy_timeout)
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            # BaseException: a cancelled or interrupted caller must not leave the lock held.
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    finally:
        db.close()


def migrate(db: sqlite3.Connection, steps: Sequence[str], *, component: str) -> int:
    """Run the steps of `component` that `db` has not had yet; return its new version.

    `steps` is the component's whole history, one SQL script per step: append, never edit a step
    that has shipped. `db` must be in autocommit mode (as `connect` returns it). Each step runs in
    its own `BEGIN IMMEDIATE` transaction and re-reads the version inside it, so two processes
    starting at once are serialised and never run a step twice.
    """
    # Idempotent and a single statement, so it needs no transaction of its own.
    db.execute(_VERSIONS_TABLE)
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = _version(db, component)
            if version >= len(steps):
                db.execute("COMMIT")
                return version
            for statement in statements(steps[version]):
                db.execute(statement)
            _set_version(db, component, version + 1)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def adopt_user_version(db: sqlite3.Connection, *, component: str) -> None:
    """Carry a file's `PRAGMA user_version` over as `component`'s version, if it has none yet.

    The daily post once numbered its steps in `user_version`; a file from that time already has
    those tables, and `migrate` must not create them again. Runs in one `BEGIN IMMEDIATE`
    transaction, so a process migrating at the same time sees either none or all of it.
    """
    db.execute(_VERSIONS_TABLE)
    db.execute("BEGIN IMMEDIATE")
    try:
        legacy = int(db.execute("PRAGMA user_version").fetchone()[0])
        if legacy > 0 and _version(db, component) == 0:
            _set_version(db, component, legacy)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def statements(script: str) -> list[str]:
    """Split a script into statements; a `;` inside a comment or a string does not end one."""
    # executescript() would COMMIT our transaction first, so statements run one by one.
    # complete_statement knows SQLite's tokenizer, so it is the judge of where a statement ends.
    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    return found


def _version(db: sqlite3.Connection, component: str) -> int:
    row = db.execute(
        "SELECT version FROM schema_versions WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0]) if row else 0


def _set_version(db: sqlite3.Connection, component: str, version: int) -> None:
    db.execute(
        "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
        "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        (component, version),
    )


def describe_open_error(path: Path, error: sqlite3.Error | OSError) -> str:
    """Why the state file cannot be used, in one line naming it and, for permissions, the uid
    that must be able to write it (a root-owned volume mounted into a container is the usual)."""
    # The primary code of an extended one: SQLITE_READONLY_DIRECTORY is SQLITE_READONLY.
    name = "_".join(str(getattr(error, "sqlite_errorname", "")).split("_")[:2])
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return (
            f"{path} is not a usable SQLite database ({error}); move it aside to start with an "
            "empty one, or restore a backup"
        )
    if isinstance(error, PermissionError) or name in (
        "SQLITE_READONLY",
        "SQLITE_CANTOPEN",
        "SQLITE_PERM",
        "SQLITE_AUTH",
    ):
        directory = path.parent.resolve()
        owners = [
            f"{what} is owned by uid {where.stat().st_uid}"
            for what, where in ((str(path), path), (f"its directory {directory}", directory))
            if where.exists()
        ]
        return (
            f"cannot write {path} ({error}): the file and its directory must be writable by uid "
            f"{os.geteuid()}, which alliance-bot runs as; " + ", ".join(owners)
        )
    return f"cannot use {path}: {error}"
