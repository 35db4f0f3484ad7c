"""Fixtures for the daily-post tests: a tiny knowledge base in tmp_path, state, fast retries."""

from __future__ import annotations

from pathlib import Path

import pytest
from daily_support import RecordingSleep, write_tiny_kb

from alliance_bot.daily.state import SqlPostState
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.state import Database


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """tmp/knowledge/tiny.yaml citing tmp/seeds/tiny.txt."""
    return write_tiny_kb(tmp_path)


@pytest.fixture
def kb(knowledge_dir: Path) -> KnowledgeBase:
    return load_knowledge(knowledge_dir)


@pytest.fixture
def state_db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "alliance.db"


@pytest.fixture
def state(database: Database) -> SqlPostState:
    """The post state on each backend (see `state_url` in tests/conftest.py)."""
    return SqlPostState(database)


@pytest.fixture
def fast_sleep() -> RecordingSleep:
    """Slack retry waits, recorded instead of taken."""
    return RecordingSleep()
