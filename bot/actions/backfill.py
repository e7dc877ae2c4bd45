"""The backfill body of ``ActionService``: TD's dry run for the confirmation, then the run.

The confirmation asks TD for a dry run under a fresh attempt name
(``tdbot-backfill-<random>``) and shows the session times it would run; the
button carries that name. TD refuses a backfill whose name is already used at one
of its times, so a repeated click (or a click replayed by another replica) starts
nothing new, on top of the action key's own guard.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.actions.frame import ActionFrame, ActionRequest
from bot.actions.outcome import ActionOutcome, OutcomeKind
from bot.actions.prompts import session_time_text
from bot.commands import Backfill, RunBackfill
from bot.commands.base import MAX_LIMIT
from bot.store import ActionKind
from bot.td import errors
from bot.td.models import Project, Workflow
from bot.text import safe

BACKFILL_NAME_PREFIX = "tdbot-backfill-"


@dataclass(frozen=True)
class BackfillPlan:
    """What TD's dry run said the backfill would run."""

    project: str
    workflow: str
    timezone: str
    times: tuple[datetime, ...]  # session times, in the workflow's zone
    run: RunBackfill  # what the button asks for


class BackfillActions(ActionFrame):
    async def plan_backfill(
        self, command: Backfill, project: Project, workflow: Workflow
    ) -> BackfillPlan | str:
        """TD's dry run of the backfill, or why there is nothing to run (mrkdwn);
        raises ``errors.TDError``. Only reads: callers still ``authorize`` first."""
        name = safe(f"{project.name}/{workflow.name}", 200)
        schedule = await self._td.schedule_of(project.id, workflow.name)
        if schedule is None:
            return f"{name} has no schedule: a backfill runs the sessions of a schedule."
        try:
            zone = ZoneInfo(workflow.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            unknown = safe(workflow.timezone or "", 60)
            return f"{name} has a time zone tdbot does not know: {unknown}."
        start = command.start.replace(tzinfo=zone)
        attempt_name = f"{BACKFILL_NAME_PREFIX}{uuid.uuid4().hex[:12]}"
        dry = await self._td.backfill(
            schedule.id, start, attempt_name, count=command.count, dry_run=True
        )
        times = tuple(a.session_time for a in dry)
        if command.until is not None:
            until = command.until.replace(tzinfo=zone)
            times = tuple(t for t in times if t <= until)
        if not times:
            return f"{name} has no scheduled session from {session_time_text(start)} on."
        if len(times) > MAX_LIMIT:
            return (
                f"that is {len(times)} sessions of {name}; a backfill runs at most "
                f"{MAX_LIMIT} at once: use `count` or an earlier end."
            )
        run = RunBackfill(schedule.id, start.isoformat(), len(times), attempt_name)
        return BackfillPlan(project.name, workflow.name, workflow.timezone or "UTC", times, run)

    async def run_backfill(
        self,
        user_id: str,
        run: RunBackfill,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        request = ActionRequest(
            ActionKind.BACKFILL,
            user_id,
            run.schedule_id,
            channel_id,
            thread_ts,
            action_key,
            backfill=run,
        )
        return await self._act(request, self._backfill)

    async def _backfill(self, request: ActionRequest) -> ActionOutcome:
        run = request.backfill
        if run is None:
            raise TypeError("a backfill request carries its run")
        try:
            started = await self._td.backfill(
                run.schedule_id, run.from_time, run.attempt_name, count=run.count, dry_run=False
            )
        except errors.Conflict:
            return self._outcome(
                request,
                OutcomeKind.NOTHING_TO_DO,
                f"this backfill already ran: TD has attempts named {run.attempt_name}. "
                "Nothing new was started.",
                "it had already run",
            )
        except errors.TDError as exc:
            return self._failed(request, exc, f"backfilling schedule {run.schedule_id}", wrote=True)
        if not started:
            return self._outcome(
                request, OutcomeKind.NOTHING_TO_DO, "TD started no session.", "TD started nothing"
            )
        first = started[0]
        name = safe(f"{first.project.name}/{first.workflow.name}", 200)
        times = ", ".join(session_time_text(a.session_time) for a in started[:10])
        more = f" and {len(started) - 10} more" if len(started) > 10 else ""
        ids = ", ".join(a.id for a in started[:10])
        return self._outcome(
            request,
            OutcomeKind.DONE,
            f"Backfilling {name}: {len(started)} session(s) ({times}{more}) as attempts "
            f"{ids}{more}, named {run.attempt_name}. tdbot posts how each ends here.",
            f"backfilled {name}: {len(started)} session(s) from "
            f"{session_time_text(first.session_time)}",
            announce=True,
            watch=tuple(a.id for a in started),
        )
