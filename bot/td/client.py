"""TDClient: the TD REST API v3 and the TD Workflow API behind one async object.

Shapes and semantics follow docs td-api.md; every method validates its
arguments first (``ValueError``, no request) and raises ``bot.td.errors``
types for anything TD answers other than success.
"""

from __future__ import annotations

import importlib.metadata
import zlib
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.td import _validate as check
from bot.td._http import HttpSession, ResponseHook
from bot.td._logs import decode_log
from bot.td._paging import by_last_id
from bot.td._retry import RetryPolicy
from bot.td.errors import AttemptConflict, InvalidResponse, TDError
from bot.td.models import (
    Account,
    Attempt,
    Database,
    Job,
    JobKillResult,
    JobStatus,
    JobStatusSummary,
    LogFile,
    Project,
    Schedule,
    Session,
    Table,
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
SCHEDULES_PAGE = 100  # fixed server-side (td-api §3.10)

M = TypeVar("M", bound=BaseModel)


def _user_agent() -> str:
    try:
        version = importlib.metadata.version("tdbot")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"tdbot/{version} httpx/{httpx.__version__}"


class TDClient:
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

    # ------------------------------------------------------------ REST API v3

    async def server_status(self) -> str:
        template = "/v3/system/server_status"
        status = _field(await self._get(self._api, template), template, "status")
        if not isinstance(status, str):
            raise _invalid(template, "'status' is not a string")
        return status

    async def jobs(
        self, status: JobStatus | str | None = None, offset: int = 0, limit: int = 20
    ) -> list[Job]:
        """Jobs newest first: ``limit`` (1..100) of them from index ``offset``."""
        status_param = _job_status_filter(status)
        first = check.offset(offset)
        count = check.page_size(limit, "limit")
        return (await self._jobs_page(status_param, first, count))[:count]

    def iter_jobs(
        self, status: JobStatus | str | None = None, page_size: int = 100
    ) -> AsyncIterator[Job]:
        """Jobs newest first, paged by offset: a job issued meanwhile shifts the pages
        by one, so a long walk can see a job twice (v3 has no id cursor)."""
        return self._iter_jobs(_job_status_filter(status), check.page_size(page_size))

    async def _iter_jobs(self, status: str | None, page_size: int) -> AsyncIterator[Job]:
        offset = 0
        while True:
            page = await self._jobs_page(status, offset, page_size)
            for job in page:
                yield job
            if len(page) < page_size:
                return
            offset += len(page)

    async def _jobs_page(self, status: str | None, offset: int, count: int) -> list[Job]:
        template = "/v3/job/list"
        # ``to`` is inclusive (td-api §2.3).
        params = {"from": str(offset), "to": str(offset + count - 1)}
        if status is not None:
            params["status"] = status
        return _many(await self._get(self._api, template, params=params), template, "jobs", Job)

    async def job(self, job_id: int | str) -> Job:
        """``/v3/job/show``: the job with ``debug.cmdout`` / ``debug.stderr``."""
        template = "/v3/job/show/{id}"
        path = {"id": check.entity_id(job_id, "job_id")}
        return _one(await self._get(self._api, template, path=path), template, Job)

    async def job_status(self, job_id: int | str) -> JobStatusSummary:
        template = "/v3/job/status/{id}"
        path = {"id": check.entity_id(job_id, "job_id")}
        return _one(await self._get(self._api, template, path=path), template, JobStatusSummary)

    async def kill_job(self, job_id: int | str) -> JobKillResult:
        """Killing a finished job is no error: see ``JobKillResult.already_finished``."""
        template = "/v3/job/kill/{id}"
        path = {"id": check.entity_id(job_id, "job_id")}
        response = await self._http.send("POST", self._api, template, path=path)
        return _one(response, template, JobKillResult)

    async def databases(self) -> list[Database]:
        template = "/v3/database/list"
        return _many(await self._get(self._api, template), template, "databases", Database)

    async def tables(self, database: str) -> list[Table]:
        template = "/v3/table/list/{database}"
        path = {"database": check.name(database, "database")}
        return _many(await self._get(self._api, template, path=path), template, "tables", Table)

    async def account(self) -> Account:
        template = "/v3/account/show"
        body = _field(await self._get(self._api, template), template, "account")
        return _validate(body, template, Account)

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
            return _many(response, template, "projects", Project)

        return by_last_id(fetch, page_size=count, descending=False, path=template)

    async def project(self, project_id: int | str) -> Project:
        template = "/api/projects/{id}"
        path = {"id": check.entity_id(project_id, "project_id")}
        return _one(await self._get(self._workflow, template, path=path), template, Project)

    async def project_by_name(self, name: str) -> Project | None:
        template = "/api/projects"
        wanted = check.name(name, "project name")
        response = await self._get(self._workflow, template, params={"name": wanted})
        found = _many(response, template, "projects", Project)
        return next((p for p in found if p.name == wanted), None)

    async def workflows(self, project_id: int | str) -> list[Workflow]:
        template = "/api/projects/{id}/workflows"
        path = {"id": check.entity_id(project_id, "project_id")}
        response = await self._get(self._workflow, template, path=path)
        return _many(response, template, "workflows", Workflow)

    async def workflow(self, workflow_id: int | str) -> Workflow:
        template = "/api/workflows/{id}"
        path = {"id": check.entity_id(workflow_id, "workflow_id")}
        return _one(await self._get(self._workflow, template, path=path), template, Workflow)

    async def workflow_by_name(self, project_id: int | str, name: str) -> Workflow | None:
        """The latest revision's workflow of that exact name, or None."""
        template = "/api/projects/{id}/workflows"
        path = {"id": check.entity_id(project_id, "project_id")}
        wanted = check.name(name, "workflow name")
        response = await self._get(self._workflow, template, path=path, params={"name": wanted})
        found = _many(response, template, "workflows", Workflow)
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
            return _many(response, template, "sessions", Session)

        return by_last_id(fetch, page_size=count, descending=True, path=template)

    async def session(self, session_id: int | str) -> Session:
        template = "/api/sessions/{id}"
        path = {"id": check.entity_id(session_id, "session_id")}
        return _one(await self._get(self._workflow, template, path=path), template, Session)

    async def session_attempts(self, session_id: int | str) -> list[Attempt]:
        """Every attempt of the session, retries included, newest first."""
        template = "/api/sessions/{id}/attempts"
        path = {"id": check.entity_id(session_id, "session_id")}
        count = check.MAX_PAGE_SIZE

        async def fetch(last_id: int | None) -> list[Attempt]:
            params = _params(last_id=last_id, page_size=count)
            response = await self._get(self._workflow, template, path=path, params=params)
            return _many(response, template, "attempts", Attempt)

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
        return _many(response, template, "attempts", Attempt)

    async def attempt(self, attempt_id: int | str) -> Attempt:
        template = "/api/attempts/{id}"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        return _one(await self._get(self._workflow, template, path=path), template, Attempt)

    async def tasks(self, attempt_id: int | str) -> list[Task]:
        """The attempt's tasks by ascending id (the root task first)."""
        template = "/api/attempts/{id}/tasks"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        return _many(await self._get(self._workflow, template, path=path), template, "tasks", Task)

    async def retries(self, attempt_id: int | str) -> list[Attempt]:
        """Every attempt of the same session (this one included), by ascending index."""
        template = "/api/attempts/{id}/retries"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        response = await self._get(self._workflow, template, path=path)
        return _many(response, template, "attempts", Attempt)

    async def kill_attempt(self, attempt_id: int | str) -> Attempt | None:
        """Request a kill (asynchronous on TD's side).

        Returns the attempt as TD read it just before the kill, or None when TD
        answers without a body (Digdag before 0.10). Raises ``Conflict`` when
        the attempt is already killed or finished.
        """
        template = "/api/attempts/{id}/kill"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        response = await self._http.send("POST", self._workflow, template, path=path, json={})
        if response.status_code == 204 or not response.content.strip():
            return None
        return _one(response, template, Attempt)

    async def start_attempt(
        self,
        workflow_id: int | str,
        session_time: datetime | str,
        params: Mapping[str, Any],
        *,
        retry_attempt_name: str | None = None,
        resume_failed_attempt_id: int | str | None = None,
    ) -> Attempt:
        """Start a session, or retry one (same ``session_time``, a new attempt name).

        With ``resume_failed_attempt_id`` only the tasks that did not succeed run
        again. Raises ``AttemptConflict`` carrying the existing attempt when that
        session time and name are taken.
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
            body["resume"] = {"mode": "failed", "attemptId": resumed}
        response = await self._http.send(
            "PUT", self._workflow, template, json=body, passthrough=(409,)
        )
        if response.status_code == 409:
            raise self._attempt_conflict(response, template)
        return _one(response, template, Attempt)

    async def log_files(self, attempt_id: int | str, task: str | None = None) -> list[LogFile]:
        """Log files by file name; ``task`` is TD's *prefix* match on the file name."""
        template = "/api/logs/{id}/files"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        params = _params(task=check.optional_name(task, "task"))
        response = await self._get(self._workflow, template, path=path, params=params)
        return _many(response, template, "files", LogFile)

    async def log_text(self, attempt_id: int | str, file_name: str) -> str:
        """One log file, gunzipped and decoded (invalid UTF-8 replaced)."""
        template = "/api/logs/{id}/files/{file_name}"
        path = {
            "id": check.entity_id(attempt_id, "attempt_id"),
            "file_name": check.name(file_name, "file_name"),
        }
        response = await self._get(self._workflow, template, path=path)
        try:
            return decode_log(response.content)
        except zlib.error as exc:
            raise _invalid(template, f"log file is not valid gzip: {exc}") from None

    async def task_log(self, attempt_id: int | str, full_name: str) -> str:
        """The whole log of exactly one task (not of its namesakes or children)."""
        wanted = check.name(full_name, "task full_name")
        files = await self.log_files(attempt_id, task=wanted)
        parts: list[str] = []
        for handle in sorted(files, key=lambda f: f.file_name):
            if handle.task_name != wanted:
                continue
            text = await self.log_text(attempt_id, handle.file_name)
            parts.append(text if not text or text.endswith("\n") else text + "\n")
        return "".join(parts)

    def iter_schedules(self) -> AsyncIterator[Schedule]:
        """Every schedule (disabled ones included) by ascending id."""
        template = "/api/schedules"

        async def fetch(last_id: int | None) -> list[Schedule]:
            response = await self._get(self._workflow, template, params=_params(last_id=last_id))
            return _many(response, template, "schedules", Schedule)

        return by_last_id(fetch, page_size=SCHEDULES_PAGE, descending=False, path=template)

    # -------------------------------------------------------------- plumbing

    def _attempt_conflict(self, response: httpx.Response, template: str) -> TDError:
        """TD's 409 body is the attempt that already holds that session time and name."""
        try:
            existing = Attempt.model_validate(response.json())
        except (ValueError, ValidationError):
            return self._http.error_for(response, template)
        return AttemptConflict(existing, method=response.request.method, path=template)

    async def _get(
        self,
        base: str,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return await self._http.send("GET", base, template, path=path, params=params)


def _params(**values: str | int | None) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}


def _job_status_filter(status: JobStatus | str | None) -> str | None:
    if status is None:
        return None
    parsed = JobStatus(status) if isinstance(status, str) else status
    if not isinstance(parsed, JobStatus) or parsed is JobStatus.UNKNOWN:
        known = ", ".join(s.value for s in JobStatus if s is not JobStatus.UNKNOWN)
        raise ValueError(f"status must be one of {known}, got {status!r}")
    return parsed.value


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


def _invalid(
    template: str, message: str, status: int = 200, method: str = "GET"
) -> InvalidResponse:
    return InvalidResponse(message, status=status, method=method, path=template)


def _json(response: httpx.Response, template: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise _invalid(
            template, "response is not JSON", response.status_code, response.request.method
        ) from None


def _field(response: httpx.Response, template: str, key: str) -> Any:
    body = _json(response, template)
    if not isinstance(body, dict) or key not in body:
        raise _invalid(
            template, f"response has no {key!r}", response.status_code, response.request.method
        )
    return body[key]


def _validate(value: Any, template: str, model: type[M], method: str = "GET") -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        # Field locations only: TD's values are untrusted and may be large.
        where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise _invalid(
            template, f"unexpected {model.__name__}: bad {', '.join(where[:5])}", method=method
        ) from None


def _one(response: httpx.Response, template: str, model: type[M]) -> M:
    return _validate(_json(response, template), template, model, response.request.method)


def _many(response: httpx.Response, template: str, key: str, model: type[M]) -> list[M]:
    items = _field(response, template, key)
    if not isinstance(items, list):
        raise _invalid(template, f"{key!r} is not a list", method=response.request.method)
    return [_validate(item, template, model, response.request.method) for item in items]
