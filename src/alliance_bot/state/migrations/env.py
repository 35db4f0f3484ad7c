"""Alembic's entry point: run the revisions on the connection `Database.migrate` passes in.

There is no alembic.ini: `Database.migrate` builds the configuration in code and hands over a
connection that is already inside the transaction holding the migration lock.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
