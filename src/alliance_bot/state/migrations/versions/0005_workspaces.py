"""Several workspaces: every row keyed by workspace, and slack-sdk's installation and OAuth tables.

Each feature table gains `enterprise_id` and `team_id` ('' and '' for the single workspace of
SLACK_BOT_TOKEN; '' team and the org's id for a Grid org-wide install), and they join the primary
or unique key, so the same channel, day or question in two workspaces are two rows. Existing rows
keep '' and '': a state file or database from one workspace upgrades in place and means what it
meant. Tables whose key changes are rebuilt (create, copy, drop, rename): it works the same on
SQLite and PostgreSQL, where changing a primary key in place differs between the two.

`slack_installations`, `slack_bots` and `slack_oauth_states` are the tables slack-sdk's
`AsyncSQLAlchemyInstallationStore` and `AsyncSQLAlchemyOAuthStateStore` read and write (their
`build_*_table` definitions, slack-sdk 3.48), created here rather than by the stores'
`create_tables()` so that one migration path, under the one lock, shapes the whole database.
`tests/state/test_migrations.py` checks they still match what slack-sdk declares.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TEXT, _INT = sa.Text(), sa.Integer()


def _workspace() -> list[sa.Column[Any]]:
    return [
        sa.Column("enterprise_id", _TEXT, nullable=False, server_default=""),
        sa.Column("team_id", _TEXT, nullable=False, server_default=""),
    ]


def _rebuild(name: str, columns: list[str], *elements: Any, order_by: str = "", **kw: Any) -> None:
    """Recreate `name` with `elements` (the workspace columns first), copying `columns` over."""
    temporary = f"{name}_0005"
    op.create_table(temporary, *_workspace(), *elements, **kw)
    listed = ", ".join(columns)
    order = f" ORDER BY {order_by}" if order_by else ""
    op.execute(sa.text(f"INSERT INTO {temporary} ({listed}) SELECT {listed} FROM {name}{order}"))
    op.drop_table(name)
    op.rename_table(temporary, name)


def upgrade() -> None:
    _rebuild(
        "daily_posts",
        [
            "channel",
            "local_date",
            "status",
            "owner",
            "lease_until",
            "first_claimed_at",
            "ts",
            "kind",
            "entry_ids",
            "done_at",
        ],
        sa.Column("channel", _TEXT, nullable=False),
        sa.Column("local_date", _TEXT, nullable=False),
        sa.Column("status", _TEXT, nullable=False),
        sa.Column("owner", _TEXT),
        sa.Column("lease_until", _TEXT),
        sa.Column("first_claimed_at", _TEXT, nullable=False),
        sa.Column("ts", _TEXT),
        sa.Column("kind", _TEXT),
        sa.Column("entry_ids", _TEXT, nullable=False, server_default=""),
        sa.Column("done_at", _TEXT),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "channel", "local_date"),
        sa.CheckConstraint("status IN ('claimed', 'posted', 'skipped')", name="daily_status_0005"),
    )
    # Copied in `seq` order without `seq`: new numbers keep the order, and PostgreSQL's sequence
    # for the new table then starts after them.
    _rebuild(
        "archive_shown",
        ["channel", "cycle", "entry_id", "local_date"],
        sa.Column("seq", _INT, primary_key=True, autoincrement=True),
        sa.Column("channel", _TEXT, nullable=False),
        sa.Column("cycle", _INT, nullable=False),
        sa.Column("entry_id", _TEXT, nullable=False),
        sa.Column("local_date", _TEXT, nullable=False),
        sa.UniqueConstraint("enterprise_id", "team_id", "channel", "cycle", "entry_id"),
        order_by="seq",
        sqlite_autoincrement=True,
    )
    _rebuild(
        "unanswered_questions",
        ["normalized", "text", "count", "first_asked", "last_asked", "suggestions"],
        sa.Column("normalized", _TEXT, nullable=False),
        sa.Column("text", _TEXT, nullable=False),
        sa.Column("count", _INT, nullable=False),
        sa.Column("first_asked", _TEXT, nullable=False),
        sa.Column("last_asked", _TEXT, nullable=False),
        sa.Column("suggestions", _TEXT, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "normalized"),
    )
    _rebuild(
        "unanswered_daily",
        ["normalized", "day", "count"],
        sa.Column("normalized", _TEXT, nullable=False),
        sa.Column("day", _TEXT, nullable=False),
        sa.Column("count", _INT, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "normalized", "day"),
    )
    _rebuild(
        "questions_daily",
        ["day", "answered", "count"],
        sa.Column("day", _TEXT, nullable=False),
        sa.Column("answered", _INT, nullable=False),
        sa.Column("count", _INT, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "day", "answered"),
    )
    _rebuild(
        "entries_daily",
        ["day", "entry_id", "count"],
        sa.Column("day", _TEXT, nullable=False),
        sa.Column("entry_id", _TEXT, nullable=False),
        sa.Column("count", _INT, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "day", "entry_id"),
    )
    # workspace_settings had team_id already (0003): only the enterprise joins its key.
    temporary = "workspace_settings_0005"
    op.create_table(
        temporary,
        *_workspace(),
        sa.Column("key", _TEXT, nullable=False),
        sa.Column("value", _TEXT, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "key"),
    )
    op.execute(
        sa.text(
            f"INSERT INTO {temporary} (team_id, key, value) "
            "SELECT team_id, key, value FROM workspace_settings"
        )
    )
    op.drop_table("workspace_settings")
    op.rename_table(temporary, "workspace_settings")
    # Histories only gain the columns: who did what, in which workspace.
    op.add_column(
        "settings_changes", sa.Column("enterprise_id", _TEXT, nullable=False, server_default="")
    )
    for column in _workspace():
        op.add_column("admin_refreshes", column)

    _slack_sdk_tables()


def _slack_sdk_tables() -> None:
    """slack-sdk 3.48's `build_installations_table`, `build_bots_table` and
    `build_oauth_states_table`, as they are there (string lengths included)."""
    s = sa.String
    op.create_table(
        "slack_installations",
        sa.Column("id", _INT, primary_key=True, autoincrement=True),
        sa.Column("client_id", s(32), nullable=False),
        sa.Column("app_id", s(32), nullable=False),
        sa.Column("enterprise_id", s(32)),
        sa.Column("enterprise_name", s(200)),
        sa.Column("enterprise_url", s(200)),
        sa.Column("team_id", s(32)),
        sa.Column("team_name", s(200)),
        sa.Column("bot_token", s(200)),
        sa.Column("bot_id", s(32)),
        sa.Column("bot_user_id", s(32)),
        sa.Column("bot_scopes", s(1000)),
        sa.Column("bot_refresh_token", s(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("user_id", s(32), nullable=False),
        sa.Column("user_token", s(200)),
        sa.Column("user_scopes", s(1000)),
        sa.Column("user_refresh_token", s(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", s(200)),
        sa.Column("incoming_webhook_channel", s(200)),
        sa.Column("incoming_webhook_channel_id", s(200)),
        sa.Column("incoming_webhook_configuration_url", s(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", s(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        sa.Column("id", _INT, primary_key=True, autoincrement=True),
        sa.Column("client_id", s(32), nullable=False),
        sa.Column("app_id", s(32), nullable=False),
        sa.Column("enterprise_id", s(32)),
        sa.Column("enterprise_name", s(200)),
        sa.Column("team_id", s(32)),
        sa.Column("team_name", s(200)),
        sa.Column("bot_token", s(200)),
        sa.Column("bot_id", s(32)),
        sa.Column("bot_user_id", s(32)),
        sa.Column("bot_scopes", s(1000)),
        sa.Column("bot_refresh_token", s(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", _INT, primary_key=True, autoincrement=True),
        sa.Column("state", s(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the state schema is never downgraded; restore a backup instead")
