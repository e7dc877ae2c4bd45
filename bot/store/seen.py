"""Slack events answered once across replicas: the first to record an event id answers it.

Slack re-delivers an event it thinks was not acked (``X-Slack-Retry-Num``),
and behind a load balancer the retry may reach another replica; a unique key
in the shared store makes exactly one insert win, wherever it lands.
"""

from __future__ import annotations

from datetime import datetime

from bot.store import tables
from bot.store.database import Repository


class SeenEvents(Repository):
    async def first_time(self, key: str, *, now: datetime | None = None) -> bool:
        """True for the one caller (in any process) that records ``key`` first."""
        t = tables.slack_events
        statement = (
            self._db.insert(t)
            .values(event_key=key, seen_at=self._db.at(now))
            .on_conflict_do_nothing(index_elements=[t.c.event_key])
            .returning(t.c.event_key)
        )
        async with self._db.transaction() as conn:
            return (await conn.execute(statement)).first() is not None
