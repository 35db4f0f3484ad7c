"""A throwaway PostgreSQL server for tests: a real `postgres` process, no mock.

`PostgresCluster.start(base_dir)` runs `initdb` into `base_dir/pgdata` and starts `postgres`
listening only on a Unix socket in `base_dir/socket` (no TCP port, so nothing can collide with
a port in TIME-WAIT), with durability switched off for speed (fsync, synchronous_commit and
full_page_writes off). It returns once the server accepts connections.
`cluster.create_database(name)` returns a libpq URL for a new, empty database:
`postgresql://postgres@/NAME?host=/SOCKET/DIR&port=5432` (the port names the socket file
`.s.PGSQL.5432`; it is spelled out so that a `PGPORT` in the environment cannot redirect it).
`cluster.stop()` shuts the server down and waits for the process to end.
`cluster.stop_server()` and `cluster.start_server()` take the same server down and bring it back
on its data (same socket, same URLs, databases kept): how a test plays "the database is down"
under a running application and then "it is back".

Authentication over the socket: the superuser `postgres` is trusted (the socket directory is
mode 0700, so only the user that runs the server, and root, can reach it); every other role
must give its password (scram-sha-256), as an application's role would in production.

Running as root: `initdb` and `postgres` refuse to run as root, so both run as the `postgres`
system user (`initdb` through `runuser -u postgres --`, the server through `setpriv`, which
`exec`s so the server's PID is the child's), and the directories they write are given to that
user. When that user cannot reach `base_dir` (pytest's temporary directories are private to
root: /tmp/pytest-of-root is mode 0700), `pgdata` and `socket` go in a private directory of the
system temporary directory instead, `/tmp/alliance-pg-XXXXXXXX` (mode 0700, owned by
`postgres`), which `stop()` removes; `postgres.log` stays in `base_dir`. Opening up
/tmp/pytest-of-root instead would not last: every pytest run as root makes it 0700 again, and a
running server that loses its path PANICs.

The server is started with a parent-death signal (SIGQUIT, PostgreSQL's immediate shutdown):
if the process, or strictly the thread, that started it dies without calling `stop()`, even by
SIGKILL, the server goes too instead of outliving the test run. So start it from a thread that
lives as long as the cluster is needed, such as the main thread. A `/tmp/alliance-pg-*`
directory left behind that way is removed by the next `start()` that needs one.

`available()` says whether all this can work here: `None`, or the reason why not.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import LiteralString
from urllib.parse import quote

SUPERUSER = "postgres"
"""The superuser role `initdb` creates, and the OS user the server runs as under root."""

PORT = 5432
"""Only names the socket file (`.s.PGSQL.5432`); the server opens no TCP port."""

SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
"""Passed to `postgres` as `-c NAME=VALUE`: no TCP, no durability (the data is thrown away)."""

START_TIMEOUT = 120.0  # a safety net: one server per pytest-xdist worker, on a loaded machine
STOP_TIMEOUT = 30.0
MAX_SOCKET_PATH = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux
MAX_IDENTIFIER = 63  # NAMEDATALEN - 1: PostgreSQL silently truncates longer names

_BIN_GLOB_ROOT = Path("/usr/lib/postgresql")
_SCRATCH_PREFIX = "alliance-pg-"
_OWNER_FILE = "owner"  # in a scratch directory: "PID PID-NAMESPACE" of the process that made it
_HBA = f"""\
# Written by alliance_bot.testing.postgres: Unix socket only.
local all {SUPERUSER} trust
local all all scram-sha-256
"""


class PostgresError(RuntimeError):
    """The throwaway server could not be set up, started or stopped."""


def find_bindir() -> Path | None:
    """The directory holding `initdb` and `postgres`: the one `initdb` on PATH resolves to,
    else the newest `/usr/lib/postgresql/VERSION/bin`, else None."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    versioned = [p for p in _BIN_GLOB_ROOT.glob("*/bin") if _version_key(p.parent.name)]
    candidates.extend(sorted(versioned, key=lambda p: _version_key(p.parent.name), reverse=True))
    for bindir in candidates:
        if all(_is_executable(bindir / name) for name in ("initdb", "postgres")):
            return bindir
    return None


def available() -> str | None:
    """None when a throwaway PostgreSQL server can be started here, else the reason why not."""
    if find_bindir() is None:
        return (
            "no PostgreSQL server binaries (initdb, postgres) on PATH or in "
            f"{_BIN_GLOB_ROOT}/*/bin; `apt-get install postgresql` provides them"
        )
    if importlib.util.find_spec("psycopg") is None:
        return "the psycopg package is not installed (pip install 'psycopg[binary]')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return f"running as root, and there is no {SUPERUSER!r} user to run the server as"
        for tool in ("runuser", "setpriv"):
            if shutil.which(tool) is None:
                return f"running as root, and {tool!r} (util-linux) is not on PATH"
    return None


