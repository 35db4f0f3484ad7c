"""The redelivery and replay guard's table; unanswered questions bounded to a prefix.

`deliveries` holds one row per Slack delivery id (event, trigger, action) until it expires, so a
redelivery or a replay reaching any replica is dropped (`INSERT … ON CONFLICT DO NOTHING`).

Unanswered questions used to be stored in full (issue 10: 50 DMs of 40,000 characters added
10 MB), and the folded text is the primary key, which PostgreSQL cannot index past about 2.7 kB.
Rows written before keep at most the prefix the recorder now keeps: their text is clipped, and a
row whose key is longer is dropped with its daily counts (clipping keys could merge two rows).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PREFIX = 300  # alliance_bot.admin.state.MAX_QUESTION_CHARS when this revision was written


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("expires_at", sa.Text(), nullable=False),
    )
    op.create_index("ix_deliveries_expires_at", "deliveries", ["expires_at"])
    long_key = f"length(normalized) > {PREFIX}"
    op.execute(sa.text(f"DELETE FROM unanswered_daily WHERE {long_key}"))
    op.execute(sa.text(f"DELETE FROM unanswered_questions WHERE {long_key}"))
    op.execute(
        sa.text(
            f"UPDATE unanswered_questions SET text = substr(text, 1, {PREFIX}) "
            f"WHERE length(text) > {PREFIX}"
        )
    )


def downgrade() -> None:
    raise NotImplementedError("the state schema is never downgraded; restore a backup instead")
