"""What the App Home board reads: the open alert threads of some channels, and their scopes.

Read-only queries over the threads, deliveries, on-it and subscriptions tables:
one statement for every open thread (ranked per status, so a board with
thousands of failures reads at most ``per_status`` rows of each plus their
totals) and one for the subscriptions of the channels.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from bot.store import tables
from bot.store.database import Repository
from bot.store.ownership import on_it
from bot.store.scopes import subscription
from bot.store.values import AlertKind, Subscription


@dataclass(frozen=True)
class OpenAlert:
    """An alert thread that is still open, with who is on it."""

    channel_id: str
    session_id: str
    parent_ts: str
    status: str
    attempt_id: str
    project: str
    workflow: str
    # When the run first failed (``failed_at``); for a thread recorded before that was
    # kept (0009), when the session was first alerted in the channel (its first failure
    # or digest delivery there); the thread's last change when neither is known.
    since: datetime
    holder: str | None  # who clicked I'm on it, if anyone
    holder_since: datetime | None
    session_time: datetime | None = None  # with the workflow's offset; None: not recorded
    failed_at: datetime | None = None  # the end of the run's first failed attempt


@dataclass(frozen=True)
class OpenAlerts:
    """The first ``per_status`` alerts of each status (oldest first) and every status's total."""

    alerts: tuple[OpenAlert, ...]
    totals: Mapping[str, int]


class Board(Repository):
    """Reads for the App Home board; nothing here writes."""

    async def open_alerts(
        self, channel_ids: Collection[str], statuses: Collection[str], *, per_status: int
    ) -> OpenAlerts:
        if per_status < 1:
            raise ValueError(f"per_status must be at least 1, got {per_status}")
        if not channel_ids or not statuses:
            return OpenAlerts((), {})
        th, d, o = tables.threads, tables.alert_deliveries, on_it
        channels = list(channel_ids)
        # When the session was first alerted in the channel: one pass over the channels'
        # deliveries (by the channel prefix of their unique index), joined once per thread.
        first = (
            select(d.c.channel_id, d.c.session_id, func.min(d.c.delivered_at).label("at"))
            .where(
                d.c.channel_id.in_(channels),
                d.c.kind.in_([AlertKind.FAILURE.value, AlertKind.DIGEST.value]),
            )
            .group_by(d.c.channel_id, d.c.session_id)
            .subquery()
        )
        since = func.coalesce(th.c.failed_at, first.c.at, th.c.updated_at)
        ranked = (
            select(
                th,
                since.label("since"),
                o.c.user_id.label("holder"),
                o.c.since.label("holder_since"),
                func.row_number()
                .over(
                    partition_by=th.c.status,
                    order_by=(since, th.c.project, th.c.workflow, th.c.channel_id, th.c.session_id),
                )
                .label("rank"),
                func.count().over(partition_by=th.c.status).label("total"),
            )
            .outerjoin(
                first,
                and_(first.c.channel_id == th.c.channel_id, first.c.session_id == th.c.session_id),
            )
            .outerjoin(
                o, and_(o.c.channel_id == th.c.channel_id, o.c.session_id == th.c.session_id)
            )
            .where(th.c.channel_id.in_(channels), th.c.status.in_(list(statuses)))
            .subquery()
        )
        rows = await self._db.rows(
            select(ranked).where(ranked.c.rank <= per_status).order_by(ranked.c.rank)
        )
        alerts = tuple(
            OpenAlert(
                channel_id=r.channel_id,
                session_id=r.session_id,
                parent_ts=r.parent_ts,
                status=r.status,
                attempt_id=r.attempt_id,
                project=r.project,
                workflow=r.workflow,
                since=r.since,
                holder=r.holder,
                holder_since=r.holder_since,
                session_time=None
                if r.session_time is None
                else datetime.fromisoformat(r.session_time),
                failed_at=r.failed_at,
            )
            for r in rows
        )
        return OpenAlerts(alerts, {r.status: r.total for r in rows})

    async def subscriptions_in(self, channel_ids: Collection[str]) -> list[Subscription]:
        """Every subscription of these channels, by channel, then scope."""
        if not channel_ids:
            return []
        t = tables.subscriptions
        statement = (
            select(t)
            .where(t.c.channel_id.in_(list(channel_ids)))
            .order_by(t.c.channel_id, t.c.project, t.c.workflow)
        )
        return [subscription(row) for row in await self._db.rows(statement)]