@dataclass
class PostgresCluster:
    """A running throwaway server; build one with `PostgresCluster.start(base_dir)`."""

    bindir: Path
    data_dir: Path
    socket_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    as_root: bool = False
    """Whether the server runs as the `postgres` user because we are root."""
    scratch_dir: Path | None = None
    """The `/tmp/alliance-pg-*` directory holding `data_dir` and `socket_dir`, if one was needed
    (see the module docstring); removed by `stop()`."""
    server_version: int = 0
    """As libpq reports it, e.g. 150018 for 15.18."""
    _stopped: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, base_dir: Path) -> PostgresCluster:
        """Create a cluster in `base_dir/pgdata`, start it on a socket in `base_dir/socket` and
        return once it accepts connections. The server's output goes to `base_dir/postgres.log`.
        (Under root, the two directories may be elsewhere: see the module docstring.)"""
        reason = available()
        if reason is not None:
            raise PostgresError(reason)
        bindir = find_bindir()
        assert bindir is not None  # available() checked it
        base_dir = base_dir.resolve()
        base_dir.mkdir(parents=True, exist_ok=True)
        log_path = base_dir / "postgres.log"
        server_user = pwd.getpwnam(SUPERUSER) if os.geteuid() == 0 else None
        scratch_dir = None
        home = base_dir
        if server_user is not None and not _can_reach(base_dir, server_user):
            _remove_orphaned_scratch_dirs(server_user)
            home = scratch_dir = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX))
            os.chown(scratch_dir, server_user.pw_uid, server_user.pw_gid)
            (scratch_dir / _OWNER_FILE).write_text(f"{os.getpid()} {_pid_namespace()}\n")
        try:
            data_dir, socket_dir = home / "pgdata", home / "socket"
            process = _init_and_launch(bindir, data_dir, socket_dir, log_path, server_user)
        except BaseException:
            if scratch_dir is not None:
                shutil.rmtree(scratch_dir, ignore_errors=True)
            raise
        cluster = cls(
            bindir, data_dir, socket_dir, log_path, process, server_user is not None, scratch_dir
        )
        try:
            cluster.server_version = cluster._wait_until_ready()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def url(self, database: str, user: str = SUPERUSER) -> str:
        """The libpq URL of `database` as `user`, over this server's Unix socket."""
        user, database = quote(user, safe=""), quote(database, safe="")
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql://{user}@/{database}?host={host}&port={PORT}"

    def create_database(self, name: str) -> str:
        """Create the empty database `name` (owned by the superuser) and return its URL."""
        if len(name.encode()) > MAX_IDENTIFIER:
            raise ValueError(f"database name longer than {MAX_IDENTIFIER} bytes: {name!r}")
        self._admin("CREATE DATABASE {}", name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop `name` if it exists, disconnecting anyone still connected to it."""
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    @property
    def pid(self) -> int:
        """The postmaster's process id."""
        return self.process.pid

    def stop(self) -> None:
        """Shut the server down (fast shutdown: open connections are closed) and wait until the
        process has exited; escalate to immediate shutdown, then SIGKILL, if it hangs. Safe to
        call more than once."""
        if self._stopped:
            return
        self._stopped = True
        self._shut_down()
        if self.scratch_dir is not None:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)

    def stop_server(self) -> None:
        """Take the server down as `stop` does, but keep its data for `start_server`."""
        if self._stopped:
            raise PostgresError("the cluster was stopped for good; start a new one")
        self._shut_down()

    def start_server(self) -> None:
        """Start the server again on the same data and socket (after `stop_server`); return
        once it accepts connections."""
        if self._stopped:
            raise PostgresError("the cluster was stopped for good; start a new one")
        if self.process.poll() is None:
            return  # still running
        self.process = _launch(
            self.bindir, self.data_dir, self.socket_dir, self.log_path, as_root=self.as_root
        )
        self._wait_until_ready()

    def _shut_down(self) -> None:
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT)
        if self.process.poll() is None:
            raise PostgresError(f"postgres (pid {self.pid}) did not exit, even after SIGKILL")

    def log(self) -> str:
        """Everything initdb and the server wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _admin(self, statement: LiteralString, name: str) -> None:
        import psycopg
        from psycopg import sql

        query = sql.SQL(statement).format(sql.Identifier(name))
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(query)

    def _wait_until_ready(self) -> int:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise PostgresError(
                    f"postgres exited with status {self.process.returncode} while starting; "
                    f"its log ({self.log_path}):\n{self.log()}"
                )
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=5) as connection:
                    return connection.info.server_version
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"postgres did not accept connections within {START_TIMEOUT:.0f} s "
                        f"({error}); its log ({self.log_path}):\n{self.log()}"
                    ) from error
            time.sleep(0.01)


def _init_and_launch(
    bindir: Path,
    data_dir: Path,
    socket_dir: Path,
    log_path: Path,
    server_user: pwd.struct_passwd | None,
) -> subprocess.Popen[bytes]:
    """Make the two directories, run initdb, write pg_hba.conf and start `postgres`."""
    socket_file = socket_dir / f".s.PGSQL.{PORT}"
    if len(os.fsencode(socket_file)) > MAX_SOCKET_PATH:
        raise PostgresError(
            f"the socket path {socket_file} is longer than {MAX_SOCKET_PATH} bytes; "
            "use a shorter base_dir"
        )
    for directory in (data_dir, socket_dir):
        directory.mkdir(mode=0o700)
    as_root = server_user is not None
    if server_user is not None:
        for directory in (data_dir, socket_dir):
            os.chown(directory, server_user.pw_uid, server_user.pw_gid)

    _initdb(bindir, data_dir, log_path, as_root=as_root)
    hba = data_dir / "pg_hba.conf"
    hba.write_text(_HBA, encoding="utf-8")
    if server_user is not None:
        os.chown(hba, server_user.pw_uid, server_user.pw_gid)

    return _launch(bindir, data_dir, socket_dir, log_path, as_root=as_root)


def _launch(
    bindir: Path, data_dir: Path, socket_dir: Path, log_path: Path, *, as_root: bool
) -> subprocess.Popen[bytes]:
    """Start `postgres` on an initialised `data_dir`, its output appended to `log_path`."""
    command = [str(bindir / "postgres"), "-D", str(data_dir), "-k", str(socket_dir)]
    command += ["-p", str(PORT)]
    for name, value in SERVER_SETTINGS.items():
        command += ["-c", f"{name}={value}"]
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [*_server_wrapper(as_root=as_root), *command],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, not the server
        )


def _server_wrapper(*, as_root: bool) -> list[str]:
    """`setpriv` options that give the server a parent-death signal and, under root, the
    `postgres` user; `setpriv` then `exec`s, so the child's PID is the postmaster's. Without
    `setpriv` (only possible when not root) the server runs unwrapped."""
    if not as_root and shutil.which("setpriv") is None:
        return []
    wrapper = ["setpriv", "--pdeathsig=SIGQUIT"]
    if as_root:
        wrapper += [f"--reuid={SUPERUSER}", f"--regid={SUPERUSER}", "--init-groups"]
    return [*wrapper, "--"]


def _initdb(bindir: Path, data_dir: Path, log_path: Path, *, as_root: bool) -> None:
    command = [str(bindir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER]
    command += ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]
    if as_root:
        command = ["runuser", "-u", SUPERUSER, "--", *command]
    result = subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=data_dir,
        timeout=120,
        check=False,
    )
    output = (result.stdout + result.stderr).decode(errors="replace")
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n{output}\n")
    if result.returncode != 0:
        raise PostgresError(f"initdb failed with status {result.returncode}:\n{output}")


def _can_reach(directory: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` may pass through every directory from / down to `directory`."""
    gids = set(os.getgrouplist(user.pw_name, user.pw_gid))
    return all(
        _can_search(path.stat(), user.pw_uid, gids) for path in [*directory.parents, directory]
    )


def _remove_orphaned_scratch_dirs(server_user: pwd.struct_passwd) -> None:
    """Remove the scratch directories whose maker is dead: its server died with it (the
    parent-death signal), so nothing uses them. One whose maker is alive, or that has no owner
    file yet, or was made in another PID namespace (where its PID means nothing here), stays."""
    for directory in Path(tempfile.gettempdir()).glob(f"{_SCRATCH_PREFIX}*"):
        try:
            info = directory.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != server_user.pw_uid:
                continue
            pid, namespace = (directory / _OWNER_FILE).read_text().split()
            if namespace != _pid_namespace() or _process_exists(int(pid)):
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(directory, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists; it is just not ours to signal
    return True


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return "unknown"


def _can_search(info: os.stat_result, uid: int, gids: set[int]) -> bool:
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in gids:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _version_key(name: str) -> tuple[int, ...]:
    """(15,) for "15", (9, 6) for "9.6", () for anything that is not a version."""
    if not re.fullmatch(r"\d+(\.\d+)*", name):
        return ()
    return tuple(int(part) for part in name.split("."))
