"""Alembic environment: migrates the connection that bot.store.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("tdbot migrations run through bot.store.migrate, which passes a connection")

context.configure(connection=connection, target_metadata=metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
