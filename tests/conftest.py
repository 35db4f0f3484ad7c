"""Shared pytest fixtures: keep this small; fixtures used by one package live next to its tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from alliance_bot.testing.fake_slack import FakeSlack

# A real PostgreSQL server for the tests that need one (`postgres_url`); see tests/pg_fixtures.py.
pytest_plugins = ["pg_fixtures"]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A recording stand-in Slack on a free localhost port (`fake_slack.base_url`)."""
    async with FakeSlack.running() as fake:
        yield fake
