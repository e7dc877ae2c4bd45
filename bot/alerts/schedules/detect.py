"""Late, not started and schedule disabled, decided from the book (pure: no TD, no store).

- **Not started**: an enabled schedule's slot whose run time is more than the grace
  in the past while its session has not begun to run: no session while a read
  made after that moment still shows the slot as the schedule's next (TD stalled
  or lagging, Digdag pending it at the attempt limit), or a session that is still
  ``queued``/``blocked``. Resolved (``started``) once its session runs.
- **Late**: a slot whose session had not succeeded ``within`` (the scope's ``sla
  within``) after its session time; which of not started / running / failed it is
  comes with it. Resolved (``succeeded``) when it succeeds.
- One alert per slot: a slot already alerted as not started is not alerted late
  too (the not-started thread said it first); a late slot with no session yet is
  not alerted as not started afterwards. The not-started one wins when both
  are due in the same round.
- **Schedule disabled**: a schedule seen disabled with no alert for that
  ``disabledAt`` yet; ``SilentAlerts`` leaves out channels that subscribed
  after it (so a schedule off since long before the install stays silent).
  Resolved (``enabled``) when a read shows it enabled again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.alerts.findings import (
    Facts,
    Finding,
    Late,
    LateState,
    NotStarted,
    Resolved,
    ResolvedHow,
    ScheduleDisabled,
    SilentKind,
    schedule_subject,
    slot_subject,
)
from bot.alerts.schedules.book import Book
from bot.store import ScheduleState, Slot
from bot.td.models import Attempt

KEEP_SLOTS = timedelta(days=7)  # a slot this old is forgotten, alerts resolved or not

Within = Callable[[str, str], tuple[timedelta, str] | None]  # (project, workflow) -> limit
Watched = Callable[[str, str], bool]  # (project, workflow) -> some channel subscribes to it


@dataclass
class Decisions:
    findings: list[Finding] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)

    def found(
        self,
        where: ScheduleState | Slot,
        subject: str,
        session_time: datetime | None,
        facts: Facts,
        attempt: Attempt | None = None,
    ) -> None:
        self.findings.append(
            Finding(where.project, where.workflow, subject, session_time, attempt, facts)
        )

    def ended(
        self,
        where: ScheduleState | Slot,
        kind: SilentKind,
        subject: str,
        how: ResolvedHow,
        at: datetime,
        attempt: Attempt | None = None,
    ) -> None:
        self.resolved.append(
            Resolved(kind, subject, where.project, where.workflow, how, at, attempt)
        )


def decide(
    book: Book,
    now: datetime,
    *,
    grace: timedelta,
    within: Within,
    watched: Watched,
    attempts: dict[str, Attempt],
) -> Decisions:
    """What to report this round; the book records which alerts are open.

    ``attempts``: the slots' attempts as read again this round (by id), for the
    findings to carry (absent ones go without). Slots of workflows no channel
    subscribes to are not judged, and are let go once their session exists (the
    feed does not follow such sessions to their end).
    """
    out = Decisions()
    for state in list(book.states.values()):  # slots of forgotten schedules went with them
        _disabled(book, state, now, out)
        for slot in book.slots_of(state.schedule_id):
            if not watched(slot.project, slot.workflow):
                if slot.session_id is not None and not (slot.not_started_open or slot.late_subject):
                    book.drop_slot(slot)
                continue
            slot = _not_started(book, state, slot, now, grace, out)
            slot = _late(book, state, slot, now, within, attempts, out)
            settled = slot.succeeded and not slot.not_started_open and slot.late_subject is None
            if settled or slot.session_time < now - KEEP_SLOTS:
                book.drop_slot(slot)
    return out


def _disabled(book: Book, state: ScheduleState, now: datetime, out: Decisions) -> None:
    if state.disabled_at is not None:
        subject = schedule_subject(state.schedule_id, state.disabled_at)
        if state.disabled_subject != subject:
            facts = ScheduleDisabled(state.schedule_id, state.disabled_at)
            out.found(state, subject, state.next_schedule_time, facts)
            book.put_state(replace(state, disabled_subject=subject))
    elif state.disabled_subject is not None:
        out.ended(
            state,
            SilentKind.SCHEDULE_DISABLED,
            state.disabled_subject,
            ResolvedHow.ENABLED,
            state.enabled_since or now,
        )
        book.put_state(replace(state, disabled_subject=None))


def _not_started(
    book: Book,
    state: ScheduleState,
    slot: Slot,
    now: datetime,
    grace: timedelta,
    out: Decisions,
) -> Slot:
    if slot.not_started_open:
        if slot.started:
            subject = slot.not_started_subject or ""
            out.ended(slot, SilentKind.NOT_STARTED, subject, ResolvedHow.STARTED, now)
            slot = replace(slot, not_started_open=False)
            book.put_slot(slot)
        return slot
    if (
        slot.not_started_subject is not None
        or slot.late_subject is not None
        or slot.started
        or not state.enabled
        or now <= slot.run_time + grace
    ):
        return slot
    pending = slot.session_id is None
    if pending and not (
        state.next_schedule_time == slot.session_time and state.read_at > slot.run_time + grace
    ):
        return slot  # only a read after the grace says TD has not moved past it
    subject = slot_subject(slot.schedule_id, slot.session_time)
    out.found(slot, subject, slot.session_time, NotStarted(slot.schedule_id, slot.run_time, grace))
    slot = replace(slot, not_started_subject=subject, not_started_open=True)
    book.put_slot(slot)
    return slot


def _late(
    book: Book,
    state: ScheduleState,
    slot: Slot,
    now: datetime,
    within: Within,
    attempts: dict[str, Attempt],
    out: Decisions,
) -> Slot:
    if slot.late_subject is not None:
        if slot.succeeded:
            attempt = attempts.get(slot.attempt_id or "")
            out.ended(slot, SilentKind.LATE, slot.late_subject, ResolvedHow.SUCCEEDED, now, attempt)
            slot = replace(slot, late_subject=None)
            book.put_slot(slot)
        return slot
    if slot.succeeded or slot.not_started_subject is not None:
        return slot
    limit = within(slot.project, slot.workflow)
    if limit is None or now <= slot.session_time + limit[0]:
        return slot
    if slot.session_id is None:
        if not state.enabled:
            return slot  # the schedule-disabled alert says why
        late_state, subject = (
            LateState.NOT_STARTED,
            slot_subject(slot.schedule_id, slot.session_time),
        )
    else:
        late_state = LateState.FAILED if slot.status in ("error", "killed") else LateState.RUNNING
        subject = slot.session_id
    facts = Late(late_state, limit[0], limit[1], slot.session_time + limit[0])
    out.found(slot, subject, slot.session_time, facts, attempts.get(slot.attempt_id or ""))
    slot = replace(slot, late_subject=subject)
    book.put_slot(slot)
    return slot
