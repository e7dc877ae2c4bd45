"""TD's scheduler in the sandbox: schedules fire at their ``nextRunTime``, as Digdag's
ScheduleExecutor does it, and go wrong the ways TD's can.

- A disabled schedule is not picked (``disabled_at is null`` in Digdag's
  ``lockReadySchedules``): it does not move on, so its ``nextRunTime`` falls into
  the past; enabled again it catches up slot by slot (``runScheduleOnce`` repeats
  while one is ready), or skips to now with ``skipSchedule``.
- Faults: a scheduler that **lags** (fires N seconds late) or **stalls** (fires
  nothing, for one workflow or the whole account, until cleared). Either way the
  schedule does not move until it fires, so ``nextRunTime`` stays in the past, as
  TD shows it.
- At the account's attempt limit a scheduled attempt is created ``queued`` (TD's
  status enum) and starts when room frees up. UNVERIFIED: OSS Digdag instead pends
  the schedule for 10 minutes (``nextRunTime`` moves on, ``nextScheduleTime``
  stays); TD's scheduler may do either.
- TD disables the schedule of a workflow that keeps failing (its e-mail
  notification docs say so). The number of consecutive failed scheduled sessions
  is UNVERIFIED: ``disable_after`` is a sandbox setting, off by default.
- Scheduled attempts carry ``last_session_time``/``next_session_time`` in params
  (AttemptBuilder), plus ``last_executed_session_time`` once the schedule has run
  before, and no attempt name; backfills carry the same and their ``attemptName``.
  OSS Digdag's AttemptBuilder also adds ``last/next_session_time`` to a manual run
  (``PUT /api/attempts``) of a scheduled workflow; the sandbox keeps a manual run's
  params as sent (as the rest of the suite expects), so those two params must never
  be what tells a scheduled attempt from a manual one (the bot does not use them so).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.sandbox.model import Attempt, Schedule, WorkflowDef
from bot.sandbox.timefmt import zone, zoned

if TYPE_CHECKING:
    from bot.sandbox.engine import Engine, Outcome

WorkflowKey = tuple[int, str]  # (project id, workflow name)
ACCOUNT = None  # a fault for every schedule of the account


class ScheduleRunner:
    """Fires the account's schedules; holds those that may not fire (disabled, stalled)."""

    def __init__(self, engine: Engine, outcome: Callable[[WorkflowDef, datetime], Outcome]) -> None:
        self.engine = engine
        self.outcome = outcome
        self.lag: dict[WorkflowKey | None, float] = {}
        self.stalled: set[WorkflowKey | None] = set()
        self.held: dict[int, Schedule] = {}  # not armed: disabled or stalled when due
        self.disable_after: int | None = None
        self.failures: dict[WorkflowKey, int] = {}  # consecutive failed scheduled sessions
        self.scheduled: set[int] = set()  # ids of attempts the scheduler started
        self.last_session: dict[int, datetime] = {}  # schedule id -> last session it started
        engine.on_attempt_done.append(self._after)

    # ------------------------------------------------------------ firing

    def arm(self, schedule: Schedule) -> None:
        """Exactly one pending fire per schedule that is not held."""
        self.engine.at(schedule.next_run_time, partial(self.fire, schedule))

    def fire(self, schedule: Schedule) -> None:
        key = (schedule.project.id, schedule.workflow_name)
        if schedule.disabled_at is not None or key in self.stalled or ACCOUNT in self.stalled:
            self.held[schedule.id] = schedule
            return
        lag = self.lag.get(key, self.lag.get(ACCOUNT, 0.0))
        due = schedule.next_run_time + timedelta(seconds=lag)
        if self.engine.clock.now() < due:
            self.engine.at(due, partial(self.fire, schedule))
            return
        workflow = schedule.project.workflows.get(schedule.workflow_name)
        if workflow is not None:
            self._start(schedule, workflow)
        schedule.advance()
        self.arm(schedule)

    def _start(self, schedule: Schedule, workflow: WorkflowDef) -> None:
        session_time = schedule.next_schedule_time
        key = (workflow.project.id, workflow.name, session_time.replace(microsecond=0))
        if key in self.engine.store.session_by_key:
            return  # Digdag: "Scheduled attempt ... is already executed. Skipping"
        params = schedule_params(schedule)
        last = self.last_session.get(schedule.id)
        if last is not None:
            params["last_executed_session_time"] = zoned(last, schedule.timezone)
        limit = self.engine.attempt_limit
        queued = limit is not None and self.engine.active_attempts() >= limit
        attempt = self.engine.submit(
            workflow, session_time, params, self.outcome(workflow, session_time), queued=queued
        )
        self.scheduled.add(attempt.id)
        self.last_session[schedule.id] = session_time

    def release(self, schedule: Schedule | None = None) -> None:
        """Arm again what is held and may fire now (after enable or a cleared stall)."""
        for held in list(self.held.values()) if schedule is None else [schedule]:
            if self.held.pop(held.id, None) is not None:
                self.arm(held)

    # ------------------------------------------------------------ faults

    def set_lag(self, seconds: float, key: WorkflowKey | None) -> None:
        if seconds < 0:
            raise ValueError("a scheduler lag cannot be negative")
        self.lag[key] = float(seconds)

    def stall(self, key: WorkflowKey | None) -> None:
        self.stalled.add(key)

    def clear(self) -> None:
        self.lag.clear()
        self.stalled.clear()
        for schedule in list(self.held.values()):
            if schedule.disabled_at is None:
                self.release(schedule)

    # ------------------------------------------------------ enable, disable

    def disable(self, schedule: Schedule) -> None:
        schedule.disabled_at = schedule.disabled_at or self.engine.clock.now()

    def enable(self, schedule: Schedule, *, skip_to: datetime | None) -> None:
        schedule.disabled_at = None
        if skip_to is not None:
            while schedule.next_run_time < skip_to:
                schedule.advance()
        self.release(schedule)

    def _after(self, attempt: Attempt) -> None:
        """TD turning off the schedule of a workflow whose scheduled runs keep failing."""
        session = attempt.session
        first = session.attempts[0]
        if first.id not in self.scheduled or session.last_attempt is not attempt:
            return
        key = (session.project.id, session.workflow_name)
        if attempt.status == "success":
            self.failures.pop(key, None)
            return
        if attempt.status != "error":
            return
        self.failures[key] = self.failures.get(key, 0) + 1
        if self.disable_after is None or self.failures[key] < self.disable_after:
            return
        for schedule in self.engine.store.schedules.values():
            if (schedule.project.id, schedule.workflow_name) == key:
                self.disable(schedule)


def schedule_params(schedule: Schedule, session_time: datetime | None = None) -> dict[str, str]:
    """What Digdag's AttemptBuilder adds to an attempt of a scheduled workflow (the
    schedule's own and backfills): the neighbouring session times of ``session_time``
    (default: the schedule's next), in the workflow's zone (wall-clock steps)."""
    tz = zone(schedule.timezone)
    at = schedule.next_schedule_time if session_time is None else session_time
    local = at.astimezone(tz).replace(tzinfo=None)
    step = timedelta(seconds=schedule.step_seconds)
    return {
        "last_session_time": zoned((local - step).replace(tzinfo=tz), schedule.timezone),
        "next_session_time": zoned((local + step).replace(tzinfo=tz), schedule.timezone),
    }
