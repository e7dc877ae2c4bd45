"""The working copy of what the bot knows of schedules, and how it learns (pure).

It learns from two sources. A schedule read (``learn_schedule``) gives a
schedule's state and its next slot: ``nextScheduleTime`` with the
``nextRunTime`` first seen for it (later reads keep that run time: Digdag pends a
schedule at the attempt limit by moving ``nextRunTime`` on, which must not hide
that the slot did not start). The attempt feed (``learn_attempt``) gives, for
free, the session TD started for a slot, its status, and the following slot: a
scheduled attempt's ``params.next_session_time`` (its run time predicted with
the same offset until a read confirms it). The feed writes only those (a slot's
session columns, new slots); the schedule round writes states and alert columns,
so the two never overwrite each other's facts.

Only slots the bot saw as a schedule's next get here, so backfills and manual
runs of past times never have one; a manual run *at* the slot's own time is the
slot's session (TD would skip the slot for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.store import ScheduleState, Slot
from bot.td.models import Attempt, Schedule

SlotKey = tuple[str, datetime]  # (schedule id, session time)

# A slot TD's schedule moved past with no session seen: its session may still be on
# its way through the attempt feed for a poll or two; after this it was skipped.
PASSED_GRACE = timedelta(minutes=15)


@dataclass
class Book:
    """States and slots loaded for one round (or one poll), and which of them changed."""

    states: dict[str, ScheduleState] = field(default_factory=dict)
    slots: dict[SlotKey, Slot] = field(default_factory=dict)
    changed_states: set[str] = field(default_factory=set)
    changed_slots: set[SlotKey] = field(default_factory=set)
    new_slots: set[SlotKey] = field(default_factory=set)  # not in the store when loaded
    dropped: set[SlotKey] = field(default_factory=set)
    _index: dict[str, set[SlotKey]] = field(default_factory=dict)  # schedule id -> its slots

    @classmethod
    def of(cls, states: list[ScheduleState], slots: list[Slot]) -> Book:
        book = cls({s.schedule_id: s for s in states})
        for slot in slots:
            key = (slot.schedule_id, slot.session_time)
            book.slots[key] = slot
            book._index.setdefault(slot.schedule_id, set()).add(key)
        return book

    def by_workflow(self, project: str, workflow: str) -> ScheduleState | None:
        return next(
            (s for s in self.states.values() if (s.project, s.workflow) == (project, workflow)),
            None,
        )

    def forget(self, schedule_id: str) -> None:
        """A schedule TD no longer lists (the store forgets it on its own)."""
        self.states.pop(schedule_id, None)
        self.changed_states.discard(schedule_id)
        for key in self._index.pop(schedule_id, set()):
            self.slots.pop(key, None)
            self.changed_slots.discard(key)
            self.new_slots.discard(key)

    def put_state(self, state: ScheduleState) -> None:
        if self.states.get(state.schedule_id) != state:
            self.states[state.schedule_id] = state
            self.changed_states.add(state.schedule_id)

    def put_slot(self, slot: Slot) -> None:
        key = (slot.schedule_id, slot.session_time)
        if key not in self.slots and key not in self.dropped:
            self.new_slots.add(key)
        if self.slots.get(key) != slot:
            self.slots[key] = slot
            self._index.setdefault(slot.schedule_id, set()).add(key)
            self.changed_slots.add(key)
            self.dropped.discard(key)

    def drop_slot(self, slot: Slot) -> None:
        key = (slot.schedule_id, slot.session_time)
        self.slots.pop(key, None)
        self._index.get(slot.schedule_id, set()).discard(key)
        self.changed_slots.discard(key)
        if key in self.new_slots:
            self.new_slots.discard(key)
        else:
            self.dropped.add(key)

    def slots_of(self, schedule_id: str) -> list[Slot]:
        keys = sorted(self._index.get(schedule_id, ()), key=lambda k: k[1])
        return [self.slots[k] for k in keys]


def learn_schedule(book: Book, schedule: Schedule, now: datetime) -> None:
    """A schedule as a read listed it."""
    before = book.states.get(schedule.id)
    enabled = schedule.disabled_at is None
    if not enabled:
        since = None
    elif before is None or not before.enabled:
        since = now
    else:
        since = before.enabled_since
    state = ScheduleState(
        schedule_id=schedule.id,
        project=schedule.project.name,
        workflow=schedule.workflow.name,
        disabled_at=schedule.disabled_at,
        enabled_since=since,
        next_run_time=schedule.next_run_time,
        next_schedule_time=schedule.next_schedule_time,
        first_seen_at=before.first_seen_at if before else now,
        read_at=now,
        disabled_subject=before.disabled_subject if before else None,
    )
    book.put_state(state)
    nst, nrt = schedule.next_schedule_time, schedule.next_run_time
    if not enabled or nst is None or nrt is None:
        return
    slot = book.slots.get((schedule.id, nst))
    if slot is None:
        book.put_slot(Slot(schedule.id, nst, state.project, state.workflow, nrt, predicted=False))
    elif slot.predicted:
        book.put_slot(replace(slot, run_time=nrt, predicted=False))
    for passed in book.slots_of(schedule.id):
        if (
            passed.session_time < nst
            and passed.session_id is None
            and not passed.not_started_open
            and passed.late_subject is None
            and now > passed.run_time + PASSED_GRACE
        ):
            book.drop_slot(passed)  # skipped by TD (skip_delayed_by, a conflict): no session


def learn_attempt(book: Book, attempt: Attempt) -> None:
    """An attempt the poller saw (new or finished): its slot's session and the next slot."""
    state = book.by_workflow(attempt.project.name, attempt.workflow.name)
    if state is None:
        return
    slot = book.slots.get((state.schedule_id, attempt.session_time))
    if slot is None:
        return  # not a time the schedule was due at: a manual run or a backfill
    slot = slot.seen(attempt.session_id, attempt.id, attempt.status.value)
    book.put_slot(slot)
    following = _next_session_time(attempt)
    if attempt.retry_attempt_name is not None or following is None:
        return
    if following <= slot.session_time or (state.schedule_id, following) in book.slots:
        return
    run_time = following + (slot.run_time - slot.session_time)
    book.put_slot(
        Slot(state.schedule_id, following, state.project, state.workflow, run_time, predicted=True)
    )


def _next_session_time(attempt: Attempt) -> datetime | None:
    text = attempt.params.get("next_session_time") if attempt.params else None
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None
