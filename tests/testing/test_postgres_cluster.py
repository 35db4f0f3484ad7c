"""The throwaway PostgreSQL server is real: URLs connect over its Unix socket, databases are
isolated, password roles authenticate, and the server goes away when stopped or orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from process_support import process_gone, wait_gone
from psycopg.conninfo import conninfo_to_dict

from alliance_bot.testing.postgres import PostgresCluster, PostgresError

# pg_fixtures itself is imported inside the tests that call it: imported here, before pytest
# loads it as a plugin, it would escape assertion rewriting (PytestAssertRewriteWarning).


@pytest.fixture
def own_cluster(postgres_cluster: PostgresCluster, tmp_path: Path) -> Iterator[PostgresCluster]:
    """A second server, for the tests that stop it (the session's must stay up). Asking for
    `postgres_cluster` makes it skip, or fail, as that does where PostgreSQL is missing."""
    cluster = PostgresCluster.start(tmp_path / "pg")
    try:
        yield cluster
    finally:
        cluster.stop()


class TestConnecting:
    def test_url_connects_to_its_own_empty_database(
        self, postgres_url: str, postgres_cluster: PostgresCluster
    ) -> None:
        """The URL names a new database on the cluster's socket; it has no tables yet."""
        params = conninfo_to_dict(postgres_url)
        assert postgres_url.startswith("postgresql://postgres@/")
        assert params["host"] == str(postgres_cluster.socket_dir)
        with psycopg.connect(postgres_url) as connection:
            row = connection.execute(
                "SELECT current_database(), current_user, inet_server_addr(),"
                " (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')"
            ).fetchone()
        assert row == (params["dbname"], "postgres", None, 0)  # no server address: a Unix socket

    def test_server_listens_on_no_tcp_port_and_skips_durability(self, postgres_url: str) -> None:
        """listen_addresses is empty (no TCP at all); fsync and friends are off for speed."""
        with psycopg.connect(postgres_url) as connection:
            settings = {
                name: connection.execute(f"SHOW {name}").fetchone()
                for name in ("listen_addresses", "fsync", "synchronous_commit", "full_page_writes")
            }
        assert settings == {
            "listen_addresses": ("",),
            "fsync": ("off",),
            "synchronous_commit": ("off",),
            "full_page_writes": ("off",),
        }

    def test_writes_are_read_back(self, postgres_url: str) -> None:
        """A committed row is there for the next connection."""
        with psycopg.connect(postgres_url) as connection:
            connection.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
            connection.execute("INSERT INTO notes (body) VALUES (%s)", ("日米同盟",))
        with psycopg.connect(postgres_url) as connection:
            assert connection.execute("SELECT body FROM notes").fetchall() == [("日米同盟",)]


class TestIsolation:
    def test_two_databases_do_not_share_tables(self, postgres_cluster: PostgresCluster) -> None:
        """The same table name in two databases holds two different sets of rows, and a table
        made in one does not exist in the other."""
        first = postgres_cluster.create_database("isolation_first")
        second = postgres_cluster.create_database("isolation_second")
        try:
            for url, value in ((first, "one"), (second, "two")):
                with psycopg.connect(url) as connection:
                    connection.execute("CREATE TABLE t (v text)")
                    connection.execute("INSERT INTO t VALUES (%s)", (value,))
            with psycopg.connect(first) as connection:
                connection.execute("CREATE TABLE only_first (v int)")
                assert connection.execute("SELECT v FROM t").fetchall() == [("one",)]
            with psycopg.connect(second) as connection:
                assert connection.execute("SELECT v FROM t").fetchall() == [("two",)]
                missing = connection.execute("SELECT to_regclass('only_first')").fetchone()
                assert missing == (None,)
        finally:
            postgres_cluster.drop_database("isolation_first")
            postgres_cluster.drop_database("isolation_second")

    def test_each_test_gets_a_different_database(
        self, postgres_url: str, postgres_cluster: PostgresCluster
    ) -> None:
        """postgres_url's databases are dropped after their test: only this test's is left."""
        with psycopg.connect(postgres_cluster.url("postgres")) as connection:
            names = [
                name
                for (name,) in connection.execute(
                    "SELECT datname FROM pg_database WHERE datname ~ '^t[0-9]+_'"
                )
            ]
        assert names == [conninfo_to_dict(postgres_url)["dbname"]]


class TestPasswords:
    def test_role_with_password_from_pgpassword(
        self, postgres_url: str, postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A non-superuser role must authenticate over the socket: PGPASSWORD with the right
        password gets in; a wrong one or none is refused."""
        database = conninfo_to_dict(postgres_url)["dbname"]
        assert isinstance(database, str)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute("CREATE ROLE app_user LOGIN PASSWORD 's3cret pass'")
        try:
            app_url = postgres_cluster.url(database, user="app_user")
            monkeypatch.setenv("PGPASSWORD", "s3cret pass")
            with psycopg.connect(app_url) as connection:
                assert connection.execute("SELECT current_user").fetchone() == ("app_user",)

            monkeypatch.setenv("PGPASSWORD", "wrong")
            with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
                psycopg.connect(app_url)

            monkeypatch.delenv("PGPASSWORD")
            monkeypatch.setenv("PGPASSFILE", os.devnull)
            with pytest.raises(psycopg.OperationalError, match="no password supplied"):
                psycopg.connect(app_url)
        finally:
            postgres_cluster.drop_database(database)  # the role cannot go while it owns objects
            with psycopg.connect(postgres_cluster.url("postgres"), autocommit=True) as connection:
                connection.execute("DROP ROLE app_user")


class TestStopping:
    def test_stop_ends_the_server_and_its_connections(self, own_cluster: PostgresCluster) -> None:
        """stop() returns with the postmaster gone after a clean shutdown, its socket and pid
        files removed, an open client connection broken and new connections refused; a second
        stop() is harmless."""
        url = own_cluster.create_database("doomed")
        client = psycopg.connect(url)
        pid = own_cluster.pid
        socket_file = own_cluster.socket_dir / ".s.PGSQL.5432"
        assert not process_gone(pid)
        assert socket_file.is_socket()

        own_cluster.stop()

        assert process_gone(pid)
        assert own_cluster.process.returncode == 0  # a clean (fast) shutdown
        assert not socket_file.exists()
        assert not (own_cluster.data_dir / "postmaster.pid").exists()
        if own_cluster.scratch_dir is not None:  # root: the cluster lived under /tmp
            assert not own_cluster.scratch_dir.exists()
        with pytest.raises(psycopg.OperationalError):
            client.execute("SELECT 1")
        client.close()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url)
        own_cluster.stop()

    def test_stop_server_then_start_server_keeps_the_data(
        self, own_cluster: PostgresCluster
    ) -> None:
        """stop_server() takes the server down (connections refused); start_server() brings it
        back on the same socket with the same databases and rows."""
        url = own_cluster.create_database("kept")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE t (x int)")
            connection.execute("INSERT INTO t VALUES (7)")
        first_pid = own_cluster.pid

        own_cluster.stop_server()
        assert process_gone(first_pid)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url)

        own_cluster.start_server()
        assert own_cluster.pid != first_pid
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT x FROM t").fetchall() == [(7,)]
        own_cluster.stop()
        with pytest.raises(PostgresError):
            own_cluster.start_server()

    def test_server_dies_with_the_process_that_started_it(
        self, postgres_cluster: PostgresCluster, tmp_path: Path
    ) -> None:
        """A test run killed with SIGKILL, which runs no cleanup, leaves no server behind; the
        next start() clears away the scratch directory it left (root only).
        (`postgres_cluster` only for its skip-or-fail when PostgreSQL is missing.)"""
        script = (
            "import sys, time\n"
            "from pathlib import Path\n"
            "from alliance_bot.testing.postgres import PostgresCluster\n"
            "cluster = PostgresCluster.start(Path(sys.argv[1]))\n"
            "print(cluster.pid, cluster.scratch_dir or '', flush=True)\n"
            "time.sleep(120)\n"
        )
        with subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "killed")],
            stdout=subprocess.PIPE,
            text=True,
        ) as parent:
            try:
                assert parent.stdout is not None
                pid_text, *scratch = parent.stdout.readline().split()
                server_pid = int(pid_text)
                assert not process_gone(server_pid)
                # Checked while its maker lives: once it is dead, any start() may remove the
                # directory (another pytest-xdist worker's, another test run's), not only ours.
                assert all(Path(s).is_dir() for s in scratch)
            finally:
                parent.send_signal(signal.SIGKILL)
        assert wait_gone(server_pid), f"postgres {server_pid} outlived its parent"

        if scratch:
            PostgresCluster.start(tmp_path / "next").stop()
            assert not Path(scratch[0]).exists()


class TestUnavailable:
    def test_skips_with_the_reason(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On a developer's machine without PostgreSQL the tests skip, saying why."""
        import pg_fixtures

        monkeypatch.delenv(pg_fixtures.REQUIRE_ENV, raising=False)
        with pytest.raises(pytest.skip.Exception, match="no PostgreSQL here"):
            pg_fixtures.skip_or_fail("no PostgreSQL here")

    @pytest.mark.parametrize("value", ["1", "true"])
    def test_fails_when_required(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        """Where ALLIANCE_REQUIRE_POSTGRES is set (CI) they fail instead, with the reason."""
        import pg_fixtures

        monkeypatch.setenv(pg_fixtures.REQUIRE_ENV, value)
        with pytest.raises(pytest.fail.Exception, match=r"PostgreSQL is required.*no PostgreSQL"):
            pg_fixtures.skip_or_fail("no PostgreSQL here")

    def test_zero_means_not_required(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """ALLIANCE_REQUIRE_POSTGRES=0 is the same as unset."""
        import pg_fixtures

        monkeypatch.setenv(pg_fixtures.REQUIRE_ENV, "0")
        with pytest.raises(pytest.skip.Exception):
            pg_fixtures.skip_or_fail("no PostgreSQL here")
