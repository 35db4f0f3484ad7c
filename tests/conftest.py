"""Shared pytest fixtures: keep this small; fixtures used by one package live next to its tests.

`state_url` is where a test's shared state lives, once per backend: a SQLite file in tmp_path and
a fresh database on the real throwaway PostgreSQL server (`pg_fixtures`). Tests that take it (or
`database`, the store layer opened on it) run on both, so the two behave the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from alliance_bot.state import Database, DatabaseUrl, parse_database_url
from alliance_bot.testing.fake_slack import FakeSlack

# A real PostgreSQL server for the tests that need one (`postgres_url`); see tests/pg_fixtures.py.
pytest_plugins = ["pg_fixtures"]

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A recording stand-in Slack on a free localhost port (`fake_slack.base_url`)."""
    async with FakeSlack.running() as fake:
        yield fake


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseUrl:
    """An empty state database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return DatabaseUrl.sqlite(tmp_path / "state" / "alliance.db")
    return parse_database_url(request.getfixturevalue("postgres_url"))


@pytest.fixture
def database(state_url: DatabaseUrl) -> Iterator[Database]:
    """The state database opened (and migrated) as a server would open it."""
    database = Database.open(state_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes a test starts (the CLI) write snapshots under its tmp_path, never ~/.cache."""
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "snapshot-cache"))
