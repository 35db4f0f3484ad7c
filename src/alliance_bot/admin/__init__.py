"""Keeping the knowledge base from chat: refresh, dry run, rollback, aliases, and what users
miss (gaps and stats), with the history of who did what."""

from alliance_bot.admin.service import GapsReport, KnowledgeAdmin, QuestionRecorder
from alliance_bot.admin.state import (
    AdminState,
    Gap,
    RefreshRecord,
    SqlAdminState,
    SqliteAdminState,
    Stats,
)

__all__ = [
    "AdminState",
    "Gap",
    "GapsReport",
    "KnowledgeAdmin",
    "QuestionRecorder",
    "RefreshRecord",
    "SqlAdminState",
    "SqliteAdminState",
    "Stats",
]
