"""The schedules part of the Workflow API half of ``TDClient``: list, find, backfill."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from bot.td import _validate as check
from bot.td._decode import many, one
from bot.td._http import HttpSession
from bot.td._paging import by_last_id
from bot.td.models import Attempt, Schedule

SCHEDULES_PAGE = 100  # fixed server-side (td-api §3.10)


class ScheduleApi:
    """Mixed into ``TDClient``, which sets ``_workflow`` (the Workflow API base) and ``_http``."""

    _workflow: str
    _http: HttpSession

    def iter_schedules(self) -> AsyncIterator[Schedule]:
        """Every schedule (disabled ones included) by ascending id."""
        return by_last_id(
            self.schedules_page, page_size=SCHEDULES_PAGE, descending=False, path="/api/schedules"
        )

    async def schedules_page(self, last_id: int | str | None = None) -> list[Schedule]:
        """One page: the (up to ``SCHEDULES_PAGE``) schedules with ids above ``last_id``,
        ascending; fewer than a full page means the list ends there."""
        template = "/api/schedules"
        after = None if last_id is None else check.entity_id(last_id, "last_id")
        response = await self._http.send(
            "GET", self._workflow, template, params=_params(last_id=after)
        )
        return many(response, template, "schedules", Schedule)

    async def schedule(self, schedule_id: int | str) -> Schedule:
        """One schedule by id (``NotFound`` when TD has none by that id)."""
        template = "/api/schedules/{id}"
        path = {"id": check.entity_id(schedule_id, "schedule_id")}
        response = await self._http.send("GET", self._workflow, template, path=path)
        return one(response, template, Schedule)

    async def schedule_of(self, project_id: int | str, workflow: str) -> Schedule | None:
        """The schedule of that workflow of the project, or None when it has none."""
        template = "/api/projects/{id}/schedules"
        path = {"id": check.entity_id(project_id, "project_id")}
        params = {"workflow": check.name(workflow, "workflow")}
        response = await self._http.send("GET", self._workflow, template, path=path, params=params)
        found = many(response, template, "schedules", Schedule)
        return next((s for s in found if s.workflow.name == workflow), None)

    async def backfill(
        self,
        schedule_id: int | str,
        from_time: datetime | str,
        attempt_name: str,
        *,
        count: int | None = None,
        dry_run: bool,
    ) -> list[Attempt]:
        """Run (or with ``dry_run`` only list) the schedule's sessions from ``from_time``
        up to its next one, or the first ``count``, under ``attempt_name``. TD refuses a
        name already used at one of those times (``Conflict``), so a repeat starts nothing."""
        template = "/api/schedules/{id}/backfill"
        path = {"id": check.entity_id(schedule_id, "schedule_id")}
        body: dict[str, Any] = {
            "fromTime": check.session_time(from_time),
            "attemptName": check.name(attempt_name, "attempt_name"),
            "dryRun": bool(dry_run),
        }
        if count is not None:
            body["count"] = check.page_size(count, "count")
        response = await self._http.send("POST", self._workflow, template, path=path, json=body)
        return many(response, template, "attempts", Attempt)


def _params(**values: str | int | None) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}
