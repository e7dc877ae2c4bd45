"""The schedule watcher's decisions on their own (pure: the book and ``decide``), for the
cases the sandbox does not play: Digdag pending a schedule at the attempt limit,
a slot both late and not started, slots learned from the attempt feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alerts.findings import Late, LateState, NotStarted, ResolvedHow, ScheduleDisabled
from bot.alerts.schedules.book import Book, learn_attempt, learn_schedule
from bot.alerts.schedules.detect import Decisions, decide
from bot.alerts.schedules.watcher import sweep_start
from bot.td.models import Attempt, Schedule

T0 = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)  # the slot's session time; it runs at 10:10
GRACE = timedelta(minutes=30)


def schedule(
    *, nst: datetime = T0, nrt: datetime | None = None, disabled: datetime | None = None
) -> Schedule:
    return Schedule.model_validate(
        {
            "id": "71001",
            "project": {"id": "1", "name": "web"},
            "workflow": {"id": "2", "name": "hourly"},
            "nextRunTime": (nrt or nst + timedelta(minutes=10)).isoformat(),
            "nextScheduleTime": nst.isoformat(),
            "disabledAt": disabled.isoformat() if disabled else None,
        }
    )


def attempt(
    attempt_id: str, session_time: datetime, status: str, *, name: str | None = None
) -> Attempt:
    data: dict[str, Any] = {
        "id": attempt_id,
        "index": 1,
        "project": {"id": "1", "name": "web"},
        "workflow": {"id": "2", "name": "hourly"},
        "sessionId": f"9{attempt_id}",
        "sessionTime": session_time.isoformat(),
        "retryAttemptName": name,
        "done": status in ("success", "error"),
        "success": status == "success",
        "cancelRequested": False,
        "params": {"next_session_time": (session_time + timedelta(hours=1)).isoformat()},
        "createdAt": session_time.isoformat(),
        "finishedAt": None,
        "status": status,
    }
    return Attempt.model_validate(data)


def run(book: Book, now: datetime, within: timedelta | None = None) -> Decisions:
    return decide(
        book,
        now,
        grace=GRACE,
        within=lambda p, w: (within, "web/hourly") if within else None,
        watched=lambda p, w: True,
        attempts={},
    )


def test_a_schedule_pended_at_the_attempt_limit_is_not_started_by_its_first_run_time() -> None:
    book = Book()
    learn_schedule(book, schedule(), T0)
    # Digdag pends it for 10 minutes at a time: nextRunTime moves, nextScheduleTime stays.
    for minutes in (20, 30, 40, 45):
        pended = T0 + timedelta(minutes=minutes + 10)
        learn_schedule(book, schedule(nrt=pended), T0 + timedelta(minutes=minutes))
    decisions = run(book, T0 + timedelta(minutes=45))
    [finding] = decisions.findings
    assert isinstance(finding.facts, NotStarted)
    assert finding.facts.slot == T0 + timedelta(minutes=10)
    assert finding.subject == "slot:71001:2024-06-03T10:00:00Z"


def test_not_started_needs_a_read_after_the_grace() -> None:
    book = Book()
    learn_schedule(book, schedule(), T0)
    assert run(book, T0 + timedelta(minutes=45)).findings == []  # last read: 10:00
    learn_schedule(book, schedule(), T0 + timedelta(minutes=45))
    assert len(run(book, T0 + timedelta(minutes=45)).findings) == 1


def test_a_slot_both_late_and_not_started_gets_one_alert() -> None:
    book = Book()
    learn_schedule(book, schedule(), T0)
    late = run(book, T0 + timedelta(minutes=25), within=timedelta(minutes=20))
    [finding] = late.findings
    assert isinstance(finding.facts, Late) and finding.facts.state is LateState.NOT_STARTED
    learn_schedule(book, schedule(), T0 + timedelta(minutes=45))
    assert run(book, T0 + timedelta(minutes=45), within=timedelta(minutes=20)).findings == []
    # ...and the other way round: not started first, then never late.
    other = Book()
    learn_schedule(other, schedule(), T0 + timedelta(minutes=45))
    [first] = run(other, T0 + timedelta(minutes=45), within=timedelta(minutes=60)).findings
    assert isinstance(first.facts, NotStarted)
    assert run(other, T0 + timedelta(minutes=75), within=timedelta(minutes=60)).findings == []


def test_the_feed_gives_the_session_then_the_next_slot() -> None:
    book = Book()
    learn_schedule(book, schedule(), T0)
    learn_attempt(book, attempt("5", T0, "running"))
    following = T0 + timedelta(hours=1)
    slot = book.slots[("71001", following)]
    assert slot.predicted and slot.run_time == following + timedelta(minutes=10)
    assert book.slots[("71001", T0)].session_id == "95"
    learn_schedule(book, schedule(nst=following, nrt=following + timedelta(minutes=11)), T0)
    assert book.slots[("71001", following)].run_time == following + timedelta(minutes=11)


def test_backfills_and_manual_runs_of_other_times_have_no_slot() -> None:
    book = Book()
    learn_schedule(book, schedule(), T0)
    learn_attempt(book, attempt("6", T0 - timedelta(hours=5), "running", name="bf"))
    learn_attempt(book, attempt("7", T0 - timedelta(minutes=7), "error"))
    assert set(book.slots) == {("71001", T0)}
    findings = run(book, T0 + timedelta(hours=6), within=timedelta(minutes=20)).findings
    # Only the schedule's own slot (which never started) is late; not their sessions.
    assert [f.subject for f in findings] == ["slot:71001:2024-06-03T10:00:00Z"]


def test_late_while_running_then_resolved_when_it_succeeds() -> None:
    book = Book()
    learn_schedule(book, schedule(), T0)
    learn_attempt(book, attempt("8", T0, "running"))
    [finding] = run(book, T0 + timedelta(minutes=50), within=timedelta(minutes=40)).findings
    assert isinstance(finding.facts, Late) and finding.facts.state is LateState.RUNNING
    assert finding.subject == "98"  # the session: its failure would join this thread
    learn_attempt(book, attempt("8", T0, "success"))
    decisions = run(book, T0 + timedelta(minutes=55), within=timedelta(minutes=40))
    assert decisions.findings == []
    [end] = decisions.resolved
    assert end.how is ResolvedHow.SUCCEEDED and end.subject == "98"
    assert book.slots_of("71001") == [book.slots[("71001", T0 + timedelta(hours=1))]]


def test_disabled_then_enabled() -> None:
    book = Book()
    off = T0 - timedelta(days=400)
    learn_schedule(book, schedule(disabled=off), T0)
    [finding] = run(book, T0).findings
    assert isinstance(finding.facts, ScheduleDisabled) and finding.facts.disabled_at == off
    assert run(book, T0 + timedelta(minutes=5)).findings == []  # once per disabling
    learn_schedule(book, schedule(), T0 + timedelta(minutes=10))
    [end] = run(book, T0 + timedelta(minutes=10)).resolved
    assert end.how is ResolvedHow.ENABLED and end.subject == finding.subject


def test_the_sweep_reads_only_pages_with_subscribed_schedules_and_the_tail() -> None:
    book = Book()
    for schedule_id, project in (("100", "a"), ("250", "b"), ("400", "a"), ("900", "b")):
        state = schedule()
        learn_schedule(
            book,
            state.model_copy(
                update={
                    "id": schedule_id,
                    "project": state.project.model_copy(update={"name": project}),
                }
            ),
            T0,
        )

    def only_b(project: str, workflow: str) -> bool:
        return project == "b"

    assert sweep_start(book, None, only_b) == 249
    assert sweep_start(book, 300, only_b) == 899
    assert sweep_start(book, 950, only_b) == 950  # the tail: new schedules only
    assert sweep_start(book, None, lambda p, w: True) == 99
