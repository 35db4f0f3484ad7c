"""The admin tests' chat with the server (`alliance_bot.testing.chat`, under the names they use),
and a look at the knowledge base version the server answers from."""

from __future__ import annotations

from pathlib import Path

from alliance_bot.knowledge.archive import read_archive
from alliance_bot.knowledge.store import KnowledgeStore
from alliance_bot.state import Database
from alliance_bot.testing.chat import ADMIN, NOT_ADMIN, Chat, Reply

__all__ = ["ADMIN", "NOT_ADMIN", "Chat", "Reply", "served_file"]


def served_file(state_dir: Path, name: str) -> str:
    """A YAML file of the version the server answers from, as stored in its state database
    (`state_dir/state.db`): aliases added from Slack are versions there, not edits of the
    server's own files."""
    database = Database.sqlite(state_dir / "state.db")
    try:
        store = KnowledgeStore(database)
        current = store.current()
        assert current is not None
        data = store.archive(current.version)
        assert data is not None
        return read_archive(data).members[f"knowledge/{name}"].decode("utf-8")
    finally:
        database.dispose()
