"""Keeping the store small and known to answer: the retention prune and a reachability ping.

Deliveries and the action audit are kept for the retention period
(``TDBOT_RETENTION_DAYS``), then deleted. Each delete is a range over an
indexed time column (``alert_deliveries (state, claimed_at)``,
``actions (created_at)``), so a daily prune touches one day's rows, not the
table. A delivery still due (claimed, or failed with a next try) is never
deleted, whatever its age: pruning must not drop or repeat an alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.sql.dml import Delete

from bot.store import tables
from bot.store.database import Repository
from bot.store.report_cache import REPORT_HISTORY_KEPT, epoch, report_attempts
from bot.store.report_schedules import report_posts
from bot.store.values import DeliveryState

SEEN_EVENTS_KEPT = timedelta(days=1)
"""Slack retries an event within minutes; a day of event ids is plenty."""


@dataclass(frozen=True)
class Pruned:
    deliveries: int
    actions: int
    events: int
    rate_limits: int
    watches: int = 0
    report_attempts: int = 0
    report_posts: int = 0


class Upkeep(Repository):
    async def ping(self) -> None:
        """Raise unless the database answers a query."""
        async with self._db.transaction() as conn:
            await conn.execute(select(1))

    async def prune(self, retention: timedelta, *, now: datetime | None = None) -> Pruned:
        """Delete what is older than ``retention``; also stale event ids and full buckets."""
        if retention <= timedelta(0):
            raise ValueError("retention must be positive")
        at = self._db.at(now)
        counts: dict[str, int] = {}
        async with self._db.transaction() as conn:
            for name, statement in prune_statements(at, at - retention).items():
                counts[name] = (await conn.execute(statement)).rowcount
        return Pruned(**counts)


def prune_statements(now: datetime, cutoff: datetime) -> dict[str, Delete]:
    """The deletes of one prune, by ``Pruned`` field: each a range over an indexed column."""
    d = tables.alert_deliveries
    finished = or_(
        d.c.state == DeliveryState.DELIVERED.value,
        and_(d.c.state == DeliveryState.FAILED.value, d.c.next_try_at.is_(None)),
    )
    a = tables.actions
    e = tables.slack_events
    r = tables.rate_limits
    w = tables.outcome_watches
    c, p = report_attempts, report_posts
    return {
        "deliveries": delete(d).where(finished, d.c.claimed_at < cutoff),
        "actions": delete(a).where(a.c.created_at < cutoff),
        "events": delete(e).where(e.c.seen_at < now - SEEN_EVENTS_KEPT),
        # A bucket that is full again holds nothing a missing row would not.
        "rate_limits": delete(r).where(r.c.ready_at < now),
        # An open watch (posted_at NULL) is kept whatever its age: the watcher gives it up.
        "watches": delete(w).where(w.c.posted_at < cutoff),
        # Kept as long as the longest report reaches back, whatever the retention.
        "report_attempts": delete(c).where(c.c.created_at < epoch(now - REPORT_HISTORY_KEPT)),
        "report_posts": delete(p).where(p.c.posted_at < cutoff),
    }
