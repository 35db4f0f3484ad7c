"""Alembic's migrations build exactly the tables `state/schema.py` declares, on both engines.

The stores query through `schema.py`, while the database is made by the revisions in
`migrations/versions`: a column added to one and not the other would pass every other test on a
fresh database of one kind and fail in production on the other.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alliance_bot.state import Database
from alliance_bot.state.schema import metadata


class TestMigrationsMatchTheSchema:
    def test_a_fresh_database_has_no_difference_from_the_metadata(self, database: Database) -> None:
        """compare_metadata finds nothing to add, drop or change after all migrations ran."""
        with database.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "compare_server_default": _same_default},
            )
            differences = compare_metadata(context, metadata)
        assert differences == []


def _same_default(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """False when both defaults are the same SQL literal; else Alembic's own comparison (None).

    Alembic's SQLite comparison reports `DEFAULT ''` as changed against `server_default=""` though
    the DDL it compares is identical (`detail TEXT DEFAULT '' NOT NULL`); quotes and parentheses
    are what differ in how the two sides are written down.
    """
    if inspected_default is None or rendered_metadata_default is None:
        return None

    def bare(default: str) -> str:
        return default.strip().strip("()").strip("'\"")

    return False if bare(inspected_default) == bare(rendered_metadata_default) else None
