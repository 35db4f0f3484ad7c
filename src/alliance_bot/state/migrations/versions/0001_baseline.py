"""Baseline: the tables of the daily post and the admin features as they were before Alembic.

A SQLite file written before this revision already has them (its steps were counted per feature
in `schema_versions`, or earlier in `PRAGMA user_version`), so each table is created only where it
is missing: an old file upgrades in place with its rows, a file that only ever had the daily
post's tables gains the admin's, and a new database gets all of them. The old version table is
dropped: Alembic's `alembic_version` replaces it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def create(name: str, *elements: Any, **options: Any) -> None:
        if name not in existing:
            op.create_table(name, *elements, **options)

    text, integer = sa.Text(), sa.Integer()
    create(
        "daily_posts",
        sa.Column("channel", text, nullable=False),
        sa.Column("local_date", text, nullable=False),
        sa.Column("status", text, nullable=False),
        sa.Column("owner", text),
        sa.Column("lease_until", text),
        sa.Column("first_claimed_at", text, nullable=False),
        sa.Column("ts", text),
        sa.Column("kind", text),
        sa.Column("entry_ids", text, nullable=False, server_default=""),
        sa.Column("done_at", text),
        sa.PrimaryKeyConstraint("channel", "local_date"),
        sa.CheckConstraint("status IN ('claimed', 'posted', 'skipped')", name="daily_status"),
    )
    create(
        "archive_shown",
        sa.Column("seq", integer, primary_key=True, autoincrement=True),
        sa.Column("channel", text, nullable=False),
        sa.Column("cycle", integer, nullable=False),
        sa.Column("entry_id", text, nullable=False),
        sa.Column("local_date", text, nullable=False),
        sa.UniqueConstraint("channel", "cycle", "entry_id"),
        sqlite_autoincrement=True,
    )
    create(
        "admin_refreshes",
        sa.Column("seq", integer, primary_key=True, autoincrement=True),
        sa.Column("at", text, nullable=False),
        sa.Column("user_id", text, nullable=False),
        sa.Column("action", text, nullable=False),
        sa.Column("result", text, nullable=False),
        sa.Column("version_before", text),
        sa.Column("version_after", text),
        sa.Column("detail", text, nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )
    create(
        "unanswered_questions",
        sa.Column("normalized", text, primary_key=True),
        sa.Column("text", text, nullable=False),
        sa.Column("count", integer, nullable=False),
        sa.Column("first_asked", text, nullable=False),
        sa.Column("last_asked", text, nullable=False),
        sa.Column("suggestions", text, nullable=False, server_default=""),
    )
    create(
        "unanswered_daily",
        sa.Column("normalized", text, nullable=False),
        sa.Column("day", text, nullable=False),
        sa.Column("count", integer, nullable=False),
        sa.PrimaryKeyConstraint("normalized", "day"),
    )
    create(
        "questions_daily",
        sa.Column("day", text, nullable=False),
        sa.Column("answered", integer, nullable=False),
        sa.Column("count", integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "answered"),
    )
    create(
        "entries_daily",
        sa.Column("day", text, nullable=False),
        sa.Column("entry_id", text, nullable=False),
        sa.Column("count", integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "entry_id"),
    )
    if "schema_versions" in existing:
        op.drop_table("schema_versions")


def downgrade() -> None:
    raise NotImplementedError("the state schema is never downgraded; restore a backup instead")
