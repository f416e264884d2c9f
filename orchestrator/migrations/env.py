"""Alembic environment: migrations always run on a connection handed in by orchestrator.db."""

from __future__ import annotations

from alembic import context

from orchestrator.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through orchestrator.db.migrate(), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
