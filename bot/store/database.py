"""The plumbing every repository shares: one engine, its dialect, the clock.

Each call is one short transaction. Times are timezone-aware; a repository
method that stamps or compares a time takes ``now`` (default: the database's
clock, so the demo can run the store on the sandbox's simulated time).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.engine import async_url, create_engine
from bot.store.migrate import upgrade

ERROR_CHARS = 2000
"""How much of an error or outcome text is kept."""

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


async def open_engine(url: str) -> tuple[AsyncEngine, bool]:
    """An engine on ``url`` with the schema at head, and whether it must be serialized."""
    parsed = async_url(url)
    engine = create_engine(parsed)
    try:
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine, parsed.get_backend_name() == "sqlite"


class Database:
    """The engine the repositories run their statements on.

    Open with ``await Database.open(url)`` to use a repository on its own;
    ``Store`` builds one and shares it between all of its repositories.
    """

    def __init__(
        self, engine: AsyncEngine, *, clock: Clock = wall_clock, serialize: bool = False
    ) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._clock = clock
        # SQLite takes one transaction at a time (each is BEGIN IMMEDIATE, and an
        # in-memory database lives on one shared connection): queued here, they run
        # back to back; left to SQLite's busy handler, they sleep 1-100 ms between
        # tries, and 50 slash commands at once waited up to a second for their ack.
        self._serial = asyncio.Lock() if serialize else None

    @classmethod
    async def open(cls, url: str, *, clock: Clock = wall_clock) -> Database:
        engine, serialize = await open_engine(url)
        return cls(engine, clock=clock, serialize=serialize)

    async def close(self) -> None:
        await self.engine.dispose()

    def at(self, now: datetime | None) -> datetime:
        """``now``, or the clock's time when None, in UTC."""
        return aware(self._clock() if now is None else now)

    def insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT with the dialect's ``on_conflict_*`` clauses."""
        return postgresql.insert(table) if self.postgres else sqlite.insert(table)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._serial or nullcontext(), self.engine.begin() as conn:
            yield conn

    async def rows(self, statement: Any) -> Sequence[Row[Any]]:
        """The rows of a SELECT, or of a write with RETURNING."""
        async with self.transaction() as conn:
            return (await conn.execute(statement)).all()

    async def execute(self, statement: Any) -> int:
        """Run a write; the number of rows it matched."""
        async with self.transaction() as conn:
            return (await conn.execute(statement)).rowcount

    async def delete(self, table: Table, *conditions: ColumnElement[bool]) -> bool:
        """Whether any row was deleted."""
        return await self.execute(delete(table).where(*conditions)) > 0


class Repository:
    """The queries of one aggregate (a few tables that change together) over a Database."""

    def __init__(self, database: Database) -> None:
        self._db = database


def aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware time")
    return value.astimezone(UTC)
