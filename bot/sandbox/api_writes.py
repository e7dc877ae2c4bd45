"""The Workflow API's writes on attempts: kill and PUT /api/attempts (td-api.md 3.7, 3.8),
as strict as TD: a kill is only a flag, the attempt limit comes before the
(session, name) conflict, and a conflict answers with the existing attempt."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.sandbox import kills, wire
from bot.sandbox.api_common import ApiError, attempt_of, json_object, missing
from bot.sandbox.engine import AttemptExists, Outcome
from bot.sandbox.model import Attempt, Store, WorkflowDef
from bot.sandbox.timefmt import parse_instant

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox


class AttemptWrites:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    @property
    def store(self) -> Store:
        return self.sb.world.store

    def _attempt(self, request: Request) -> Attempt:
        return attempt_of(request, self.store)

    def kill(self, request: Request, body: bytes) -> Any:
        attempt = self._attempt(request)
        before = wire.attempt(attempt)  # Digdag reads the attempt before requesting the kill
        if not kills.request_kill(self.sb.world.engine, attempt):
            raise ApiError(409, "Session attempt already killed or finished")
        return before

    def start_attempt(self, request: Request, body: bytes) -> Any:
        data = json_object(body)
        workflow = self._requested_workflow(data)
        session_time = _required_time(data)
        params = data.get("params")
        if not isinstance(params, dict):
            raise ApiError(400, "params is required")
        name = data.get("retryAttemptName")
        if name is not None and not isinstance(name, str):
            raise ApiError(400, "retryAttemptName must be a string")
        resume, done_before_id = self._resume(data)
        engine = self.sb.world.engine
        # Digdag checks the account's limit before the (session, name) conflict.
        queued = self._over_attempt_limit(data.get("allowQueueing") is True)
        existing = self.store.session_by_key.get((workflow.project.id, workflow.name, session_time))
        index = len(existing.attempts) + 1 if existing else 1
        outcome: Outcome = self.sb.world.life.outcome(workflow, session_time, index=index)
        try:
            attempt = engine.submit(
                workflow,
                session_time,
                params,
                outcome,
                retry_name=name,
                resume=resume,
                keep_from=done_before_id,
                queued=queued,
            )
        except AttemptExists as conflict:
            return JSONResponse(wire.attempt(conflict.attempt), 409)
        return wire.attempt(attempt)

    def _over_attempt_limit(self, allow_queueing: bool) -> bool:
        """True when the new attempt must wait in TD's queue; 400 when it may not wait."""
        engine = self.sb.world.engine
        limit = engine.attempt_limit
        if limit is None:
            return False
        active = engine.active_attempts()
        if active + 1 <= limit:
            return False
        if allow_queueing:
            return True
        raise ApiError(400, f"Too many attempts running. Limit: {limit}, Current: {active}")

    def _requested_workflow(self, data: dict[str, Any]) -> WorkflowDef:
        workflow_id = data.get("workflowId")
        if workflow_id is not None:
            text = str(workflow_id)
            found = self.store.workflows.get(int(text)) if text.isdigit() else None
            if found is None:
                raise missing(f"workflow id={text}")
            return found
        project_name, workflow_name = data.get("projectName"), data.get("workflowName")
        if not isinstance(project_name, str) or not isinstance(workflow_name, str):
            raise ApiError(400, "workflowId or (projectName and workflowName) are required")
        project = self.store.project_by_name(project_name)
        found = project.workflows.get(workflow_name) if project else None
        if found is None:
            raise missing(f"workflow name={workflow_name} in project {project_name}")
        return found

    def _resume(self, data: dict[str, Any]) -> tuple[Attempt | None, int | None]:
        resume = data.get("resume")
        if resume is None:
            return None, None
        if not isinstance(resume, dict):
            raise ApiError(400, "resume must be an object")
        mode = resume.get("mode")
        source_id = str(resume.get("attemptId", ""))
        source = self.store.attempts.get(int(source_id)) if source_id.isdigit() else None
        if source is None:
            raise missing(f"session attempt id={source_id}")
        if mode == "failed":
            if source.root.state == "success":
                raise ApiError(400, "Resuming successfully completed attempts is not supported")
            return source, None
        if mode == "from":
            start = source.task(str(resume.get("from", "")))
            if start is None:
                raise ApiError(400, f"Task {resume.get('from')} does not exist in the attempt")
            return source, start.id
        raise ApiError(400, f"Unknown resume mode: {mode}")


def _required_time(data: dict[str, Any]) -> datetime:
    text = data.get("sessionTime")
    if not isinstance(text, str):
        raise ApiError(400, "sessionTime is required")
    try:
        return parse_instant(text)
    except ValueError:
        raise ApiError(400, f"Invalid sessionTime: {text}") from None
