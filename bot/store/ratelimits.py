"""Per-key rate limits shared by every replica: GCRA over one timestamp per key.

The generic cell rate algorithm is a token bucket that keeps a single time, the
moment the bucket will next have room for one more request ("ready at"), so a
check is one row read and written under a row lock (PostgreSQL ``FOR UPDATE``;
SQLite's ``BEGIN IMMEDIATE`` already serializes writers), and N replicas share
one limit instead of granting N times as much.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import tables
from bot.store.batch import GroupCommit
from bot.store.database import Database, Repository

NO_WAIT = timedelta(0)


@dataclass(frozen=True)
class _Take:
    key: str
    interval: timedelta
    burst: int
    at: datetime


class RateLimits(Repository):
    def __init__(self, database: Database) -> None:
        super().__init__(database)
        # A burst of commands checks its limits in shared transactions (bot.store.batch).
        self._takes = GroupCommit(self._take_all)

    async def take(
        self, key: str, *, interval: timedelta, burst: int, now: datetime | None = None
    ) -> timedelta:
        """Spend one of ``key``'s requests: ``NO_WAIT`` if allowed, else how long to wait.

        One request comes back every ``interval``; at most ``burst`` accumulate.
        A refused request costs nothing.
        """
        if interval <= NO_WAIT or burst < 1:
            raise ValueError("interval must be positive and burst at least 1")
        return await self._takes(_Take(key, interval, burst, self._db.at(now)))

    async def _take_all(self, takes: list[_Take]) -> list[timedelta]:
        waits: dict[int, timedelta] = {}
        async with self._db.transaction() as conn:
            # Buckets are locked in key order (a key's takes in arrival order), so two
            # replicas' batches can never wait for each other's locks in a cycle.
            for index in sorted(range(len(takes)), key=lambda i: takes[i].key):
                waits[index] = await self._take_one(conn, takes[index])
        return [waits[index] for index in range(len(takes))]

    async def _take_one(self, conn: AsyncConnection, take: _Take) -> timedelta:
        t = tables.rate_limits
        ensure = (
            self._db.insert(t)
            .values(bucket_key=take.key, ready_at=take.at)
            .on_conflict_do_nothing(index_elements=[t.c.bucket_key])
        )
        locked = select(t.c.ready_at).where(t.c.bucket_key == take.key).with_for_update()
        # The row exists first, so there is always a row for FOR UPDATE to lock.
        await conn.execute(ensure)
        ready_at: datetime = (await conn.execute(locked)).scalar_one()
        start = max(ready_at, take.at)
        wait = start - take.at - (take.burst - 1) * take.interval
        if wait > NO_WAIT:
            return wait
        await conn.execute(
            update(t).where(t.c.bucket_key == take.key).values(ready_at=start + take.interval)
        )
        return NO_WAIT
