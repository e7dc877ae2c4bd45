"""Attempt history in bulk: the lean listing reports read hundreds of thousands of.

``GET /api/attempts`` pages are parsed straight from the JSON bytes into
``AttemptSummary`` (ids, names, flags, times; no params, no extra fields kept):
an order of magnitude less CPU per attempt than the full ``Attempt`` model, which
also keeps every field TD adds and screens params for secrets.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.td import _validate as check
from bot.td._decode import bad_fields, invalid
from bot.td._http import HttpSession
from bot.td.models import AttemptStatus, status_of


class _Lean(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class _Named(_Lean):
    name: str


class AttemptSummary(_Lean):
    id: int
    index: int = 1
    project: _Named
    workflow: _Named
    session_id: int = Field(alias="sessionId")
    done: bool = False
    success: bool = False
    cancel_requested: bool = Field(default=False, alias="cancelRequested")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    finished_at: datetime | None = Field(default=None, alias="finishedAt")
    raw_status: str | None = Field(default=None, alias="status")

    @property
    def status(self) -> AttemptStatus:
        return status_of(self)


class _AttemptsPage(_Lean):
    attempts: list[AttemptSummary]


class HistoryApi:
    """Mixed into ``TDClient``, which sets ``_workflow`` (the Workflow API base) and ``_http``."""

    _workflow: str
    _http: HttpSession

    async def attempt_history_page(
        self,
        project: str,
        workflow: str | None = None,
        *,
        last_id: int | None = None,
        page_size: int = check.MAX_PAGE_SIZE,
    ) -> list[AttemptSummary]:
        """One page of the project's (or workflow's) attempts, retries included, newest
        first, ids below ``last_id`` (exclusive)."""
        template = "/api/attempts"
        params = {
            "project": check.name(project, "project"),
            "include_retried": "true",  # Java's Boolean.valueOf (td-api §3.1)
            "page_size": str(check.page_size(page_size)),
        }
        if workflow is not None:
            params["workflow"] = check.name(workflow, "workflow")
        if last_id is not None:
            params["last_id"] = check.entity_id(last_id, "last_id")
        response = await self._http.send("GET", self._workflow, template, params=params)
        try:
            return _AttemptsPage.model_validate_json(response.content).attempts
        except ValidationError as exc:
            raise invalid(template, f"unexpected attempts page: bad {bad_fields(exc)}") from None
