"""The one way the state stores reach their database: SQLite by default, PostgreSQL when shared.

`Database.open(url)` builds a SQLAlchemy 2 Core engine and brings the schema up to date with
Alembic before anything else touches it. The URL comes from `database_url(settings)`:
`ALLIANCE_DATABASE_URL` when it is set (and then it wins), else a SQLite file at
`ALLIANCE_STATE_DB`.

PostgreSQL is reached through psycopg 3, and the URL is handed to libpq *as written*: the engine's
`creator` calls `psycopg.connect(url)` instead of letting SQLAlchemy pick the URL apart, so every
form libpq takes works the way libpq documents it (a Unix socket directory as
`postgresql://alliance@/alliance?host=/run/postgresql`, several hosts, `sslmode`, a `service`), and
a password comes from the URL, `PGPASSWORD` or `~/.pgpass`, as it would for `psql`.

Transactions (`Database.transaction`) take their write lock up front on both engines, so a
read-then-write (a claim, a counter) never interleaves with another process's:
- SQLite: `BEGIN IMMEDIATE` (the pysqlite driver's own implicit transactions are switched off);
- PostgreSQL: each statement that must see a row locks it (`SELECT … FOR UPDATE`) or writes with
  `INSERT … ON CONFLICT`, which PostgreSQL serialises per key.

Durability. A transaction is durable by default: on SQLite each COMMIT waits for an fsync
(`synchronous=FULL`), on PostgreSQL for the server's WAL flush. `transaction(durable=False)` is
for the per-request records whose loss in a power cut costs nothing that matters (the delivery
guard, the question counts; docs/operations.md says why for each): on SQLite it runs on a second
engine whose connections use `synchronous=NORMAL`. In WAL mode that is still safe from
corruption and survives a crash of the process (the commit is in the OS's file cache); only a
power cut or an OS crash may roll back the last such commits, and the next durable commit's fsync
makes everything before it durable too. PostgreSQL is unchanged (its commit costs the server, not
this process).

Quick statements. The delivery guard runs on every request, before the answer; a SQLAlchemy
transaction costs it ~0.2 ms of CPU and a worker-thread hop more. `Database.quick(statement)`
prepares one statement to run on a connection kept for the purpose (SQLite, `synchronous=NORMAL`
like `transaction(durable=False)`), in `BEGIN IMMEDIATE` … `COMMIT` as every transaction here,
in ~0.04 ms, so cheaply that the event loop can run it itself. It never waits: if the write lock
is held (another process, a worker thread's transaction) or the kept connection is in use or
broken, it returns None at once and the caller takes the ordinary way, a transaction in a worker
thread, which waits, fails and reports as usual. PostgreSQL has no quick statements: every
statement there is a round trip to the server.

Migrations run at start-up, under a lock, so replicas starting together don't race: the upgrade
runs inside one transaction that first takes `pg_advisory_xact_lock` (PostgreSQL) or the file's
write lock (`BEGIN IMMEDIATE`, SQLite), then reads the schema's revision, so the second replica
waits and then finds nothing left to do. A process whose schema is already current checks one row
and takes no lock.

The stores call this synchronously, and the async ones (`PostState`) from a worker thread with
`asyncio.to_thread`: the same engine and driver serve both kinds of callers, the answering path
already runs in worker threads, and a waiting lock never blocks the event loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, Executable, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.dml import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite.dml import Insert as SqliteInsert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from alliance_bot.state.url import DatabaseUnavailable, DatabaseUrl

logger = logging.getLogger(__name__)


MIGRATION_LOCK_KEY = 0x616C6C69  # "alli": the advisory lock id only our migrations take
DEFAULT_CONNECT_TIMEOUT = 5  # seconds; a replica must find out soon that the database is down
DEFAULT_BUSY_TIMEOUT = 10.0  # seconds SQLite waits for another process's write lock

_MIGRATIONS = Path(__file__).with_name("migrations")


class Database:
    """An engine on one database whose schema is current; share one per process and URL."""

    def __init__(self, url: DatabaseUrl, engine: Engine, relaxed: Engine | None = None) -> None:
        """`relaxed` is the engine of `transaction(durable=False)` (default: `engine`)."""
        self.url = url
        self.engine = engine
        self._relaxed = relaxed or engine
        self._kept = _KeptConnection(self._relaxed)

    @property
    def dialect(self) -> str:
        return self.url.dialect

    @classmethod
    def open(cls, url: DatabaseUrl, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Database:
        """Connect and migrate; raise `DatabaseUnavailable` (one line) when that cannot be done."""
        relaxed = None
        try:
            if url.dialect == "sqlite":
                engine = _sqlite_engine(url.target, busy_timeout)
                relaxed = _sqlite_engine(url.target, busy_timeout, synchronous="NORMAL")
            else:
                engine = _postgres_engine(url.target)
        except OSError as error:  # its directory cannot be made
            raise DatabaseUnavailable(
                f"ALLIANCE_STATE_DB: {describe_sqlite_error(Path(url.target), error)}"
            ) from None
        database = cls(url, engine, relaxed)
        try:
            database.migrate()
            if url.dialect == "sqlite":
                database.check_writable()
        except DBAPIError as error:
            database.dispose()
            if url.dialect == "sqlite" and isinstance(error.orig, sqlite3.Error):
                raise DatabaseUnavailable(
                    f"ALLIANCE_STATE_DB: {describe_sqlite_error(Path(url.target), error.orig)}"
                ) from None
            raise DatabaseUnavailable(f"cannot reach the {url.shown}: {_reason(error)}") from None
        return database

    @classmethod
    def sqlite(cls, path: Path | str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Database:
        """A SQLite file (created with its directory when missing)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls.open(DatabaseUrl.sqlite(path), busy_timeout=busy_timeout)

    @contextlib.contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Connection]:
        """One transaction, committed on success and rolled back on any error (or cancel).
        `durable=False`: its commit need not survive a power cut (see the module docstring)."""
        with (self.engine if durable else self._relaxed).begin() as connection:
            yield connection

    def quick(self, statement: Executable) -> QuickStatement | None:
        """`statement`, one write, prepared to run at once from any thread, the event loop's
        included (see the module docstring); None where there is no such way (PostgreSQL)."""
        if self.dialect != "sqlite":
            return None
        compiled = statement.compile(dialect=self._relaxed.dialect)  # type: ignore[attr-defined]
        return QuickStatement(self._kept, compiled.string, tuple(compiled.positiontup or ()))

    def insert(self, table: Table) -> PostgresInsert | SqliteInsert:
        """An INSERT in this dialect, which can say `ON CONFLICT … DO NOTHING / DO UPDATE`."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def ping(self) -> bool:
        """Whether the database answers right now (for `/readyz`)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe to run from many processes at once."""
        from alembic.runtime.migration import MigrationContext

        head = _head_revision()
        with self.engine.connect() as connection:
            if MigrationContext.configure(connection).get_current_revision() == head:
                return  # the common case: nothing to do, no lock taken
        with self.transaction() as connection:
            if self.dialect == "postgresql":
                # Released at commit; a second replica waits here, then finds the schema current.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            # On SQLite the transaction began with BEGIN IMMEDIATE: the file's write lock is held.
            _upgrade(connection)

    def check_writable(self) -> None:
        """Write once, changing nothing: a read-only SQLite file opens and reads fine, and would
        otherwise fail only at the first answer's recording or the first daily post."""
        with self.transaction() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))

    def dispose(self) -> None:
        self._kept.close()
        self.engine.dispose()
        self._relaxed.dispose()


