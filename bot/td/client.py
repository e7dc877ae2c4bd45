"""TDClient: the TD REST API v3 and the TD Workflow API behind one async object.

Shapes and semantics follow docs td-api.md; every method validates its
arguments first (``ValueError``, no request) and raises ``bot.td.errors``
types for anything TD answers other than success.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import ValidationError

from bot.td import _validate as check
from bot.td import errors
from bot.td._decode import many, one
from bot.td._history import HistoryApi
from bot.td._http import HttpSession, ResponseHook
from bot.td._log_api import LogApi
from bot.td._paging import by_last_id
from bot.td._retry import RetryPolicy
from bot.td._schedules import ScheduleApi
from bot.td._v3 import V3Api
from bot.td.errors import AttemptConflict, TDError
from bot.td.models import (
    Attempt,
    Project,
    Session,
    Task,
    Workflow,
)
from bot.td.regions import Endpoints

__all__ = ["DEFAULT_MAX_CONCURRENCY", "DEFAULT_TIMEOUT", "TDClient"]

DEFAULT_TIMEOUT = httpx.Timeout(10, connect=5)
# Requests in flight at once per client; the rest wait their turn. A diagnosis of
# many failing tasks fires one burst of log and job reads: at this bound 100
# failing tasks (~260 requests) still take one round trip.
DEFAULT_MAX_CONCURRENCY = 256


def _user_agent() -> str:
    try:
        version = importlib.metadata.version("tdbot")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"tdbot/{version} httpx/{httpx.__version__}"


class TDClient(V3Api, ScheduleApi, LogApi, HistoryApi):
    """One connection pool for both TD hosts; safe for concurrent use on one event loop."""

    def __init__(
        self,
        api_key: str,
        endpoints: Endpoints,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        on_response: ResponseHook | None = None,
        user_agent: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip() or not api_key.isprintable():
            raise ValueError("api_key must be a non-empty printable string")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ValueError(f"max_concurrency must be an int, got {max_concurrency!r}")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self.endpoints = endpoints
        self._api = endpoints.api.rstrip("/")
        self._workflow = endpoints.workflow.rstrip("/")
        self._http = HttpSession(
            api_key.strip(),
            timeout=timeout,
            retry=retry or RetryPolicy(),
            user_agent=user_agent or _user_agent(),
            on_response=on_response,
            transport=transport,
            max_concurrency=max_concurrency,
        )

    def __repr__(self) -> str:
        return f"TDClient(api={self._api!r}, workflow={self._workflow!r})"

    @property
    def request_count(self) -> int:
        """HTTP requests tried so far, retries included."""
        return self._http.request_count

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ---------------------------------------------------------- Workflow API

    def iter_projects(
        self, name_pattern: str | None = None, *, page_size: int = 100
    ) -> AsyncIterator[Project]:
        """Projects by ascending id; ``name_pattern`` is TD's substring match."""
        template = "/api/projects"
        pattern = check.optional_name(name_pattern, "name_pattern")
        count = check.page_size(page_size)

        async def fetch(last_id: int | None) -> list[Project]:
            params = _params(count=count, last_id=last_id, name_pattern=pattern)
            response = await self._get(self._workflow, template, params=params)
            return many(response, template, "projects", Project)

        return by_last_id(fetch, page_size=count, descending=False, path=template)

    async def project(self, project_id: int | str) -> Project:
        template = "/api/projects/{id}"
        path = {"id": check.entity_id(project_id, "project_id")}
        return one(await self._get(self._workflow, template, path=path), template, Project)

    async def project_by_name(self, name: str) -> Project | None:
        template = "/api/projects"
        wanted = check.name(name, "project name")
        response = await self._get(self._workflow, template, params={"name": wanted})
        found = many(response, template, "projects", Project)
        return next((p for p in found if p.name == wanted), None)

    async def workflows(self, project_id: int | str) -> list[Workflow]:
        template = "/api/projects/{id}/workflows"
        path = {"id": check.entity_id(project_id, "project_id")}
        response = await self._get(self._workflow, template, path=path)
        return many(response, template, "workflows", Workflow)

    async def workflow(self, workflow_id: int | str) -> Workflow:
        template = "/api/workflows/{id}"
        path = {"id": check.entity_id(workflow_id, "workflow_id")}
        return one(await self._get(self._workflow, template, path=path), template, Workflow)

    async def workflow_by_name(self, project_id: int | str, name: str) -> Workflow | None:
        """The latest revision's workflow of that exact name, or None."""
        template = "/api/projects/{id}/workflows"
        path = {"id": check.entity_id(project_id, "project_id")}
        wanted = check.name(name, "workflow name")
        response = await self._get(self._workflow, template, path=path, params={"name": wanted})
        found = many(response, template, "workflows", Workflow)
        return next((w for w in found if w.name == wanted), None)

    def iter_sessions(
        self,
        project_id: int | str | None = None,
        workflow: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[Session]:
        """Sessions newest first: all, of one project, or of one workflow of a project."""
        count = check.page_size(page_size)
        workflow_name = check.optional_name(workflow, "workflow")
        if project_id is None:
            if workflow_name is not None:
                raise ValueError("workflow needs project_id: TD filters sessions per project")
            template, path = "/api/sessions", None
        else:
            template = "/api/projects/{id}/sessions"
            path = {"id": check.entity_id(project_id, "project_id")}

        async def fetch(last_id: int | None) -> list[Session]:
            params = _params(workflow=workflow_name, last_id=last_id, page_size=count)
            response = await self._get(self._workflow, template, path=path, params=params)
            return many(response, template, "sessions", Session)

        return by_last_id(fetch, page_size=count, descending=True, path=template)

    async def session(self, session_id: int | str) -> Session:
        template = "/api/sessions/{id}"
        path = {"id": check.entity_id(session_id, "session_id")}
        return one(await self._get(self._workflow, template, path=path), template, Session)

    async def session_attempts(self, session_id: int | str) -> list[Attempt]:
        """Every attempt of the session, retries included, newest first."""
        template = "/api/sessions/{id}/attempts"
        path = {"id": check.entity_id(session_id, "session_id")}
        count = check.MAX_PAGE_SIZE

        async def fetch(last_id: int | None) -> list[Attempt]:
            params = _params(last_id=last_id, page_size=count)
            response = await self._get(self._workflow, template, path=path, params=params)
            return many(response, template, "attempts", Attempt)

        return [a async for a in by_last_id(fetch, page_size=count, descending=True, path=template)]

    async def attempts_page(
        self,
        project: str | None = None,
        workflow: str | None = None,
        include_retried: bool = True,
        last_id: int | str | None = None,
        page_size: int = 100,
    ) -> list[Attempt]:
        """One page of attempts newest first, ids below ``last_id`` (exclusive)."""
        params = _attempt_filter(project, workflow, include_retried, page_size)
        cursor = None if last_id is None else int(check.entity_id(last_id, "last_id"))
        return await self._attempts_page(params, cursor)

    def iter_attempts(
        self,
        project: str | None = None,
        workflow: str | None = None,
        include_retried: bool = True,
        page_size: int = 100,
        last_id: int | str | None = None,
    ) -> AsyncIterator[Attempt]:
        params = _attempt_filter(project, workflow, include_retried, page_size)
        cursor = None if last_id is None else int(check.entity_id(last_id, "last_id"))

        async def fetch(last: int | None) -> list[Attempt]:
            return await self._attempts_page(params, last)

        return by_last_id(
            fetch, page_size=page_size, descending=True, path="/api/attempts", last_id=cursor
        )

    async def _attempts_page(self, params: dict[str, str], last_id: int | None) -> list[Attempt]:
        template = "/api/attempts"
        query = params | _params(last_id=last_id)
        response = await self._get(self._workflow, template, params=query)
        return many(response, template, "attempts", Attempt)

    async def attempt(self, attempt_id: int | str) -> Attempt:
        template = "/api/attempts/{id}"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        return one(await self._get(self._workflow, template, path=path), template, Attempt)

    async def tasks(self, attempt_id: int | str) -> list[Task]:
        """The attempt's tasks by ascending id (the root task first)."""
        template = "/api/attempts/{id}/tasks"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        return many(await self._get(self._workflow, template, path=path), template, "tasks", Task)

    async def retries(self, attempt_id: int | str) -> list[Attempt]:
        """Every attempt of the same session (this one included), by ascending index."""
        template = "/api/attempts/{id}/retries"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        response = await self._get(self._workflow, template, path=path)
        return many(response, template, "attempts", Attempt)

    async def kill_attempt(self, attempt_id: int | str) -> Attempt | None:
        """Request a kill: TD only sets the cancel flag and answers at once.

        The attempt stays ``running``/``canceling`` until its tasks notice (a
        ``td>`` task polls every 1-30 s); follow it with ``attempt`` to see the
        end. Tasks that never started stay ``blocked``. Returns the attempt as TD
        read it just before the request, or None when TD answers without a body
        (Digdag before 0.10). Raises ``Conflict`` when no task was left unfinished;
        a kill repeated while the attempt is canceling is accepted again.
        """
        template = "/api/attempts/{id}/kill"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        response = await self._http.send("POST", self._workflow, template, path=path, json={})
        if response.status_code == 204 or not response.content.strip():
            return None
        return one(response, template, Attempt)

    async def start_attempt(
        self,
        workflow_id: int | str,
        session_time: datetime | str,
        params: Mapping[str, Any],
        *,
        retry_attempt_name: str | None = None,
        resume_failed_attempt_id: int | str | None = None,
        resume_from_task: str | None = None,
        allow_queueing: bool = False,
    ) -> Attempt:
        """Start a session, or retry one (same ``session_time``, a new attempt name).

        With ``resume_failed_attempt_id`` only the tasks that did not succeed run
        again (resume mode ``failed``); with ``resume_from_task`` too, everything
        from that task (its full name, ``+wf+task``) on runs again (mode ``from``).
        A named attempt is idempotent on TD (one per session and name), so
        it is sent again after a timeout or a 5xx, and a 409 whose attempt carries
        our name is that attempt: it is returned. Raises ``AttemptConflict`` with
        the existing attempt when the session time is taken under another name
        (or none), and ``AttemptLimitExceeded`` when the account is at its limit
        of running attempts; ``allow_queueing`` lets TD queue it instead.
        """
        template = "/api/attempts"
        if not isinstance(params, Mapping):
            raise ValueError(f"params must be a mapping, got {type(params).__name__}")
        body: dict[str, Any] = {
            "workflowId": check.entity_id(workflow_id, "workflow_id"),
            "sessionTime": check.session_time(session_time),
            "params": dict(params),
        }
        name = check.optional_name(retry_attempt_name, "retry_attempt_name")
        if name is not None:
            body["retryAttemptName"] = name
        if resume_failed_attempt_id is not None:
            if name is None:
                raise ValueError(
                    "resume_failed_attempt_id needs retry_attempt_name: "
                    "a retry of an existing session must have a new attempt name"
                )
            resumed = check.entity_id(resume_failed_attempt_id, "resume_failed_attempt_id")
            if resume_from_task is None:
                body["resume"] = {"mode": "failed", "attemptId": resumed}
            else:
                start = check.name(resume_from_task, "resume_from_task")
                body["resume"] = {"mode": "from", "attemptId": resumed, "from": start}
        elif resume_from_task is not None:
            raise ValueError(
                "resume_from_task needs resume_failed_attempt_id: the attempt it is in"
            )
        if not isinstance(allow_queueing, bool):
            raise ValueError(f"allow_queueing must be a bool, got {allow_queueing!r}")
        if allow_queueing:
            body["allowQueueing"] = True
        try:
            response = await self._http.send(
                "PUT",
                self._workflow,
                template,
                json=body,
                passthrough=(409,),
                idempotent=name is not None,
            )
        except errors.BadRequest as exc:
            if errors.AttemptLimitExceeded.matches(exc):
                raise errors.AttemptLimitExceeded(
                    exc.message, status=exc.status, method=exc.method, path=exc.path
                ) from None
            raise
        if response.status_code == 409:
            conflict = self._attempt_conflict(response, template)
            if isinstance(conflict, AttemptConflict) and (
                name is not None and conflict.existing.retry_attempt_name == name
            ):
                return conflict.existing
            raise conflict
        return one(response, template, Attempt)

    # -------------------------------------------------------------- plumbing

    def _attempt_conflict(self, response: httpx.Response, template: str) -> TDError:
        """TD's 409 body is the attempt that already holds that session time and name."""
        try:
            existing = Attempt.model_validate(response.json())
        except (ValueError, ValidationError):
            return self._http.error_for(response, template)
        return AttemptConflict(existing, method=response.request.method, path=template)


def _params(**values: str | int | None) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}


def _attempt_filter(
    project: str | None, workflow: str | None, include_retried: bool, page_size: int
) -> dict[str, str]:
    project_name = check.optional_name(project, "project")
    workflow_name = check.optional_name(workflow, "workflow")
    if workflow_name is not None and project_name is None:
        raise ValueError("workflow needs project: TD filters attempts by workflow within a project")
    if not isinstance(include_retried, bool):
        raise ValueError(f"include_retried must be a bool, got {include_retried!r}")
    return _params(
        project=project_name,
        workflow=workflow_name,
        # Java's Boolean.valueOf: only "true" is true (td-api §3.1).
        include_retried="true" if include_retried else "false",
        page_size=check.page_size(page_size),
    )
