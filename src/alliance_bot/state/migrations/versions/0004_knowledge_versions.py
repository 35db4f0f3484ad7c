"""The knowledge base in the database: approved versions, the one the cluster serves, replicas.

`knowledge_versions` keeps every approved version (its files and cited seeds as a zip, its content
hash, who approved it and when), so a rollback reaches any earlier version and survives restarts.
`knowledge_current` is one row (id = 1): the version every replica should serve, and the one it
replaced (where a plain rollback returns). `replicas` is each
replica's heartbeat with the version it serves, which the refresh reply counts.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_versions",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.Text(), nullable=False, unique=True),
        sa.Column("files", sa.LargeBinary(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("approved_at", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "knowledge_current",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("previous", sa.Text()),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "replicas",
        sa.Column("replica", sa.Text(), primary_key=True),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the state schema is never downgraded; restore a backup instead")