class QuickStatement:
    """A statement prepared by `Database.quick`."""

    def __init__(self, kept: _KeptConnection, sql: str, order: tuple[str, ...]) -> None:
        self._kept = kept
        self._sql = sql
        self._order = order  # the names of its (positional) parameters

    def run(self, params: Mapping[str, Any]) -> list[tuple[Any, ...]] | None:
        """Run it in a transaction of its own and commit; the rows it returned, or None, at once,
        when it could not be run without waiting (nothing was written: go the ordinary way)."""
        return self._kept.run(self._sql, tuple(params[name] for name in self._order))


class _KeptConnection:
    """The connection of a database's quick statements: opened at the first, kept, used by one
    caller at a time, and never waited for (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def run(self, sql: str, values: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
        if not self._lock.acquire(blocking=False):
            return None  # another thread is running one: rather the ordinary way than a wait
        try:
            driver = self._driver()
            if driver is None:
                return None
            try:
                # busy_timeout=0: SQLITE_BUSY at once when another connection holds the lock
                driver.execute("BEGIN IMMEDIATE")
            except sqlite3.Error:
                return None
            try:
                rows = driver.execute(sql, values).fetchall()
                driver.execute("COMMIT")
            except sqlite3.Error:
                self._roll_back(driver)
                return None
            return rows
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _driver(self) -> sqlite3.Connection | None:
        if self._connection is None:
            try:
                connection = self._engine.raw_connection()
            except DBAPIError:
                return None
            # Out of the pool: its busy timeout is changed, and it is closed, not returned.
            connection.detach()
            driver = connection.dbapi_connection
            assert isinstance(driver, sqlite3.Connection)  # `quick` is for SQLite only
            driver.execute("PRAGMA busy_timeout=0")
            self._connection = driver
        return self._connection

    def _roll_back(self, driver: sqlite3.Connection) -> None:
        try:
            driver.execute("ROLLBACK")
        except sqlite3.Error:
            # A connection that cannot even roll back is closed; the next run opens another.
            if self._connection is not None:
                self._connection.close()
                self._connection = None


_opened: dict[DatabaseUrl, Database] = {}
_opened_lock = threading.Lock()


def open_database(url: DatabaseUrl) -> Database:
    """The process's one `Database` for `url`: opened (and migrated) on first use, then shared,
    so the admin features, the daily post and the delivery guard use one connection pool."""
    with _opened_lock:
        database = _opened.get(url)
        if database is None:
            database = _opened[url] = Database.open(url)
        return database


# --- engines ----------------------------------------------------------------------------------


def _sqlite_engine(path: str, busy_timeout: float, *, synchronous: str = "FULL") -> Engine:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        "sqlite:///" + quote(path),
        # timeout: how long to wait for another process's write lock before failing.
        # check_same_thread=False: the pool hands a connection to whichever worker thread asks;
        # it is never used by two threads at once.
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        # Switch off pysqlite's own deferred BEGIN so that ours (below) is the only one.
        dbapi.isolation_level = None
        cursor = dbapi.cursor()
        # Foreign keys are off by default in SQLite, per connection. WAL is a property of the
        # file (set once, kept): readers never block the writer, so the CLI can read while a
        # server writes.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL (SQLite's default) fsyncs at every commit; NORMAL only at checkpoints (see
        # `Database.transaction`).
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock at BEGIN, not at the first write, so a read-then-write
        # cannot be overtaken by another process between its read and its write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _connect_options(url: str) -> dict[str, Any]:
    """What every connection adds to the URL unless the URL says otherwise."""
    import psycopg.conninfo

    params = psycopg.conninfo.conninfo_to_dict(url)
    extra: dict[str, Any] = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
    if "application_name" not in params:
        extra["application_name"] = "alliance-bot"
    return extra


async def connect_async(url: DatabaseUrl) -> Any:
    """A psycopg `AsyncConnection` of its own (autocommit) to a PostgreSQL `url`, outside the
    pool: for `LISTEN`, which holds its connection for as long as it listens."""
    import psycopg

    return await psycopg.AsyncConnection.connect(
        url.target, autocommit=True, **_connect_options(url.target)
    )


def _postgres_engine(url: str) -> Engine:
    import psycopg

    extra = _connect_options(url)

    def connect() -> psycopg.Connection[Any]:
        # libpq reads the URL, PGPASSWORD and ~/.pgpass itself (see the module docstring).
        return psycopg.connect(url, **extra)

    return create_engine(
        "postgresql+psycopg://",
        creator=connect,
        # A replica outlives database restarts and fail-overs: test a pooled connection before
        # handing it out instead of failing the first request after one.
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=10,
    )


# --- migrations -------------------------------------------------------------------------------


@cache
def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


@cache
def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> None:
    from alembic import command

    config = _alembic_config()
    # env.py runs the migrations on this connection, inside the transaction holding the lock.
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, "head")
    finally:
        config.attributes.pop("connection", None)
    logger.info("database schema is at revision %s", _head_revision())


# --- messages ---------------------------------------------------------------------------------


def describe_sqlite_error(path: Path, error: sqlite3.Error | OSError) -> str:
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


def waiting_for_database(error: BaseException) -> str | None:
    """If `error` (or what caused it) means the state database cannot be reached or used right
    now — PostgreSQL down or restarting, a dropped connection, SQLite's file locked past the busy
    timeout — one line saying so (the driver's first line, never a password); else None.

    The callers (the Slack listeners' failure handler, the daily scheduler) then say plainly that
    they are waiting for the database instead of logging a traceback for an outage: nothing was
    changed, and the same command works once the database is back.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseUnavailable):
            return str(current)
        if isinstance(current, DBAPIError) and (
            current.connection_invalidated or _unreachable(current.orig)
        ):
            return _reason(current)
        current = current.__cause__ or current.__context__
    return None


# SQLite's OperationalError also means "no such column"; only these primary codes are an outage.
_SQLITE_OUTAGES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def _unreachable(error: BaseException | None) -> bool:
    """Whether the driver's error says the database cannot be reached or used right now."""
    if isinstance(error, sqlite3.Error):
        return str(getattr(error, "sqlite_errorname", "")).startswith(_SQLITE_OUTAGES)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    # psycopg's OperationalError is the connection-level family: connection failures (08),
    # shutdowns and cancels (57), resources (53); a wrong query is a ProgrammingError instead.
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def _reason(error: DBAPIError) -> str:
    """The driver's first line, which names what failed and never holds the password."""
    original = error.orig if error.orig is not None else error
    first = str(original).strip().splitlines()
    reason = first[0] if first else type(original).__name__
    if isinstance(error, OperationalError) and "locked" in reason:
        reason += " (another process holds the write lock)"
    return reason[:300]


__all__ = [
    "Database",
    "DatabaseUnavailable",
    "DatabaseUrl",
    "QuickStatement",
    "connect_async",
    "open_database",
    "waiting_for_database",
]
