"""The access layer: which database the settings mean, libpq's URL forms and passwords against a
real PostgreSQL server, migrations under a lock, and a SQLite file from before Alembic."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from alliance_bot.admin.state import SqlAdminState
from alliance_bot.config import ConfigError, Settings
from alliance_bot.daily.state import SqlPostState
from alliance_bot.state import (
    Database,
    DatabaseUnavailable,
    DatabaseUrl,
    parse_database_url,
    waiting_for_database,
)
from alliance_bot.testing.postgres import PORT, PostgresCluster

LEGACY_FILE = Path(__file__).parents[1] / "data" / "state-before-alembic.sqlite3"
NOW = dt.datetime(2024, 3, 11, 9, 0, tzinfo=dt.UTC)


class TestSettings:
    def test_without_a_url_state_is_the_sqlite_file(self) -> None:
        """ALLIANCE_STATE_DB alone keeps state in SQLite, as before."""
        settings = Settings.from_env({"ALLIANCE_STATE_DB": "/var/lib/bot.db"})
        assert settings.database == DatabaseUrl.sqlite("/var/lib/bot.db")

    def test_the_url_wins_over_the_file(self) -> None:
        """With both set, state goes to PostgreSQL."""
        settings = Settings.from_env(
            {
                "ALLIANCE_STATE_DB": "/var/lib/bot.db",
                "ALLIANCE_DATABASE_URL": "postgresql://alliance@/alliance?host=/run/postgresql",
            }
        )
        assert settings.database.dialect == "postgresql"
        assert settings.database.target == "postgresql://alliance@/alliance?host=/run/postgresql"

    def test_a_bad_url_names_the_variable_and_not_the_value(self) -> None:
        """A non-PostgreSQL URL is refused without echoing it (it may hold a password)."""
        with pytest.raises(ConfigError) as caught:
            Settings.from_env({"ALLIANCE_DATABASE_URL": "mysql://u:s3cret@h/db"})
        assert "ALLIANCE_DATABASE_URL" in str(caught.value)
        assert "s3cret" not in str(caught.value)

    def test_the_sqlalchemy_spelling_is_handed_to_libpq_without_the_driver(self) -> None:
        """`postgresql+psycopg://` is accepted and passed on as plain `postgresql://`."""
        url = parse_database_url("postgresql+psycopg://a:pw@db.internal:6432/state")
        assert url.target == "postgresql://a:pw@db.internal:6432/state"
        assert "pw" not in url.shown
        assert "db.internal" in url.shown


@pytest.fixture
def app_role(postgres_cluster: PostgresCluster, postgres_url: str) -> tuple[str, str]:
    """A login role with a password that owns the test's database: (database name, password)."""
    name = psycopg.conninfo.conninfo_to_dict(postgres_url)["dbname"]
    assert isinstance(name, str)
    password = "pw-" + name[-8:]
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP ROLE IF EXISTS alliance_app")
        connection.execute(f"CREATE ROLE alliance_app LOGIN PASSWORD '{password}'")
        connection.execute(f'ALTER DATABASE "{name}" OWNER TO alliance_app')
        connection.execute("ALTER SCHEMA public OWNER TO alliance_app")
    return name, password


