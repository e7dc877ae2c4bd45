"""The poller's durable state: cursors, the last good poll, running attempts, leadership."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import datetime

from sqlalchemy import func, select

from bot.store import tables
from bot.store.database import Repository, aware
from bot.store.engine import advisory_key
from bot.store.values import WatchedAttempt

_LAST_POLL_KEY = "tdbot.last_poll_success"


class PollState(Repository):
    """What the poller must remember across restarts, and which replica polls."""

    async def get_cursor(self, key: str) -> str | None:
        t = tables.poll_state
        rows = await self._db.rows(select(t.c.value).where(t.c.key == key))
        return str(rows[0].value) if rows else None

    async def set_cursor(self, key: str, value: str, *, now: datetime | None = None) -> None:
        await self._put(key, value, self._db.at(now))

    async def record_poll_success(self, now: datetime | None = None) -> None:
        at = self._db.at(now)
        await self._put(_LAST_POLL_KEY, at.isoformat(), at)

    async def last_poll_success(self) -> datetime | None:
        t = tables.poll_state
        rows = await self._db.rows(select(t.c.updated_at).where(t.c.key == _LAST_POLL_KEY))
        return rows[0].updated_at if rows else None

    async def watch_attempt(
        self,
        attempt_id: str,
        *,
        session_id: str,
        project: str,
        workflow: str,
        now: datetime | None = None,
        created_at: datetime | None = None,
    ) -> None:
        """Remember a running attempt (again: no change, ``since`` stays).

        ``created_at``: the attempt's own start, what running long is measured from.
        """
        t = tables.watched_attempts
        statement = (
            self._db.insert(t)
            .values(
                attempt_id=attempt_id,
                session_id=session_id,
                project=project,
                workflow=workflow,
                since=self._db.at(now),
                created_at=None if created_at is None else aware(created_at),
            )
            .on_conflict_do_nothing(index_elements=[t.c.attempt_id])
        )
        await self._db.execute(statement)

    async def unwatch_attempt(self, attempt_id: str) -> bool:
        t = tables.watched_attempts
        return await self._db.delete(t, t.c.attempt_id == attempt_id)

    async def watched_attempts(self) -> list[WatchedAttempt]:
        t = tables.watched_attempts
        rows = await self._db.rows(select(t).order_by(t.c.since, t.c.attempt_id))
        return [
            WatchedAttempt(r.attempt_id, r.session_id, r.project, r.workflow, r.since, r.created_at)
            for r in rows
        ]

    def leader_lock(self, name: str = "poller") -> AbstractAsyncContextManager[bool]:
        """Yield True when this process may run the tick ``name`` now.

        PostgreSQL: ``pg_try_advisory_xact_lock`` in a transaction that lasts
        for the block, so the lock can never outlive the tick (crash,
        disconnect and exceptions all end the transaction) and it works behind
        PgBouncer in transaction pooling, where a session lock would not. The
        cost is one connection idle in a transaction for the tick's duration.
        SQLite: always True, as a SQLite store serves a single process.
        """
        return self._postgres_leader_lock(name) if self._db.postgres else nullcontext(True)

    @asynccontextmanager
    async def _postgres_leader_lock(self, name: str) -> AsyncIterator[bool]:
        async with self._db.engine.connect() as conn, conn.begin():
            got = await conn.scalar(select(func.pg_try_advisory_xact_lock(advisory_key(name))))
            yield bool(got)

    async def _put(self, key: str, value: str, at: datetime) -> None:
        t = tables.poll_state
        statement = (
            self._db.insert(t)
            .values(key=key, value=value, updated_at=at)
            .on_conflict_do_update(
                index_elements=[t.c.key], set_={"value": value, "updated_at": at}
            )
        )
        await self._db.execute(statement)
