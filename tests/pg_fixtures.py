"""pytest plugin: a real PostgreSQL server for the tests that ask for one.

`postgres_cluster` (session scope) starts one throwaway server for the whole run, under pytest's
temporary directory, and stops it at the end. `postgres_url` (function scope) creates a fresh,
empty database for each test, returns its libpq URL (a Unix-socket URL, see
`alliance_bot.testing.postgres`) and drops it afterwards.

Under pytest-xdist each worker is a session of its own, so each starts its own server: its data
and socket directories are under that worker's temporary directory (or a `/tmp/alliance-pg-*`
directory of its own under root), and it opens no TCP port, so the servers cannot collide and
database names only need to be unique within one server.

Where PostgreSQL cannot run (`available()` gives the reason), the tests that use these fixtures
are skipped with that reason, unless ALLIANCE_REQUIRE_POSTGRES is set (CI sets it to 1): then
they fail, so a CI machine that lost its PostgreSQL cannot pass by skipping them.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from typing import NoReturn

import pytest

from alliance_bot.testing.postgres import PostgresCluster, available

REQUIRE_ENV = "ALLIANCE_REQUIRE_POSTGRES"

_database_numbers = itertools.count(1)


def postgres_required() -> bool:
    """Whether ALLIANCE_REQUIRE_POSTGRES asks for a failure instead of a skip."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test for `reason`, or fail it when PostgreSQL is required."""
    if postgres_required():
        pytest.fail(f"PostgreSQL is required ({REQUIRE_ENV} is set) but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def postgres_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """One running throwaway PostgreSQL server for the whole test session."""
    reason = available()
    if reason is not None:
        skip_or_fail(reason)
    cluster = PostgresCluster.start(tmp_path_factory.mktemp("postgres"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(
    postgres_cluster: PostgresCluster, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The URL of a new, empty database for this test alone; dropped after the test."""
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")
    name = f"t{next(_database_numbers)}_{slug}"[:63]
    url = postgres_cluster.create_database(name)
    yield url
    postgres_cluster.drop_database(name)
