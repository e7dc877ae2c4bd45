"""Wire-format expectations shared by the sandbox tests (td-api.md 2.1, 3.1)."""

from __future__ import annotations

import re
from typing import Any

import httpx

INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ZONED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
V3_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
DIGITS = re.compile(r"^\d+$")
ATTEMPT_STATUSES = {"queued", "running", "canceling", "success", "error", "killed"}
TASK_STATES = {
    "blocked",
    "ready",
    "retry_waiting",
    "group_retry_waiting",
    "running",
    "planned",
    "group_error",
    "success",
    "error",
    "canceled",
}
ATTEMPT_KEYS = {
    "id",
    "index",
    "project",
    "workflow",
    "sessionId",
    "sessionUuid",
    "sessionTime",
    "retryAttemptName",
    "done",
    "success",
    "cancelRequested",
    "params",
    "createdAt",
    "finishedAt",
    "status",
    "poolId",
}
TASK_KEYS = {
    "id",
    "fullName",
    "parentId",
    "config",
    "upstreams",
    "isGroup",
    "state",
    "cancelRequested",
    "exportParams",
    "storeParams",
    "stateParams",
    "updatedAt",
    "retryAt",
    "startedAt",
    "error",
}


def is_id(value: Any) -> bool:
    return isinstance(value, str) and bool(DIGITS.match(value))


def json_of(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text[:500])
    return response.json()


def attempts(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    body = json_of(api.get("/api/attempts", params=params))
    result: list[dict[str, Any]] = body["attempts"]
    return result


def all_attempts(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every attempt, paging down by ``last_id`` like a client must."""
    found: list[dict[str, Any]] = []
    last_id: str | None = None
    while True:
        extra = {"last_id": last_id} if last_id else {}
        page = attempts(api, page_size=100, **params, **extra)
        found += page
        if len(page) < 100:
            return found
        last_id = page[-1]["id"]


def tasks(api: httpx.Client, attempt_id: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json_of(api.get(f"/api/attempts/{attempt_id}/tasks"))["tasks"]
    return result
