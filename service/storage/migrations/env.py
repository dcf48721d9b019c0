"""Alembic's entry point: runs the migrations on the connection service/storage/database.py hands it.

`cablewise db upgrade` is the way in; this file is not meant to be driven by the `alembic` command with an ini.
"""

from __future__ import annotations

from alembic import context

from service.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by calling alembic directly
    raise RuntimeError("run migrations with `cablewise db upgrade` (service/storage/database.py)")

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table instead.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
