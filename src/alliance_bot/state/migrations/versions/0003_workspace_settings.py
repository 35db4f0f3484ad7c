"""Settings set from Slack (`/alliance settings`, the Home tab) and their history.

`workspace_settings` holds one JSON value per (team, setting); `settings_changes` records every
change: who, when, the old and the new value. `team_id` is '' for the single workspace of
SLACK_BOT_TOKEN.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    # A state file from before this revision may already hold the tables (written by the
    # settings store's own migration); they have the same columns, so they are kept.
    if "workspace_settings" not in existing:
        op.create_table(
            "workspace_settings",
            sa.Column("team_id", sa.Text(), primary_key=True, server_default=""),
            sa.Column("key", sa.Text(), primary_key=True),
            sa.Column("value", sa.Text(), nullable=False),
        )
    if "settings_changes" not in existing:
        op.create_table(
            "settings_changes",
            sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("team_id", sa.Text(), nullable=False, server_default=""),
            sa.Column("at", sa.Text(), nullable=False),
            sa.Column("user_id", sa.Text(), nullable=False),
            sa.Column("key", sa.Text(), nullable=False),
            sa.Column("old_value", sa.Text()),
            sa.Column("new_value", sa.Text()),
            sqlite_autoincrement=True,
        )


def downgrade() -> None:
    raise NotImplementedError("the state schema is never downgraded; restore a backup instead")
