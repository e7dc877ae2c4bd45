"""The TD Workflow API (Digdag REST) under /api (td-api.md section 3)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox import wire
from bot.sandbox.api_common import (
    UNSUPPORTED_MEDIA_TYPE,
    ApiError,
    attempt_of,
    is_json,
    json_object,
    missing,
    path_id,
)
from bot.sandbox.api_writes import AttemptWrites
from bot.sandbox.backfills import Backfills
from bot.sandbox.model import Attempt, IdIndex, Project, Session, Store
from bot.sandbox.timefmt import parse_instant

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 100
SCHEDULE_PAGE = 100
DEFAULT_WORKFLOW_COUNT = 200  # TD's documented default for /api/workflows
DIGDAG_VERSION = "0.10.5.1"


def _query_int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(404, "HTTP 404 Not Found") from None


def _page_size(request: Request) -> int:
    size = _query_int(request, "page_size")
    if size is None:
        return DEFAULT_PAGE_SIZE
    if size > MAX_PAGE_SIZE:
        raise ApiError(
            400,
            f"Your specified page_size is {size}, but it is larger than "
            f"MAX_PAGE_SIZE: {MAX_PAGE_SIZE}",
        )
    return max(size, 0)


def _flag(request: Request, name: str) -> bool:
    """Java ``Boolean.valueOf``: only ``true`` (any case) is true."""
    return request.query_params.get(name, "").lower() == "true"


class WorkflowApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox
        self.writes = AttemptWrites(sandbox)
        self.backfills = Backfills(sandbox)

    @property
    def store(self) -> Store:
        return self.sb.world.store

    def routes(self) -> list[Route]:
        get = ["GET"]
        return [
            Route("/api/version", self._wrap(self.version), methods=get),
            Route("/api/projects", self._wrap(self.projects), methods=get),
            Route("/api/projects/{id}", self._wrap(self.project), methods=get),
            Route("/api/projects/{id}/revisions", self._wrap(self.revisions), methods=get),
            Route("/api/projects/{id}/workflows", self._wrap(self.project_workflows), methods=get),
            Route(
                "/api/projects/{id}/workflows/{name}",
                self._wrap(self.project_workflow),
                methods=get,
            ),
            Route("/api/projects/{id}/sessions", self._wrap(self.project_sessions), methods=get),
            Route("/api/projects/{id}/schedules", self._wrap(self.project_schedules), methods=get),
            Route("/api/workflows", self._wrap(self.workflows), methods=get),
            Route("/api/workflows/{id}", self._wrap(self.workflow), methods=get),
            Route("/api/sessions", self._wrap(self.sessions), methods=get),
            Route("/api/sessions/{id}", self._wrap(self.session), methods=get),
            Route("/api/sessions/{id}/attempts", self._wrap(self.session_attempts), methods=get),
            Route("/api/attempts", self._wrap(self.attempts), methods=get),
            Route(
                "/api/attempts", self._wrap(self.writes.start_attempt, json=True), methods=["PUT"]
            ),
            Route("/api/attempts/{id}", self._wrap(self.attempt), methods=get),
            Route("/api/attempts/{id}/tasks", self._wrap(self.tasks), methods=get),
            Route("/api/attempts/{id}/retries", self._wrap(self.retries), methods=get),
            Route(
                "/api/attempts/{id}/kill", self._wrap(self.writes.kill, json=True), methods=["POST"]
            ),
            Route("/api/logs/{id}/files", self._wrap(self.log_files), methods=get),
            Route("/api/logs/{id}/files/{file_name}", self._wrap(self.log_file), methods=get),
            Route("/api/schedules", self._wrap(self.schedules), methods=get),
            Route("/api/schedules/{id}", self._wrap(self.schedule), methods=get),
            Route("/api/schedules/{id}/disable", self._wrap(self.disable), methods=["POST"]),
            Route("/api/schedules/{id}/enable", self._wrap(self.enable), methods=["POST"]),
            Route(
                "/api/schedules/{id}/backfill",
                self._wrap(self.backfills.backfill, json=True),
                methods=["POST"],
            ),
        ]

    def _wrap(self, handler: Any, *, json: bool = False) -> Any:
        """``json``: Digdag's ``@Consumes("application/json")``, refused without that type."""

        async def endpoint(request: Request) -> Response:
            if json and not is_json(request):
                return JSONResponse(wire.wf_error(UNSUPPORTED_MEDIA_TYPE, 415), 415)
            body = await request.body()
            try:
                with self.sb.lock:
                    result = handler(request, body)
            except ApiError as error:
                return JSONResponse(wire.wf_error(error.message, error.status), error.status)
            return result if isinstance(result, Response) else JSONResponse(result)

        return endpoint

    # ------------------------------------------------------------ lookups

    def _project(self, request: Request) -> Project:
        project_id = path_id(request, "id")
        project: Project | None = self.store.projects.get(project_id)
        if project is None:
            raise missing(f"project id={project_id}")
        return project

    def _attempt(self, request: Request) -> Attempt:
        return attempt_of(request, self.store)

    # ----------------------------------------------------------- handlers

    def version(self, request: Request, body: bytes) -> Any:
        return {"version": DIGDAG_VERSION}

    def projects(self, request: Request, body: bytes) -> Any:
        name = request.query_params.get("name")
        pattern = request.query_params.get("name_pattern")
        last_id = _query_int(request, "last_id") or 0
        count = _query_int(request, "count") or 100
        found = sorted(self.store.projects.values(), key=lambda p: p.id)
        if name is not None:
            found = [p for p in found if p.name == name]
        elif pattern:
            found = [p for p in found if pattern in p.name]
        found = [p for p in found if p.id > last_id][: max(count, 0)]
        return {"projects": [wire.project(p) for p in found]}

    def project(self, request: Request, body: bytes) -> Any:
        return wire.project(self._project(request))

    def revisions(self, request: Request, body: bytes) -> Any:
        return {"revisions": wire.revisions(self._project(request))}

    def project_workflows(self, request: Request, body: bytes) -> Any:
        project = self._project(request)
        revision = request.query_params.get("revision")
        if revision is None:
            found = list(project.workflows.values())
        else:
            found = [
                w
                for w in self.store.workflows.values()
                if w.project is project and w.revision == revision
            ]
        name = request.query_params.get("name")
        if name is not None:
            found = [w for w in found if w.name == name]
        return {"workflows": [wire.workflow(w) for w in sorted(found, key=lambda w: w.id)]}

    def project_workflow(self, request: Request, body: bytes) -> Any:
        project = self._project(request)
        name = request.path_params["name"]
        found = project.workflows.get(name)
        if found is None:
            raise missing(f"workflow name={name} in project id={project.id}")
        return wire.workflow(found)

    def project_sessions(self, request: Request, body: bytes) -> Any:
        project = self._project(request)
        name = request.query_params.get("workflow")
        if name is None:
            index = self.store.project_sessions.get(project.id)
        else:
            index = self.store.workflow_sessions.get((project.id, name))
        return {"sessions": self._session_page(request, index)}

    def project_schedules(self, request: Request, body: bytes) -> Any:
        project = self._project(request)
        name = request.query_params.get("workflow")
        found = [
            s
            for s in self._schedule_page(request)
            if s.project is project and (name is None or s.workflow_name == name)
        ]
        return {"schedules": [wire.schedule(s) for s in found]}

    def workflows(self, request: Request, body: bytes) -> Any:
        order = request.query_params.get("order", "asc")
        if order not in ("asc", "desc"):
            raise ApiError(400, f"Invalid order: {order}")
        last_id = _query_int(request, "last_id")
        count = _query_int(request, "count") or DEFAULT_WORKFLOW_COUNT
        pattern = request.query_params.get("name_pattern")
        by_project = _flag(request, "search_project_name")
        found = [w for p in self.store.projects.values() for w in p.workflows.values()]
        if pattern:
            found = [
                w for w in found if pattern in w.name or (by_project and pattern in w.project.name)
            ]
        found.sort(key=lambda w: w.id, reverse=order == "desc")
        if last_id is not None:
            found = [w for w in found if (w.id > last_id if order == "asc" else w.id < last_id)]
        return {"workflows": [wire.workflow(w) for w in found[: max(count, 0)]]}

    def workflow(self, request: Request, body: bytes) -> Any:
        workflow_id = path_id(request, "id")
        found = self.store.workflows.get(workflow_id)
        if found is None:
            raise missing(f"workflow id={workflow_id}")
        return wire.workflow(found)

    def sessions(self, request: Request, body: bytes) -> Any:
        return {"sessions": self._session_page(request, self.store.session_index)}

    def session(self, request: Request, body: bytes) -> Any:
        session_id = path_id(request, "id")
        found = self.store.sessions.get(session_id)
        if found is None:
            raise missing(f"session id={session_id}")
        return wire.session(found)

    def session_attempts(self, request: Request, body: bytes) -> Any:
        session_id = path_id(request, "id")
        found: Session | None = self.store.sessions.get(session_id)
        if found is None:
            raise missing(f"session id={session_id}")
        last_id = _query_int(request, "last_id")
        size = _page_size(request)
        ordered = sorted(found.attempts, key=lambda a: a.id, reverse=True)
        page = [a for a in ordered if last_id is None or a.id < last_id][:size]
        return {"attempts": [wire.attempt(a) for a in page]}

    def attempts(self, request: Request, body: bytes) -> Any:
        store = self.store
        project_name = request.query_params.get("project")
        index: IdIndex | None = store.attempt_index
        if project_name is not None:
            project = store.project_by_name(project_name)
            if project is None:
                raise missing(f"project name={project_name}")
            workflow = request.query_params.get("workflow")
            if workflow is None:
                index = store.project_attempts.get(project.id)
            else:
                index = store.workflow_attempts.get((project.id, workflow))
        retried = _flag(request, "include_retried")
        last_id = _query_int(request, "last_id")
        size = _page_size(request)
        ids: Iterable[int] = index.descending(last_id) if index else ()
        chosen = (store.attempts[i] for i in ids)
        if not retried:
            chosen = (a for a in chosen if a.session.last_attempt is a)
        return {"attempts": [wire.attempt(a) for a in islice(chosen, size)]}

    def attempt(self, request: Request, body: bytes) -> Any:
        return wire.attempt(self._attempt(request))

    def tasks(self, request: Request, body: bytes) -> Any:
        attempt = self._attempt(request)
        return {"tasks": [wire.task(t) for t in sorted(attempt.tasks, key=lambda t: t.id)]}

    def retries(self, request: Request, body: bytes) -> Any:
        attempt = self._attempt(request)
        ordered = sorted(attempt.session.attempts, key=lambda a: a.index)
        return {"attempts": [wire.attempt(a) for a in ordered]}

    def log_files(self, request: Request, body: bytes) -> Any:
        attempt = self._attempt(request)
        prefix = request.query_params.get("task")
        direct = request.query_params.get("direct_download", "true").lower() != "false"
        files = sorted((f for t in attempt.tasks for f in t.logs), key=lambda f: f.file_name)
        if prefix is not None:
            files = [f for f in files if f.file_name.startswith(prefix)]
        base = str(request.base_url).rstrip("/")
        return {
            "files": [
                wire.log_file(f, self.direct_url(base, attempt.id, f.file_name) if direct else None)
                for f in files
            ]
        }

    def log_file(self, request: Request, body: bytes) -> Any:
        attempt = self._attempt(request)
        name = request.path_params["file_name"]
        found = next((f for t in attempt.tasks for f in t.logs if f.file_name == name), None)
        if found is None:
            raise missing(f"log file {name} of attempt id={attempt.id}")
        return Response(found.gz, media_type="application/gzip")

    def direct_url(self, base: str, attempt_id: int, file_name: str) -> str:
        """A pre-signed-looking URL that needs no TD1 header (like TD's S3 links)."""
        path = f"/_sandbox/s3/log/{attempt_id}/{quote(file_name, safe='')}"
        return f"{base}{path}?X-Amz-Expires=3600&X-Amz-Signature={self.sign(attempt_id, file_name)}"

    def sign(self, attempt_id: int, file_name: str) -> str:
        key = self.sb.api_key.encode()
        return hmac.new(key, f"{attempt_id}/{file_name}".encode(), hashlib.sha256).hexdigest()

    def schedules(self, request: Request, body: bytes) -> Any:
        return {"schedules": [wire.schedule(s) for s in self._schedule_page(request)]}

    def _schedule_page(self, request: Request) -> list[Any]:
        last_id = _query_int(request, "last_id") or 0
        ordered = sorted(self.store.schedules.values(), key=lambda s: s.id)
        return [s for s in ordered if s.id > last_id][:SCHEDULE_PAGE]

    def schedule(self, request: Request, body: bytes) -> Any:
        return wire.schedule(self._schedule(request))

    def _schedule(self, request: Request) -> Any:
        schedule_id = path_id(request, "id")
        found = self.store.schedules.get(schedule_id)
        if found is None:
            raise missing(f"schedule id={schedule_id}")
        return found

    def disable(self, request: Request, body: bytes) -> Any:
        found = self._schedule(request)
        self.sb.world.life.schedules.disable(found)
        return self._summary(found)

    def enable(self, request: Request, body: bytes) -> Any:
        """``{"skipSchedule": true, "nextTime": ...}`` skips to that time (or now) first;
        without it the schedule catches up the slots it missed while disabled."""
        found = self._schedule(request)
        data = json_object(body) if body.strip() else {}
        skip_to = None
        if data.get("skipSchedule") is True:
            text = data.get("nextTime")
            try:
                skip_to = parse_instant(text) if isinstance(text, str) else self.sb.clock.now()
            except ValueError:
                raise ApiError(400, f"Invalid nextTime: {text}") from None
        self.sb.world.life.schedules.enable(found, skip_to=skip_to)
        return self._summary(found)

    def _summary(self, schedule: Any) -> dict[str, Any]:
        return wire.schedule_summary(schedule)

    def _session_page(self, request: Request, index: IdIndex | None) -> list[Any]:
        last_id = _query_int(request, "last_id")
        size = _page_size(request)
        ids: Iterator[int] = index.descending(last_id) if index else iter(())
        return [wire.session(self.store.sessions[i]) for i in islice(ids, size)]
