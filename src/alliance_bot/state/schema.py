"""The tables of the shared state, as SQLAlchemy Core objects that the stores query with.

The schema itself is created and changed only by the Alembic revisions in `migrations/versions`;
these definitions mirror the newest revision so that queries are built from names, not strings.
Times are ISO-8601 UTC text (`2024-03-10T09:00:00.000000+00:00`): it compares correctly as text on
both engines and reads back as an aware datetime, and it is what existing SQLite files hold.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()


def _workspace() -> tuple[Column[str], Column[str]]:
    """The key of a workspace, first in every per-workspace table (`state.workspace`): '' and ''
    for the single workspace of SLACK_BOT_TOKEN; a Grid org-wide install has '' as its team."""
    return (
        Column("enterprise_id", Text, primary_key=True, server_default=""),
        Column("team_id", Text, primary_key=True, server_default=""),
    )


def _workspace_columns() -> tuple[Column[str], Column[str]]:
    """The same key where it is not part of the primary key."""
    return (
        Column("enterprise_id", Text, nullable=False, server_default=""),
        Column("team_id", Text, nullable=False, server_default=""),
    )


# --- the daily post ---------------------------------------------------------------------------

daily_posts = Table(
    "daily_posts",
    metadata,
    *_workspace(),
    Column("channel", Text, primary_key=True),
    Column("local_date", Text, primary_key=True),  # YYYY-MM-DD in ALLIANCE_TIMEZONE
    Column("status", Text, nullable=False),  # claimed | posted | skipped
    Column("owner", Text),  # who holds the claim / who posted
    Column("lease_until", Text),  # a claim is void after it
    Column("first_claimed_at", Text, nullable=False),  # kept across takeovers
    Column("ts", Text),  # Slack message ts once posted
    Column("kind", Text),  # events | archive
    Column("entry_ids", Text, nullable=False, server_default=""),  # comma-separated
    Column("done_at", Text),
)

archive_shown = Table(
    "archive_shown",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    *_workspace_columns(),
    Column("channel", Text, nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("local_date", Text, nullable=False),
    UniqueConstraint("enterprise_id", "team_id", "channel", "cycle", "entry_id"),
    sqlite_autoincrement=True,
)

# --- the admin features -----------------------------------------------------------------------

admin_refreshes = Table(
    "admin_refreshes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    *_workspace_columns(),  # where the admin who did it works (the knowledge base is shared)
    Column("at", Text, nullable=False),
    Column("user_id", Text, nullable=False),  # Slack user ID, or 'SIGHUP'
    Column("action", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("version_before", Text),
    Column("version_after", Text),
    Column("detail", Text, nullable=False, server_default=""),
    sqlite_autoincrement=True,
)

unanswered_questions = Table(
    "unanswered_questions",
    metadata,
    *_workspace(),
    Column("normalized", Text, primary_key=True),  # folded prefix: what makes two askings one gap
    Column("text", Text, nullable=False),  # a bounded prefix of the latest wording, as typed
    Column("count", Integer, nullable=False),
    Column("first_asked", Text, nullable=False),
    Column("last_asked", Text, nullable=False),
    Column("suggestions", Text, nullable=False, server_default=""),  # comma-separated entry ids
)

unanswered_daily = Table(
    "unanswered_daily",
    metadata,
    *_workspace(),
    Column("normalized", Text, primary_key=True),
    Column("day", Text, primary_key=True),  # YYYY-MM-DD (UTC)
    Column("count", Integer, nullable=False),
)

questions_daily = Table(
    "questions_daily",
    metadata,
    *_workspace(),
    Column("day", Text, primary_key=True),
    Column("answered", Integer, primary_key=True),  # 1: status answer; 0: anything else
    Column("count", Integer, nullable=False),
)

entries_daily = Table(
    "entries_daily",
    metadata,
    *_workspace(),
    Column("day", Text, primary_key=True),
    Column("entry_id", Text, primary_key=True),
    Column("count", Integer, nullable=False),
)

# --- the redelivery and replay guard ----------------------------------------------------------

deliveries = Table(
    "deliveries",
    metadata,
    Column("key", Text, primary_key=True),  # "event:Ev…", "trigger:…", "action:…"
    Column("expires_at", Text, nullable=False, index=True),
)

# --- settings set from Slack (0003, keyed by workspace in 0005) --------------------------------

workspace_settings = Table(
    "workspace_settings",
    metadata,
    *_workspace(),
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

settings_changes = Table(
    "settings_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("team_id", Text, nullable=False, server_default=""),
    Column("at", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("enterprise_id", Text, nullable=False, server_default=""),
    sqlite_autoincrement=True,
)

# --- slack-sdk's installation store (written by it; read here to list the installed workspaces)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("installed_at", DateTime, nullable=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

# --- the knowledge base, one row per approved version -----------------------------------------

knowledge_versions = Table(
    "knowledge_versions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("version", Text, nullable=False, unique=True),  # the knowledge base's content hash
    Column("files", LargeBinary, nullable=False),  # knowledge/ and cited seeds/, as a zip
    Column("entries", Integer, nullable=False),  # how many entries it has (for listings)
    Column("approved_by", Text, nullable=False),  # Slack user ID, 'SIGHUP', 'cli', 'image'
    Column("approved_at", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    sqlite_autoincrement=True,
)

# Which version the cluster serves: one row (id = 1), moved by refresh, alias and rollback.
knowledge_current = Table(
    "knowledge_current",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Text, nullable=False),
    Column("previous", Text),  # what it replaced: where a plain rollback returns to
    Column("changed_by", Text, nullable=False),  # Slack user ID, 'SIGHUP', 'cli', 'image'
    Column("changed_at", Text, nullable=False),
)

# Which replica serves which version, refreshed by each replica's heartbeat.
replicas = Table(
    "replicas",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("version", Text, nullable=False),
    Column("seen_at", Text, nullable=False),
)
