"""Shared state: one database (SQLite by default, PostgreSQL for replicas) behind the stores.

`Database` is the access layer (SQLAlchemy 2 Core, Alembic migrations at start-up under a lock);
`DatabaseUrl` says which database (`Settings.database` builds it); `DeliveryLog` is the redelivery
and replay guard. The feature stores (`alliance_bot.daily.state`, `alliance_bot.admin.state`) are
built on `Database`.

The names are loaded on first use (PEP 562): reading the settings needs only `DatabaseUrl`, and
`alliance-bot ask` should not pay for importing SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from alliance_bot.state.url import DatabaseUnavailable, DatabaseUrl, parse_database_url

if TYPE_CHECKING:
    from alliance_bot.state.database import Database, open_database, waiting_for_database
    from alliance_bot.state.deliveries import DeliveryLog

_LAZY = {
    "Database": "alliance_bot.state.database",
    "open_database": "alliance_bot.state.database",
    "waiting_for_database": "alliance_bot.state.database",
    "DeliveryLog": "alliance_bot.state.deliveries",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Database",
    "DatabaseUnavailable",
    "DatabaseUrl",
    "DeliveryLog",
    "open_database",
    "parse_database_url",
    "waiting_for_database",
]
