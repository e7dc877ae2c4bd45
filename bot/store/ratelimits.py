"""Per-key rate limits shared by every replica: GCRA over one timestamp per key.

The generic cell rate algorithm is a token bucket that keeps a single time, the
moment the bucket will next have room for one more request ("ready at"), so a
check is one row read and written under a row lock (PostgreSQL ``FOR UPDATE``;
SQLite's ``BEGIN IMMEDIATE`` already serializes writers), and N replicas share
one limit instead of granting N times as much.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.store import tables
from bot.store.database import Repository

NO_WAIT = timedelta(0)


class RateLimits(Repository):
    async def take(
        self, key: str, *, interval: timedelta, burst: int, now: datetime | None = None
    ) -> timedelta:
        """Spend one of ``key``'s requests: ``NO_WAIT`` if allowed, else how long to wait.

        One request comes back every ``interval``; at most ``burst`` accumulate.
        A refused request costs nothing.
        """
        if interval <= NO_WAIT or burst < 1:
            raise ValueError("interval must be positive and burst at least 1")
        at = self._db.at(now)
        t = tables.rate_limits
        ensure = (
            self._db.insert(t)
            .values(bucket_key=key, ready_at=at)
            .on_conflict_do_nothing(index_elements=[t.c.bucket_key])
        )
        locked = select(t.c.ready_at).where(t.c.bucket_key == key).with_for_update()
        async with self._db.transaction() as conn:
            # The row exists first, so there is always a row for FOR UPDATE to lock.
            await conn.execute(ensure)
            ready_at: datetime = (await conn.execute(locked)).scalar_one()
            start = max(ready_at, at)
            wait = start - at - (burst - 1) * interval
            if wait > NO_WAIT:
                return wait
            await conn.execute(
                update(t).where(t.c.bucket_key == key).values(ready_at=start + interval)
            )
        return NO_WAIT