class TestLibpqUrls:
    def test_a_socket_directory_url_with_the_password_in_it(
        self, postgres_cluster: PostgresCluster, app_role: tuple[str, str]
    ) -> None:
        """`postgresql://user:pw@/db?host=/socket/dir` reaches the server over its socket."""
        name, password = app_role
        url = f"postgresql://alliance_app:{password}@/{name}?host={postgres_cluster.socket_dir}&port={PORT}"
        database = Database.open(parse_database_url(url))
        try:
            assert database.ping()
        finally:
            database.dispose()

    def test_the_password_from_pgpassword(
        self,
        postgres_cluster: PostgresCluster,
        app_role: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """No password in the URL: libpq takes it from PGPASSWORD."""
        name, password = app_role
        monkeypatch.setenv("PGPASSWORD", password)
        url = f"postgresql://alliance_app@/{name}?host={postgres_cluster.socket_dir}&port={PORT}"
        database = Database.open(parse_database_url(url))
        try:
            assert database.ping()
        finally:
            database.dispose()

    def test_the_password_from_a_pgpass_file(
        self,
        postgres_cluster: PostgresCluster,
        app_role: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        """No password in the URL or the environment: libpq reads the .pgpass file."""
        name, password = app_role
        pgpass = tmp_path / "pgpass"
        pgpass.write_text(f"*:*:{name}:alliance_app:{password}\n")
        pgpass.chmod(0o600)
        monkeypatch.delenv("PGPASSWORD", raising=False)
        monkeypatch.setenv("PGPASSFILE", str(pgpass))
        url = f"postgresql://alliance_app@/{name}?host={postgres_cluster.socket_dir}&port={PORT}"
        database = Database.open(parse_database_url(url))
        try:
            assert database.ping()
        finally:
            database.dispose()

    def test_a_wrong_password_is_one_line_without_it(
        self, postgres_cluster: PostgresCluster, app_role: tuple[str, str]
    ) -> None:
        """Start-up reports the failure in one line and never repeats the password."""
        name, _ = app_role
        url = f"postgresql://alliance_app:wrong-pw@/{name}?host={postgres_cluster.socket_dir}&port={PORT}"
        with pytest.raises(DatabaseUnavailable) as caught:
            Database.open(parse_database_url(url))
        message = str(caught.value)
        assert "\n" not in message
        assert "wrong-pw" not in message
        assert "password authentication failed" in message


class TestMigrations:
    def test_replicas_starting_together_migrate_once(self, state_url: DatabaseUrl) -> None:
        """Eight processes' worth of engines opening an empty database at once all succeed."""
        opened: list[Database] = []
        errors: list[BaseException] = []

        def open_one() -> None:
            try:
                opened.append(Database.open(state_url))
            except BaseException as error:  # collected: the assertion below reports them
                errors.append(error)

        threads = [threading.Thread(target=open_one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            assert errors == []
            assert len(opened) == 8
            with opened[0].transaction() as db:
                versions = db.execute(text("SELECT version_num FROM alembic_version")).all()
            assert len(versions) == 1
        finally:
            for database in opened:
                database.dispose()


class TestSqliteFileFromBeforeAlembic:
    """tests/data/state-before-alembic.sqlite3 was written by the stores before this change
    (per-feature `schema_versions`): a post, a live claim, a refresh, an answered and an
    unanswered question."""

    @pytest.fixture
    def old_file(self, tmp_path: Path) -> Path:
        path = tmp_path / "alliance-bot.db"
        shutil.copyfile(LEGACY_FILE, path)
        return path

    def test_it_upgrades_in_place_and_keeps_every_row(self, old_file: Path) -> None:
        """The daily post's and the admin's rows are all there after the upgrade."""
        database = Database.sqlite(old_file)
        try:
            posts = SqlPostState(database)
            admin = SqlAdminState(database)
            records = posts.records("C1")
            assert [(r.day.isoformat(), r.status, r.ts) for r in records] == [
                ("2024-03-10", "posted", "1710061200.000100"),
                ("2024-03-11", "claimed", None),
            ]
            assert asyncio.run(posts.rotation("C1")).shown == frozenset({"e1"})
            assert [(r.user_id, r.version_after) for r in admin.refreshes()] == [("U0ADMIN", "bbb")]
            stats = admin.stats(since=dt.date(2024, 3, 1))
            assert (stats.asked, stats.answered) == (2, 1)
            assert [g.text for g in admin.gaps(since=dt.date(2024, 3, 1))] == [
                "who is Taylor Swift?"
            ]
        finally:
            database.dispose()

    def test_the_old_claim_still_holds_and_new_tables_work(self, old_file: Path) -> None:
        """The live claim stays held by its owner; the new tables accept rows."""
        database = Database.sqlite(old_file)
        try:
            posts = SqlPostState(database)
            busy = asyncio.run(
                posts.claim(
                    "C1",
                    dt.date(2024, 3, 11),
                    owner="someone-else",
                    now=dt.datetime(2024, 3, 10, 9, 1, tzinfo=dt.UTC),
                    lease=dt.timedelta(minutes=10),
                )
            )
            assert busy.status == "busy"
        finally:
            database.dispose()
        tables = {
            row[0]
            for row in sqlite3.connect(old_file).execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        assert "schema_versions" not in tables
        assert {"alembic_version", "deliveries", "daily_posts", "admin_refreshes"} <= tables

    def test_opening_it_again_changes_nothing(self, old_file: Path) -> None:
        """A second start finds the schema current and keeps the rows."""
        Database.sqlite(old_file).dispose()
        database = Database.sqlite(old_file)
        try:
            assert len(SqlPostState(database).records()) == 2
        finally:
            database.dispose()


class TestWaitingForTheDatabase:
    def test_a_database_that_is_gone_is_an_outage(self, tmp_path: Path) -> None:
        """PostgreSQL stopped under an open engine: the error is recognised, in one line."""
        cluster = PostgresCluster.start(tmp_path / "pg")
        try:
            database = Database.open(parse_database_url(cluster.create_database("gone")))
            cluster.stop_server()
            with pytest.raises(DBAPIError) as caught, database.transaction() as db:
                db.execute(text("SELECT 1"))
            reason = waiting_for_database(caught.value)
            assert reason is not None
            assert "\n" not in reason
            database.dispose()
        finally:
            cluster.stop()

    def test_a_locked_sqlite_file_is_waiting_too(self, tmp_path: Path) -> None:
        """Another process holding the write lock past the busy timeout: waiting."""
        database = Database.sqlite(tmp_path / "s.db", busy_timeout=0.05)
        holder = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DBAPIError) as caught, database.transaction() as db:
                db.execute(text("SELECT 1"))
            assert "locked" in (waiting_for_database(caught.value) or "")
        finally:
            holder.close()
            database.dispose()

    def test_other_errors_are_not(self, database: Database) -> None:
        """A constraint violation or a bug is not an outage: it keeps its traceback."""
        with pytest.raises(DBAPIError) as caught, database.transaction() as db:
            db.execute(text("SELECT no_such_column FROM alembic_version"))
        assert waiting_for_database(caught.value) is None
        assert waiting_for_database(ValueError("x")) is None
        assert waiting_for_database(DatabaseUnavailable("down")) == "down"


class TestDurability:
    def test_only_relaxed_transactions_skip_the_fsync(self, tmp_path: Path) -> None:
        """On SQLite a default transaction commits with `synchronous=FULL`; one opened with
        `durable=False` with NORMAL (no fsync per commit); both commit what they wrote."""
        database = Database.sqlite(tmp_path / "state.db")
        try:
            with database.transaction() as db:
                durable = db.exec_driver_sql("PRAGMA synchronous").scalar()
                db.execute(text("CREATE TABLE t (n INTEGER)"))
            with database.transaction(durable=False) as db:
                relaxed = db.exec_driver_sql("PRAGMA synchronous").scalar()
                db.execute(text("INSERT INTO t VALUES (1)"))
            assert (durable, relaxed) == (2, 1)  # FULL, NORMAL
            with database.transaction() as db:
                assert db.execute(text("SELECT n FROM t")).scalars().all() == [1]
        finally:
            database.dispose()
