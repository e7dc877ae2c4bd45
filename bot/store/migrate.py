"""Alembic, run from code: the migrations ship inside the package, no alembic.ini."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import advisory_key

MIGRATIONS = Path(__file__).with_name("migrations")

# Alembic keeps the running migration in module globals (alembic.context,
# alembic.op), so upgrades in one process take turns, whatever loop or thread
# they run on. Polled rather than awaited: a blocking acquire would stall the
# event loop that the holder needs in order to finish.
_alembic_turn = threading.Lock()
_TURN_POLL_SECONDS = 0.01


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config for the packaged migrations; env.py migrates ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several replicas may start together: the first migrates, the others
        # wait here, then find the schema at head. The lock ends with the
        # transaction, so a crashed migrator cannot leave it held.
        connection.execute(select(func.pg_advisory_xact_lock(advisory_key("migrate"))))
    command.upgrade(alembic_config(connection), "head")


async def upgrade(engine: AsyncEngine) -> None:
    """``alembic upgrade head`` in one transaction (SQLite: BEGIN IMMEDIATE)."""
    while not _alembic_turn.acquire(blocking=False):  # noqa: ASYNC110 (see above)
        await asyncio.sleep(_TURN_POLL_SECONDS)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        _alembic_turn.release()
