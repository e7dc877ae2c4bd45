"""What the bot knows of TD's schedules between reads: each schedule as last seen, and
the scheduled slots it still watches (migration ``0008_schedule_states``).

A schedule's row says whether it is enabled and since when, its next run and
schedule times, when the bot first saw it and the open ``schedule disabled``
alert. A slot is one session time a schedule was due to start: learned from a
schedule read (its ``nextScheduleTime``) or from the attempt feed (a scheduled
attempt's ``next_session_time``); it records the session TD started for it and
the open ``not started`` / ``late`` alert, until the session succeeded and the
alerts are resolved. Only slots the bot saw as a schedule's next are here, so a
backfill or a manual run of a past time never has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
    delete,
    select,
    tuple_,
)

from bot.store.database import Repository
from bot.store.tables import UTCDateTime, metadata

_ID = 64
_NAME = 255

schedule_states = Table(
    "schedule_states",
    metadata,
    Column("schedule_id", String(_ID), nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),  # TD's; None while enabled
    Column("enabled_since", UTCDateTime, nullable=True),  # first seen enabled, or re-enabled
    Column("next_run_time", UTCDateTime, nullable=True),
    Column("next_schedule_time", UTCDateTime, nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=False),  # the last read that listed it
    Column("disabled_subject", String(_NAME), nullable=True),  # open "schedule disabled"
    PrimaryKeyConstraint("schedule_id"),
    Index(None, "project", "workflow"),
)

schedule_slots = Table(
    "schedule_slots",
    metadata,
    Column("schedule_id", String(_ID), nullable=False),
    Column("session_time", UTCDateTime, nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("run_time", UTCDateTime, nullable=False),  # when TD was due to start it
    Column("predicted", Boolean, nullable=False),  # run time from the feed, not a read
    Column("session_id", String(_ID), nullable=True),
    Column("attempt_id", String(_ID), nullable=True),  # the newest attempt seen
    Column("status", String(32), nullable=True),  # that attempt's status as TD wrote it
    Column("not_started_subject", String(_NAME), nullable=True),  # a not-started alert ran
    Column("not_started_open", Boolean, nullable=False),
    Column("late_subject", String(_NAME), nullable=True),  # the open late alert
    PrimaryKeyConstraint("schedule_id", "session_time"),
    Index(None, "project", "workflow", "session_time"),
)

_RUN_STATES = ("queued", "blocked")
SESSION_COLUMNS = ("session_id", "attempt_id", "status")  # written from the attempt feed
ALERT_COLUMNS = (  # written by the schedule round
    "run_time",
    "predicted",
    "not_started_subject",
    "not_started_open",
    "late_subject",
)  # a session that exists but has not started to run


@dataclass(frozen=True)
class ScheduleState:
    schedule_id: str
    project: str
    workflow: str
    disabled_at: datetime | None
    enabled_since: datetime | None
    next_run_time: datetime | None
    next_schedule_time: datetime | None
    first_seen_at: datetime
    read_at: datetime
    disabled_subject: str | None = None

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class Slot:
    schedule_id: str
    session_time: datetime
    project: str
    workflow: str
    run_time: datetime
    predicted: bool
    session_id: str | None = None
    attempt_id: str | None = None
    status: str | None = None
    not_started_subject: str | None = None
    not_started_open: bool = False
    late_subject: str | None = None

    @property
    def started(self) -> bool:
        """A session for the slot exists and has begun to run (or is over)."""
        return self.status is not None and self.status not in _RUN_STATES

    @property
    def succeeded(self) -> bool:
        return self.status == "success"

    def seen(self, session_id: str, attempt_id: str, status: str) -> Slot:
        """With an attempt of its session (the newest one wins)."""
        if self.attempt_id is not None and int(self.attempt_id) > int(attempt_id):
            return self
        return replace(self, session_id=session_id, attempt_id=attempt_id, status=status)


class ScheduleStates(Repository):
    """Schedules as last read, and the scheduled slots still watched."""

    async def schedules(self) -> list[ScheduleState]:
        t = schedule_states
        rows = await self._db.rows(select(t).order_by(t.c.schedule_id))
        return [ScheduleState(**row._mapping) for row in rows]

    async def schedules_of(self, workflows: Iterable[tuple[str, str]]) -> list[ScheduleState]:
        keys = sorted(set(workflows))
        if not keys:
            return []
        t = schedule_states
        statement = select(t).where(tuple_(t.c.project, t.c.workflow).in_(keys))
        return [ScheduleState(**row._mapping) for row in await self._db.rows(statement)]

    async def put_schedules(self, states: Sequence[ScheduleState]) -> None:
        columns = [c.name for c in schedule_states.c if c.name != "schedule_id"]
        await self._upsert(schedule_states, ["schedule_id"], [_values(s) for s in states], columns)

    async def forget_schedules(self, schedule_ids: Sequence[str]) -> None:
        """Schedules TD no longer lists (their project was deleted or re-pushed without)."""
        if schedule_ids:
            async with self._db.transaction() as conn:
                await conn.execute(
                    delete(schedule_slots).where(schedule_slots.c.schedule_id.in_(schedule_ids))
                )
                await conn.execute(
                    delete(schedule_states).where(schedule_states.c.schedule_id.in_(schedule_ids))
                )

    async def slots(self) -> list[Slot]:
        t = schedule_slots
        rows = await self._db.rows(select(t).order_by(t.c.schedule_id, t.c.session_time))
        return [_slot(row) for row in rows]

    async def slots_of(self, schedule_ids: Iterable[str]) -> list[Slot]:
        ids = sorted(set(schedule_ids))
        if not ids:
            return []
        t = schedule_slots
        rows = await self._db.rows(select(t).where(t.c.schedule_id.in_(ids)))
        return [_slot(row) for row in rows]

    async def put_slots(self, slots: Sequence[Slot], *, update: Sequence[str]) -> None:
        """Insert the slots; where one exists already, set only the ``update`` columns
        (the attempt feed and the schedule round each own theirs: SESSION_COLUMNS,
        ALERT_COLUMNS)."""
        await self._upsert(
            schedule_slots, ["schedule_id", "session_time"], [_values(s) for s in slots], update
        )

    async def drop_slots(self, keys: Sequence[tuple[str, datetime]]) -> None:
        """Slots (schedule id, session time) with nothing left to watch."""
        t = schedule_slots
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            await self._db.execute(
                delete(t).where(tuple_(t.c.schedule_id, t.c.session_time).in_(chunk))
            )

    async def _upsert(
        self, table: Table, keys: list[str], rows: list[dict[str, Any]], update: Sequence[str]
    ) -> None:
        if not rows:
            return
        async with self._db.transaction() as conn:
            for start in range(0, len(rows), 500):
                statement = self._db.insert(table).values(rows[start : start + 500])
                if update:
                    statement = statement.on_conflict_do_update(
                        index_elements=keys, set_={c: statement.excluded[c] for c in update}
                    )
                else:
                    statement = statement.on_conflict_do_nothing(index_elements=keys)
                await conn.execute(statement)


def _values(record: ScheduleState | Slot) -> dict[str, Any]:
    return dict(record.__dict__)


def _slot(row: Row[Any]) -> Slot:
    return Slot(**row._mapping)
