"""Outcome watches: an attempt started from Slack, whose end goes into its thread once.

Across restarts and replicas: the watch is a row, and posting its outcome is
claimed first (``claim``: one winner, a claim older than ``lease`` may be taken
again because its taker may have died), then recorded (``posted``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from bot.store import tables
from bot.store.database import Repository
from bot.store.values import OutcomeWatch

_CHANNEL = ""  # thread_ts of a watch posted in the channel itself


class OutcomeWatches(Repository):
    async def add(
        self,
        attempt_id: str,
        *,
        channel_id: str,
        thread_ts: str | None,
        started_by: str,
        now: datetime | None = None,
    ) -> None:
        """Watch ``attempt_id`` for that thread (again: no change)."""
        t = tables.outcome_watches
        statement = (
            self._db.insert(t)
            .values(
                attempt_id=attempt_id,
                channel_id=channel_id,
                thread_ts=thread_ts or _CHANNEL,
                started_by=started_by,
                created_at=self._db.at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.attempt_id, t.c.channel_id, t.c.thread_ts])
        )
        await self._db.execute(statement)

    async def open(self, limit: int = 100) -> list[OutcomeWatch]:
        """Watches whose outcome is not posted yet, oldest first."""
        t = tables.outcome_watches
        statement = (
            select(t).where(t.c.posted_at.is_(None)).order_by(t.c.created_at, t.c.id).limit(limit)
        )
        return [
            OutcomeWatch(
                r.id,
                r.attempt_id,
                r.channel_id,
                r.thread_ts or None,
                r.started_by,
                r.created_at,
                r.claimed_at,
            )
            for r in await self._db.rows(statement)
        ]

    async def claim(self, watch_id: int, *, lease: timedelta, now: datetime | None = None) -> bool:
        """True for the one caller that may post the outcome now."""
        t = tables.outcome_watches
        at = self._db.at(now)
        statement = (
            update(t)
            .where(
                t.c.id == watch_id,
                t.c.posted_at.is_(None),
                or_(t.c.claimed_at.is_(None), t.c.claimed_at < at - lease),
            )
            .values(claimed_at=at)
        )
        return await self._db.execute(statement) == 1

    async def posted(self, watch_id: int, *, now: datetime | None = None) -> None:
        """The outcome is in the thread (or given up on): the watch is over."""
        t = tables.outcome_watches
        at = self._db.at(now)
        await self._db.execute(update(t).where(t.c.id == watch_id).values(posted_at=at))
