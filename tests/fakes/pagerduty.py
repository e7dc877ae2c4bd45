"""A fake PagerDuty Events API v2 on loopback: records events, answers as PagerDuty does.

``POST /v2/enqueue`` answers 202 with ``{"status": "success", "dedup_key": ...}``
for a well-formed event, 400 with ``errors`` for a malformed one, and whatever
``fail_next`` queued first (429, 500, ...). ``events`` are the accepted ones,
``attempts`` every request. One shared fake for every PagerDuty test.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.serve import serve_in_thread

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")


class FakePagerDuty:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/v2/enqueue", self._enqueue, methods=["POST"])])
        self.url = ""
        self._serving: contextlib.ExitStack | None = None

    def fail_next(self, *statuses: int) -> None:
        with self._lock:
            self._failures.extend(statuses)

    def actions(self) -> list[tuple[str, str]]:
        return [(e["event_action"], e["dedup_key"]) for e in self.events]

    def __enter__(self) -> FakePagerDuty:
        self._serving = contextlib.ExitStack()
        self.url = self._serving.enter_context(serve_in_thread(self.app)) + "/v2/enqueue"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._serving is not None:
            self._serving.close()

    async def _enqueue(self, request: Request) -> JSONResponse:
        try:
            event = await request.json()
        except ValueError:
            return JSONResponse({"status": "invalid event", "errors": ["not JSON"]}, 400)
        with self._lock:
            self.attempts.append(event)
            if self._failures:
                status = self._failures.pop(0)
                return JSONResponse({"status": "failure", "message": "injected"}, status)
            errors = _errors(event)
            if errors:
                return JSONResponse(
                    {
                        "status": "invalid event",
                        "message": "Event object is invalid",
                        "errors": errors,
                    },
                    400,
                )
            self.events.append(event)
        return JSONResponse(
            {"status": "success", "message": "Event processed", "dedup_key": event["dedup_key"]},
            202,
        )


def _errors(event: dict[str, Any]) -> list[str]:
    errors = []
    if not event.get("routing_key") or len(str(event.get("routing_key"))) != 32:
        errors.append("'routing_key' is invalid")
    if event.get("event_action") not in ACTIONS:
        errors.append("'event_action' is invalid")
    if not event.get("dedup_key"):
        errors.append("'dedup_key' is missing")
    if event.get("event_action") == "trigger":
        payload = event.get("payload") or {}
        for key in ("summary", "source", "severity"):
            if not payload.get(key):
                errors.append(f"'payload.{key}' is missing")
        if payload.get("severity") not in SEVERITIES:
            errors.append("'payload.severity' is invalid")
        if len(str(payload.get("summary", ""))) > 1024:
            errors.append("'payload.summary' is too long")
    return errors


@contextlib.contextmanager
def fake_pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake
