"""Escalation: each scope's rule, and each alert's escalation, sent once.

A rule belongs to the scope (project, or one workflow of it): an alert of it
that nobody is on and that has not recovered ``after`` its post is escalated
to the rule's target. The escalation of one alert thread is claimed here
before it is sent and marked sent after, like an alert delivery: with several
replicas exactly one claims it, and a claim whose holder died is taken over
after the lease (the sender then looks for its post first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
    and_,
    select,
    update,
)

from bot.store import tables
from bot.store.database import Database, Repository
from bot.store.deliveries import thread_ref
from bot.store.ownership import on_it, set_scoped
from bot.store.tables import ANY_WORKFLOW, UTCDateTime, metadata
from bot.store.values import AlertKind, ThreadRef

# A failing thread, and the threads.status of each silent kind while open
# (bot.silent.findings.SilentKind: the store cannot import it, so it is spelled here).
_OPEN_STATUSES = ("failing", "running_long", "late", "not_started", "schedule_disabled")

_ID = 64
_NAME = 255
PAGERDUTY = "pagerduty"
"""The target that escalates through the PagerDuty Events API instead of a mention."""

escalation_rules = Table(
    "escalation_rules",
    metadata,
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("after_seconds", Integer, nullable=False),
    Column("target", String(_ID), nullable=False),  # a Slack user/group id, or "pagerduty"
    Column("set_by", String(_ID), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("project", "workflow"),
)

escalations = Table(
    "escalations",
    metadata,
    Column("channel_id", String(_ID), nullable=False),
    Column("session_id", String(_ID), nullable=False),
    Column("target", String(_ID), nullable=False),
    Column("tries", Integer, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("channel_id", "session_id"),
)


@dataclass(frozen=True)
class EscalationRule:
    project: str
    workflow: str | None  # None: every workflow of the project
    after: timedelta
    target: str


@dataclass(frozen=True)
class Due:
    """An alert thread whose escalation is due, with the rule that makes it so."""

    thread: ThreadRef
    rule: EscalationRule
    posted_at: datetime


@dataclass(frozen=True)
class EscalationClaim:
    channel_id: str
    session_id: str
    target: str
    tries: int  # > 1: taken over from a holder that may have sent it

    @property
    def maybe_sent(self) -> bool:
        return self.tries > 1


class Escalations(Repository):
    def __init__(self, database: Database, *, lease: timedelta) -> None:
        super().__init__(database)
        self._lease = lease

    async def set_rule(
        self,
        project: str,
        workflow: str | None,
        rule: tuple[timedelta, str] | None,
        *,
        set_by: str,
        now: datetime | None = None,
    ) -> bool:
        """Set (``(after, target)``) or remove (None) the scope's rule; False: none to remove."""
        values = None
        if rule is not None:
            after, target = rule
            values = {"after_seconds": int(after.total_seconds()), "target": target}
        return await set_scoped(self._db, escalation_rules, project, workflow, values, set_by, now)

    async def rules(self) -> list[EscalationRule]:
        t = escalation_rules
        rows = await self._db.rows(select(t).order_by(t.c.project, t.c.workflow))
        return [_rule(row) for row in rows]

    async def due(self, now: datetime | None = None) -> list[Due]:
        """Open alert threads nobody is on, past their scope's delay, not escalated yet.

        Open: failing, or a silent failure (running long, late, ...) still unresolved.

        A workflow's rule wins over its project's. The delay runs from the
        parent's post (its delivery).
        """
        at = self._db.at(now)
        th, d, e, o = tables.threads, tables.alert_deliveries, escalations, on_it
        statement = (
            select(th, d.c.delivered_at)
            .join(
                d,
                and_(
                    # The parent's own delivery is of the thread's session: saying so lets the
                    # (channel_id, session_id) index find it instead of the channel's every row.
                    d.c.channel_id == th.c.channel_id,
                    d.c.session_id == th.c.session_id,
                    d.c.message_ts == th.c.parent_ts,
                    d.c.kind.in_((AlertKind.FAILURE.value, AlertKind.SILENT.value)),
                    d.c.delivered_at.is_not(None),
                ),
            )
            .outerjoin(e, _same_thread(e, th))
            .outerjoin(o, _same_thread(o, th))
            # Outer-joined: no escalation row and nobody on it read as NULL too.
            .where(th.c.status.in_(_OPEN_STATUSES), o.c.user_id.is_(None), e.c.sent_at.is_(None))
        )
        rows = await self._db.rows(statement)
        if not rows:
            return []
        rules = {(r.project, r.workflow or ANY_WORKFLOW): r for r in await self.rules()}
        found: list[Due] = []
        for row in rows:
            rule = rules.get((row.project, row.workflow)) or rules.get((row.project, ANY_WORKFLOW))
            if rule is not None and row.delivered_at + rule.after <= at:
                found.append(Due(thread_ref(row), rule, row.delivered_at))
        return found

    async def claim(
        self, channel_id: str, session_id: str, target: str, *, now: datetime | None = None
    ) -> EscalationClaim | None:
        """The escalation of this thread is ours to send; None when another holder has it."""
        at = self._db.at(now)
        t = escalations
        inserted = await self._db.rows(
            self._db.insert(t)
            .values(
                channel_id=channel_id, session_id=session_id, target=target, tries=1, claimed_at=at
            )
            .on_conflict_do_nothing(index_elements=[t.c.channel_id, t.c.session_id])
            .returning(t.c.tries)
        )
        if inserted:
            return EscalationClaim(channel_id, session_id, target, 1)
        taken = await self._db.rows(
            update(t)
            .where(
                t.c.channel_id == channel_id,
                t.c.session_id == session_id,
                t.c.sent_at.is_(None),
                t.c.claimed_at <= at - self._lease,
            )
            .values(tries=t.c.tries + 1, claimed_at=at, target=target)
            .returning(t.c.tries)
        )
        return EscalationClaim(channel_id, session_id, target, taken[0].tries) if taken else None

    async def mark_sent(self, claim: EscalationClaim, *, now: datetime | None = None) -> None:
        t = escalations
        await self._db.execute(
            update(t)
            .where(t.c.channel_id == claim.channel_id, t.c.session_id == claim.session_id)
            .values(sent_at=self._db.at(now))
        )

    async def sent_to(self, session_id: str, target: str) -> bool:
        """Whether an escalation of the session went to ``target`` (in any channel)."""
        t = escalations
        rows = await self._db.rows(
            select(t.c.session_id)
            .where(t.c.session_id == session_id, t.c.target == target, t.c.sent_at.is_not(None))
            .limit(1)
        )
        return bool(rows)


def _same_thread(t: Table, th: Table) -> ColumnElement[bool]:
    return and_(t.c.channel_id == th.c.channel_id, t.c.session_id == th.c.session_id)


def _rule(row: Row[Any]) -> EscalationRule:
    return EscalationRule(
        row.project, row.workflow or None, timedelta(seconds=row.after_seconds), row.target
    )
