"""The repository: every read and write of the bot's durable state.

Each method is one short transaction. Times are timezone-aware; methods that
stamp or compare a time take ``now`` (default: the store's clock, so the demo
can run the store on the sandbox's simulated time).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store import tables
from bot.store.access import Access
from bot.store.engine import advisory_key, async_url, create_engine, is_memory_sqlite
from bot.store.migrate import upgrade
from bot.store.ratelimits import RateLimits
from bot.store.seen import SeenEvents
from bot.store.tables import ANY_WORKFLOW
from bot.store.upkeep import Upkeep
from bot.store.values import (
    ALL_PROJECTS,
    ActionKind,
    ActionRecord,
    ActionState,
    AlertKind,
    Claim,
    DeliveryState,
    Mute,
    Subscription,
    ThreadRef,
    WatchedAttempt,
)

DEFAULT_LEASE = timedelta(minutes=2)
"""How long a claimed, unconfirmed delivery belongs to its claimer."""

_LAST_POLL_KEY = "tdbot.last_poll_success"
_ERROR_CHARS = 2000

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Store:
    """Open with ``await Store.open(url)``, which brings the schema to head first."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        lease: timedelta = DEFAULT_LEASE,
        clock: Clock = wall_clock,
        serialize: bool = False,
    ) -> None:
        if lease <= timedelta(0):
            raise ValueError("lease must be positive")
        self._engine = engine
        self._lease = lease
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        # An in-memory SQLite database lives on one shared connection, which
        # cannot hold two transactions at once.
        self._serial = asyncio.Lock() if serialize else None

    @classmethod
    async def open(
        cls, url: str, *, lease: timedelta = DEFAULT_LEASE, clock: Clock = wall_clock
    ) -> Store:
        parsed = async_url(url)
        engine = create_engine(parsed)
        try:
            await upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, lease=lease, clock=clock, serialize=is_memory_sqlite(parsed))

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------ subscriptions

    async def add_subscription(
        self,
        channel_id: str,
        project: str,
        workflow: str | None = None,
        *,
        created_by: str,
        threshold: int = 1,
        now: datetime | None = None,
    ) -> bool:
        """Subscribe; False when the channel already has this scope (left unchanged)."""
        if threshold < 1:
            raise ValueError(f"threshold must be at least 1, got {threshold}")
        project, workflow_key = _scope(project, workflow)
        t = tables.subscriptions
        statement = (
            self._insert(t)
            .values(
                channel_id=channel_id,
                project=project,
                workflow=workflow_key,
                threshold=threshold,
                created_by=created_by,
                created_at=self._at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.channel_id, t.c.project, t.c.workflow])
            .returning(t.c.id)
        )
        async with self._begin() as conn:
            return (await conn.execute(statement)).first() is not None

    async def remove_subscription(
        self, channel_id: str, project: str, workflow: str | None = None
    ) -> bool:
        project, workflow_key = _scope(project, workflow)
        t = tables.subscriptions
        return await self._delete(
            t, t.c.channel_id == channel_id, t.c.project == project, t.c.workflow == workflow_key
        )

    async def subscriptions(self, channel_id: str) -> list[Subscription]:
        t = tables.subscriptions
        statement = (
            select(t).where(t.c.channel_id == channel_id).order_by(t.c.project, t.c.workflow)
        )
        return [_subscription(row) for row in await self._rows(statement)]

    async def channels_for(self, project: str, workflow: str) -> list[Subscription]:
        """The channels to alert for a run of ``project/workflow``.

        One subscription per channel: the most specific one that covers the
        workflow (workflow over project over ``*``), since its threshold rules.
        """
        _scope(project, workflow)
        t = tables.subscriptions
        rows = await self._rows(select(t).where(_covers(t, project, workflow)))
        best: dict[str, Subscription] = {}
        for sub in map(_subscription, rows):
            held = best.get(sub.channel_id)
            if held is None or _specificity(sub) > _specificity(held):
                best[sub.channel_id] = sub
        return sorted(best.values(), key=lambda sub: sub.channel_id)

    # -------------------------------------------------------------------- mutes

    async def set_mute(
        self,
        channel_id: str,
        project: str,
        workflow: str | None = None,
        *,
        until: datetime,
        created_by: str,
        now: datetime | None = None,
    ) -> Mute:
        """Mute a scope until ``until``; muting it again replaces the end time."""
        at = self._at(now)
        until = _aware(until)
        if until <= at:
            raise ValueError("a mute must end in the future")
        project, workflow_key = _scope(project, workflow)
        t = tables.mutes
        values = {"until": until, "created_by": created_by, "created_at": at}
        statement = (
            self._insert(t)
            .values(channel_id=channel_id, project=project, workflow=workflow_key, **values)
            .on_conflict_do_update(
                index_elements=[t.c.channel_id, t.c.project, t.c.workflow], set_=values
            )
        )
        async with self._begin() as conn:
            await conn.execute(statement)
        return Mute(channel_id, project, workflow, until, created_by, at)

    async def remove_mute(self, channel_id: str, project: str, workflow: str | None = None) -> bool:
        project, workflow_key = _scope(project, workflow)
        t = tables.mutes
        return await self._delete(
            t, t.c.channel_id == channel_id, t.c.project == project, t.c.workflow == workflow_key
        )

    async def mutes(self, channel_id: str, now: datetime | None = None) -> list[Mute]:
        """The channel's mutes still in force at ``now``."""
        t = tables.mutes
        statement = (
            select(t)
            .where(t.c.channel_id == channel_id, t.c.until > self._at(now))
            .order_by(t.c.until, t.c.project, t.c.workflow)
        )
        return [_mute(row) for row in await self._rows(statement)]

    async def is_muted(
        self, channel_id: str, project: str, workflow: str, now: datetime | None = None
    ) -> bool:
        """Whether a mute in force at ``now`` covers ``project/workflow`` in the channel."""
        _scope(project, workflow)
        t = tables.mutes
        statement = select(t.c.id).where(
            t.c.channel_id == channel_id,
            t.c.until > self._at(now),
            _covers(t, project, workflow),
        )
        return bool(await self._rows(statement.limit(1)))

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
    ) -> Claim | None:
        """Take the one right to post this attempt's alert to this channel.

        None when anyone (this process or another) claimed it before, whatever
        became of that claim: the caller must then not post.
        """
        t = tables.alert_deliveries
        statement = (
            self._insert(t)
            .values(
                channel_id=channel_id,
                attempt_id=attempt_id,
                session_id=session_id,
                project=project,
                workflow=workflow,
                kind=AlertKind(kind).value,
                state=DeliveryState.CLAIMED.value,
                tries=1,
                claimed_at=self._at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.channel_id, t.c.attempt_id])
            .returning(*t.c)
        )
        async with self._begin() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else _claim(row)

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
                delivered_at=self._at(now),
                next_try_at=None,
            )
        )
        async with self._begin() as conn:
            await conn.execute(statement)

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
                last_error=error[:_ERROR_CHARS],
                next_try_at=None if next_try_at is None else _aware(next_try_at),
            )
        )
        async with self._begin() as conn:
            await conn.execute(statement)

    async def pending_deliveries(
        self, now: datetime | None = None, *, limit: int = 100
    ) -> list[Claim]:
        """Lease and return the deliveries due for another try.

        Due: failed with ``next_try_at`` reached, or claimed longer than the
        lease ago without a result (the claimer died). Each returned claim is
        leased to the caller (``claimed_at = now``, ``tries + 1``), so a
        concurrent caller does not get it too; post, then mark it.
        """
        at = self._at(now)
        t = tables.alert_deliveries
        due = or_(
            and_(
                t.c.state == DeliveryState.CLAIMED.value,
                t.c.claimed_at <= at - self._lease,
            ),
            and_(t.c.state == DeliveryState.FAILED.value, t.c.next_try_at <= at),
        )
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
        async with self._begin() as conn:
            rows = (await conn.execute(statement)).all()
        return sorted(map(_claim, rows), key=lambda claim: claim.id)

    # ------------------------------------------------------------------ threads

    async def get_thread(self, channel_id: str, session_id: str) -> ThreadRef | None:
        t = tables.threads
        rows = await self._rows(
            select(t).where(t.c.channel_id == channel_id, t.c.session_id == session_id)
        )
        return _thread(rows[0]) if rows else None

    async def thread_by_ts(self, channel_id: str, parent_ts: str) -> ThreadRef | None:
        """The session thread whose parent message is ``parent_ts``, if it is one."""
        t = tables.threads
        rows = await self._rows(
            select(t).where(t.c.channel_id == channel_id, t.c.parent_ts == parent_ts).limit(1)
        )
        return _thread(rows[0]) if rows else None

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
        now: datetime | None = None,
    ) -> ThreadRef:
        """Record the session's parent message, or update its status and attempt.

        The first parent recorded stays: the returned ThreadRef carries the
        parent that is in force, which differs from ``parent_ts`` if one existed.
        """
        t = tables.threads
        changes = {"status": status, "attempt_id": attempt_id, "updated_at": self._at(now)}
        statement = (
            self._insert(t)
            .values(
                channel_id=channel_id,
                session_id=session_id,
                parent_ts=parent_ts,
                project=project,
                workflow=workflow,
                **changes,
            )
            .on_conflict_do_update(index_elements=[t.c.channel_id, t.c.session_id], set_=changes)
            .returning(*t.c)
        )
        async with self._begin() as conn:
            row = (await conn.execute(statement)).one()
        return _thread(row)

    # ------------------------------------------------------------- poll state

    async def get_cursor(self, key: str) -> str | None:
        t = tables.poll_state
        rows = await self._rows(select(t.c.value).where(t.c.key == key))
        return str(rows[0].value) if rows else None

    async def set_cursor(self, key: str, value: str, *, now: datetime | None = None) -> None:
        await self._put_state(key, value, self._at(now))

    async def record_poll_success(self, now: datetime | None = None) -> None:
        at = self._at(now)
        await self._put_state(_LAST_POLL_KEY, at.isoformat(), at)

    async def last_poll_success(self) -> datetime | None:
        t = tables.poll_state
        rows = await self._rows(select(t.c.updated_at).where(t.c.key == _LAST_POLL_KEY))
        return rows[0].updated_at if rows else None

    async def watch_attempt(
        self,
        attempt_id: str,
        *,
        session_id: str,
        project: str,
        workflow: str,
        now: datetime | None = None,
    ) -> None:
        """Remember a running attempt (again: no change, ``since`` stays)."""
        t = tables.watched_attempts
        statement = (
            self._insert(t)
            .values(
                attempt_id=attempt_id,
                session_id=session_id,
                project=project,
                workflow=workflow,
                since=self._at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.attempt_id])
        )
        async with self._begin() as conn:
            await conn.execute(statement)

    async def unwatch_attempt(self, attempt_id: str) -> bool:
        t = tables.watched_attempts
        return await self._delete(t, t.c.attempt_id == attempt_id)

    async def watched_attempts(self) -> list[WatchedAttempt]:
        t = tables.watched_attempts
        rows = await self._rows(select(t).order_by(t.c.since, t.c.attempt_id))
        return [
            WatchedAttempt(r.attempt_id, r.session_id, r.project, r.workflow, r.since) for r in rows
        ]

    # ------------------------------------------------------------------ actions

    async def claim_action(
        self,
        key: str,
        *,
        user_id: str,
        action: ActionKind,
        target_id: str,
        channel_id: str | None = None,
        thread_ts: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record an action before calling TD; False when ``key`` was claimed before.

        The key names the intent (e.g. ``retry:<attempt id>``), so a double
        click or a re-delivered Slack request finds it taken.
        """
        t = tables.actions
        statement = (
            self._insert(t)
            .values(
                action_key=key,
                user_id=user_id,
                action=ActionKind(action).value,
                target_id=target_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                state=ActionState.STARTED.value,
                created_at=self._at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.action_key])
            .returning(t.c.id)
        )
        async with self._begin() as conn:
            return (await conn.execute(statement)).first() is not None

    async def finish_action(
        self, key: str, *, ok: bool, outcome: str, now: datetime | None = None
    ) -> None:
        """Record TD's answer for a started action; LookupError if none is started."""
        t = tables.actions
        statement = (
            update(t)
            .where(t.c.action_key == key, t.c.state == ActionState.STARTED.value)
            .values(
                state=(ActionState.SUCCEEDED if ok else ActionState.FAILED).value,
                outcome=outcome[:_ERROR_CHARS],
                finished_at=self._at(now),
            )
        )
        async with self._begin() as conn:
            if (await conn.execute(statement)).rowcount != 1:
                raise LookupError(f"no started action with key {key!r}")

    async def actions(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        target_id: str | None = None,
        limit: int = 50,
    ) -> list[ActionRecord]:
        """The audit trail, newest first, optionally narrowed."""
        t = tables.actions
        conditions: list[ColumnElement[bool]] = []
        if channel_id is not None:
            conditions.append(t.c.channel_id == channel_id)
        if user_id is not None:
            conditions.append(t.c.user_id == user_id)
        if target_id is not None:
            conditions.append(t.c.target_id == target_id)
        statement = select(t).where(*conditions).order_by(t.c.created_at.desc(), t.c.id.desc())
        return [_action(row) for row in await self._rows(statement.limit(limit))]

    # -------------------------------------------------------------- leadership

    def leader_lock(self, name: str = "poller") -> AbstractAsyncContextManager[bool]:
        """Yield True when this process may run the tick ``name`` now.

        PostgreSQL: ``pg_try_advisory_xact_lock`` in a transaction that lasts
        for the block, so the lock can never outlive the tick (crash,
        disconnect and exceptions all end the transaction) and it works behind
        PgBouncer in transaction pooling, where a session lock would not. The
        cost is one connection idle in a transaction for the tick's duration.
        SQLite: always True, as a SQLite store serves a single process.
        """
        return self._postgres_leader_lock(name) if self._postgres else nullcontext(True)

    @asynccontextmanager
    async def _postgres_leader_lock(self, name: str) -> AsyncIterator[bool]:
        async with self._engine.connect() as conn, conn.begin():
            got = await conn.scalar(select(func.pg_try_advisory_xact_lock(advisory_key(name))))
            yield bool(got)

    # -------------------------------------------------------------- internals

    def _at(self, now: datetime | None) -> datetime:
        return _aware(self._clock() if now is None else now)

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return postgresql.insert(table) if self._postgres else sqlite.insert(table)

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        async with self._serial or nullcontext(), self._engine.begin() as conn:
            yield conn

    async def _rows(self, statement: Any) -> Sequence[Row[Any]]:
        async with self._begin() as conn:
            return (await conn.execute(statement)).all()

    async def _delete(self, table: Table, *conditions: ColumnElement[bool]) -> bool:
        async with self._begin() as conn:
            return (await conn.execute(delete(table).where(*conditions))).rowcount > 0

    async def _put_state(self, key: str, value: str, at: datetime) -> None:
        t = tables.poll_state
        statement = (
            self._insert(t)
            .values(key=key, value=value, updated_at=at)
            .on_conflict_do_update(
                index_elements=[t.c.key], set_={"value": value, "updated_at": at}
            )
        )
        async with self._begin() as conn:
            await conn.execute(statement)

    # ---------------------------------------------- replica-safe repositories

    def seen_events(self) -> SeenEvents:
        return SeenEvents(self._access())

    def rate_limits(self) -> RateLimits:
        return RateLimits(self._access())

    def upkeep(self) -> Upkeep:
        return Upkeep(self._access())

    def _access(self) -> Access:
        return Access(self._engine, self._serial, self._clock)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware time")
    return value.astimezone(UTC)


def _scope(project: str, workflow: str | None) -> tuple[str, str]:
    """Validate a (project, workflow) scope and give its stored form."""
    if not project:
        raise ValueError("project must not be empty")
    if workflow == ANY_WORKFLOW:
        raise ValueError("workflow must be None (every workflow) or a name")
    if project == ALL_PROJECTS and workflow is not None:
        raise ValueError(f"{ALL_PROJECTS!r} covers every workflow: give no workflow")
    return project, workflow or ANY_WORKFLOW


def _covers(t: Table, project: str, workflow: str) -> ColumnElement[bool]:
    """Rows of a scope table (subscriptions, mutes) that cover ``project/workflow``."""
    return or_(
        t.c.project == ALL_PROJECTS,
        and_(t.c.project == project, t.c.workflow.in_([ANY_WORKFLOW, workflow])),
    )


def _specificity(sub: Subscription) -> int:
    if sub.project == ALL_PROJECTS:
        return 0
    return 1 if sub.workflow is None else 2


def _subscription(r: Row[Any]) -> Subscription:
    return Subscription(
        r.channel_id, r.project, r.workflow or None, r.threshold, r.created_by, r.created_at
    )


def _mute(r: Row[Any]) -> Mute:
    return Mute(r.channel_id, r.project, r.workflow or None, r.until, r.created_by, r.created_at)


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
    )


def _thread(r: Row[Any]) -> ThreadRef:
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


def _action(r: Row[Any]) -> ActionRecord:
    return ActionRecord(
        key=r.action_key,
        user_id=r.user_id,
        action=ActionKind(r.action),
        target_id=r.target_id,
        channel_id=r.channel_id,
        thread_ts=r.thread_ts,
        state=ActionState(r.state),
        outcome=r.outcome,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )
