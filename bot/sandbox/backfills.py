"""`POST /api/schedules/{id}/backfill` (td-api.md 3.10), as Digdag's ScheduleExecutor does it.

The session times are the schedule's own, from the first at or after ``fromTime``
up to (not including) the schedule's next session time; ``count`` takes the
first N and is refused when fewer are left. An attempt of ``attemptName`` already
at any of those times is a 409 and starts nothing. A dry run answers stand-in
attempts (id 0, index 0) and starts nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from bot.sandbox import wire
from bot.sandbox.api_common import ApiError, json_object, missing
from bot.sandbox.model import Schedule, Store
from bot.sandbox.scheduling import schedule_params
from bot.sandbox.timefmt import instant, parse_instant, zone, zoned

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox


class Backfills:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    def backfill(self, request: Request, body: bytes) -> Any:
        schedule_id = request.path_params["id"]
        schedule = (
            self.sb.world.store.schedules.get(int(schedule_id)) if schedule_id.isdigit() else None
        )
        if schedule is None:
            raise missing(f"schedule id={schedule_id}")
        data = json_object(body)
        from_text, name = data.get("fromTime"), data.get("attemptName")
        if not isinstance(from_text, str) or not isinstance(name, str) or not name:
            raise ApiError(400, "fromTime and attemptName are required")
        try:
            from_time = parse_instant(from_text)
        except ValueError:
            raise ApiError(400, f"Invalid fromTime: {from_text}") from None
        count = data.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise ApiError(400, "count must be an integer")
        times = list(schedule_times(schedule, from_time))
        if count is not None:
            if len(times) < count:
                raise ApiError(
                    400,
                    f"count is set to {count} but there are only {len(times)} attempts "
                    "until the next schedule time",
                )
            times = times[:count]
        workflow = schedule.project.workflows.get(schedule.workflow_name)
        if workflow is None:
            raise missing(f"workflow name={schedule.workflow_name}")
        store = self.sb.world.store
        for time in times:
            session = store.session_by_key.get((schedule.project.id, workflow.name, time))
            if session and any(a.retry_attempt_name == name for a in session.attempts):
                raise ApiError(
                    409,
                    f"Attempt of project id={schedule.project.id} workflow={workflow.name} "
                    f"instant={instant(time)} attempt name={name} already exists",
                )
        if data.get("dryRun") is True:
            attempts = [self._dummy(schedule, workflow.id, time, name) for time in times]
        else:
            engine, life = self.sb.world.engine, self.sb.world.life
            attempts = []
            last = _last_executed(store, schedule, times[0]) if times else None
            for time in times:
                # ScheduleExecutor.backfill: the neighbouring times, and the session
                # executed before (the previous one of the backfill after the first).
                params: dict[str, Any] = schedule_params(schedule, time)
                if last is not None:
                    params["last_executed_session_time"] = zoned(last, schedule.timezone)
                made = engine.submit(
                    workflow, time, params, life.outcome(workflow, time), retry_name=name
                )
                attempts.append(wire.attempt(made))
                last = time
        return {
            "id": str(schedule.id),
            "project": wire.id_name(schedule.project.id, schedule.project.name),
            "workflow": wire.id_name(workflow.id, workflow.name),
            "attempts": attempts,
        }

    def _dummy(self, schedule: Schedule, workflow_id: int, time: datetime, name: str) -> Any:
        """Digdag's dryRunDummy: what would run, with no ids yet."""
        return {
            "id": "0",
            "index": 0,
            "project": wire.id_name(schedule.project.id, schedule.project.name),
            "workflow": {"name": schedule.workflow_name, "id": str(workflow_id)},
            "sessionId": "0",
            "sessionUuid": None,
            "sessionTime": zoned(time, schedule.timezone),
            "retryAttemptName": name,
            "done": False,
            "success": False,
            "cancelRequested": False,
            "params": {},
            "createdAt": instant(self.sb.clock.now()),
            "finishedAt": None,
            "status": "running",
        }


def schedule_times(schedule: Schedule, from_time: datetime) -> Iterator[datetime]:
    """The schedule's session times from the first at or after ``from_time``, before its next."""
    tz = zone(schedule.timezone)
    local = from_time.astimezone(tz).replace(tzinfo=None)
    step = timedelta(seconds=schedule.step_seconds)
    aligned = local.replace(minute=0, second=0, microsecond=0)
    if schedule.kind == "daily":
        aligned = aligned.replace(hour=0)
    if aligned < local:
        aligned += step
    while (time := aligned.replace(tzinfo=tz)) < schedule.next_schedule_time:
        yield time
        aligned += step


def _last_executed(store: Store, schedule: Schedule, before: datetime) -> datetime | None:
    """The latest session time of the workflow before ``before`` (the submitter's look-up)."""
    index = store.workflow_sessions.get((schedule.project.id, schedule.workflow_name))
    times = [store.sessions[i].time for i in index.ids] if index else []
    return max((t for t in times if t < before), default=None)
