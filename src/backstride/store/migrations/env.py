"""Alembic environment: runs on the connection backstride hands over (never its own URL)."""

from __future__ import annotations

from alembic import context

from backstride.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through `backstride db upgrade`, not the alembic CLI")

# render_as_batch lets SQLite alter tables by copy-and-move (it has no ALTER COLUMN).
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
