"""Exactly-once alert deliveries (claim, then post, then record) and session threads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update

from bot.store import tables
from bot.store.database import ERROR_CHARS, Database, Repository, aware
from bot.store.values import FAILURE_KINDS, AlertKind, Claim, DeliveryState, ThreadRef

DEFAULT_LEASE = timedelta(minutes=2)
"""How long a claimed, unconfirmed delivery belongs to its claimer."""


class Deliveries(Repository):
    """Who may post which alert where, what became of it, and each session's thread."""

    def __init__(self, database: Database, *, lease: timedelta = DEFAULT_LEASE) -> None:
        if lease <= timedelta(0):
            raise ValueError("lease must be positive")
        super().__init__(database)
        self._lease = lease

    # ------------------------------------------------------- alert deliveries

    async def claim_alert(
        self,
        channel_id: str,
        attempt_id: str,
        session_id: str,
        project: str,
        workflow: str,
        kind: AlertKind,
        *,
        now: datetime | None = None,
        payload: str | None = None,
    ) -> Claim | None:
        """Take the one right to post this attempt's alert to this channel.

        None when anyone (this process or another) claimed it before, whatever
        became of that claim: the caller must then not post.
        """
        t = tables.alert_deliveries
        statement = (
            self._db.insert(t)
            .values(
                channel_id=channel_id,
                attempt_id=attempt_id,
                session_id=session_id,
                project=project,
                workflow=workflow,
                kind=AlertKind(kind).value,
                state=DeliveryState.CLAIMED.value,
                tries=1,
                claimed_at=self._db.at(now),
                payload=payload,
            )
            .on_conflict_do_nothing(index_elements=[t.c.channel_id, t.c.attempt_id])
            .returning(*t.c)
        )
        rows = await self._db.rows(statement)
        return _claim(rows[0]) if rows else None

    async def mark_delivered(
        self, claim: Claim, ts: str, thread_ts: str | None = None, *, now: datetime | None = None
    ) -> None:
        """Record the posted message (``thread_ts``: the session's parent, if a reply)."""
        t = tables.alert_deliveries
        statement = (
            update(t)
            .where(t.c.id == claim.id)
            .values(
                state=DeliveryState.DELIVERED.value,
                message_ts=ts,
                thread_ts=thread_ts,
                delivered_at=self._db.at(now),
                next_try_at=None,
            )
        )
        await self._db.execute(statement)

    async def mark_failed(self, claim: Claim, error: str, next_try_at: datetime | None) -> None:
        """Record a failed post; retry from ``next_try_at``, or never when it is None.

        A delivery recorded by another holder in the meantime is left alone.
        """
        t = tables.alert_deliveries
        statement = (
            update(t)
            .where(t.c.id == claim.id, t.c.state != DeliveryState.DELIVERED.value)
            .values(
                state=DeliveryState.FAILED.value,
                last_error=error[:ERROR_CHARS],
                next_try_at=None if next_try_at is None else aware(next_try_at),
            )
        )
        await self._db.execute(statement)

    async def pending_deliveries(
        self,
        now: datetime | None = None,
        *,
        limit: int = 100,
        kinds: Sequence[AlertKind] = FAILURE_KINDS,
    ) -> list[Claim]:
        """Lease and return the deliveries due for another try.

        Due: failed with ``next_try_at`` reached, or claimed longer than the
        lease ago without a result (the claimer died). Each returned claim is
        leased to the caller (``claimed_at = now``, ``tries + 1``), so a
        concurrent caller does not get it too; post, then mark it. Only
        claims of ``kinds``: failure alerts and silent ones have their own deliverers.
        """
        at = self._db.at(now)
        t = tables.alert_deliveries
        due = or_(
            and_(
                t.c.state == DeliveryState.CLAIMED.value,
                t.c.claimed_at <= at - self._lease,
            ),
            and_(t.c.state == DeliveryState.FAILED.value, t.c.next_try_at <= at),
        ) & t.c.kind.in_([AlertKind(k).value for k in kinds])
        # The condition is repeated outside the subquery: on PostgreSQL a row
        # leased by a concurrent caller is re-checked after its lock is released.
        batch = select(t.c.id).where(due).order_by(t.c.id).limit(limit).scalar_subquery()
        statement = (
            update(t)
            .where(t.c.id.in_(batch), due)
            .values(
                state=DeliveryState.CLAIMED.value,
                claimed_at=at,
                tries=t.c.tries + 1,
                next_try_at=None,
            )
            .returning(*t.c)
        )
        rows = await self._db.rows(statement)
        return sorted(map(_claim, rows), key=lambda claim: claim.id)

    async def claim_of(self, channel_id: str, attempt_id: str) -> Claim | None:
        """The claim of this alert in this channel, whatever became of it."""
        t = tables.alert_deliveries
        rows = await self._db.rows(
            select(t).where(t.c.channel_id == channel_id, t.c.attempt_id == attempt_id)
        )
        return _claim(rows[0]) if rows else None

    # ------------------------------------------------------------------ threads

    async def get_thread(self, channel_id: str, session_id: str) -> ThreadRef | None:
        t = tables.threads
        rows = await self._db.rows(
            select(t).where(t.c.channel_id == channel_id, t.c.session_id == session_id)
        )
        return thread_ref(rows[0]) if rows else None

    async def thread_by_ts(self, channel_id: str, parent_ts: str) -> ThreadRef | None:
        """The session thread whose parent message is ``parent_ts``, if it is one."""
        t = tables.threads
        rows = await self._db.rows(
            select(t).where(t.c.channel_id == channel_id, t.c.parent_ts == parent_ts).limit(1)
        )
        return thread_ref(rows[0]) if rows else None

    async def set_thread(
        self,
        channel_id: str,
        session_id: str,
        parent_ts: str,
        *,
        status: str,
        attempt_id: str,
        project: str,
        workflow: str,
        session_time: datetime | None = None,
        failed_at: datetime | None = None,
        now: datetime | None = None,
    ) -> ThreadRef:
        """Record the session's parent message, or update its status and attempt.

        The first parent recorded stays: the returned ThreadRef carries the
        parent that is in force, which differs from ``parent_ts`` if one existed.
        ``session_time`` (kept with its offset) and ``failed_at`` (the end of a failed
        attempt) are kept as first given: a retry that fails again leaves the time
        the run first failed, and None leaves what is stored.
        """
        t = tables.threads
        changes = {"status": status, "attempt_id": attempt_id, "updated_at": self._db.at(now)}
        times = {
            "session_time": None if session_time is None else session_time.isoformat(),
            "failed_at": None if failed_at is None else aware(failed_at),
        }
        insert = self._db.insert(t)
        kept = {name: func.coalesce(t.c[name], insert.excluded[name]) for name in times}
        statement = (
            insert.values(
                channel_id=channel_id,
                session_id=session_id,
                parent_ts=parent_ts,
                project=project,
                workflow=workflow,
                **changes,
                **times,
            )
            .on_conflict_do_update(
                index_elements=[t.c.channel_id, t.c.session_id], set_={**changes, **kept}
            )
            .returning(*t.c)
        )
        [row] = await self._db.rows(statement)
        return thread_ref(row)


def _claim(r: Row[Any]) -> Claim:
    return Claim(
        id=r.id,
        channel_id=r.channel_id,
        attempt_id=r.attempt_id,
        session_id=r.session_id,
        project=r.project,
        workflow=r.workflow,
        kind=AlertKind(r.kind),
        state=DeliveryState(r.state),
        tries=r.tries,
        claimed_at=r.claimed_at,
        message_ts=r.message_ts,
        thread_ts=r.thread_ts,
        last_error=r.last_error,
        next_try_at=r.next_try_at,
        delivered_at=r.delivered_at,
        payload=r.payload,
    )


def thread_ref(r: Row[Any]) -> ThreadRef:
    """A row of the threads table (or of a query selecting its columns) as a ThreadRef."""
    return ThreadRef(
        r.channel_id,
        r.session_id,
        r.parent_ts,
        r.status,
        r.attempt_id,
        r.project,
        r.workflow,
        r.updated_at,
    )
