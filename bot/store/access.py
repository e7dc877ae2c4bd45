"""What a repository module needs of the store: transactions, dialect-aware inserts, the clock.

``Store`` hands one to each repository (``SeenEvents``, ``RateLimits``,
``Upkeep``), so they share its engine, its clock and, for an in-memory SQLite
database, its one-transaction-at-a-time lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@dataclass(frozen=True)
class Access:
    engine: AsyncEngine
    serial: asyncio.Lock | None
    clock: Callable[[], datetime]

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def at(self, now: datetime | None) -> datetime:
        """``now``, or the store's clock; always timezone-aware UTC."""
        value = self.clock() if now is None else now
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware time")
        return value.astimezone(UTC)

    def insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return postgresql.insert(table) if self.postgres else sqlite.insert(table)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """One transaction (SQLite: BEGIN IMMEDIATE, so read-then-write is atomic)."""
        async with self.serial or nullcontext(), self.engine.begin() as conn:
            yield conn
