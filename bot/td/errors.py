"""Typed failures of TD calls.

Every error names the request by its method and path *template*
(``GET /api/attempts/{id}``), never by a concrete URL, so the text is safe to
log and cheap to group. ``message`` is the server's own text (untrusted: it
must go through ``bot.text.safe`` before it reaches Slack), already cut to a
bounded length and stripped of the API key.
"""

from __future__ import annotations

import re

from bot.td.models import Attempt

__all__ = [
    "AttemptConflict",
    "AttemptLimitExceeded",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "InvalidResponse",
    "NotFound",
    "RateLimited",
    "TDError",
    "Unauthorized",
    "Unavailable",
]


class TDError(Exception):
    """Base of every TD failure. ``status`` is None when no HTTP response arrived."""

    def __init__(self, message: str, *, status: int | None, method: str, path: str) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        return f"{self.method} {self.path}: {status}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class BadRequest(TDError):
    """400: TD rejected the arguments (its message says which)."""


class AttemptLimitExceeded(BadRequest):
    """400 "Too many attempts running": the account is at its concurrent-attempt limit.

    A retry helps once running attempts drain, or at once with TD's
    ``allowQueueing`` (the attempt then waits as ``queued``). ``limit`` and
    ``running`` are parsed from TD's text when it gives them.
    """

    MARKER = "Too many attempts running"
    _NUMBERS = re.compile(r"Limit:\s*(\d+),\s*Current:\s*(\d+)")

    def __init__(self, message: str, *, status: int | None, method: str, path: str) -> None:
        found = self._NUMBERS.search(message)
        self.limit = int(found.group(1)) if found else None
        self.running = int(found.group(2)) if found else None
        super().__init__(message, status=status, method=method, path=path)

    @classmethod
    def matches(cls, error: TDError) -> bool:
        return error.status == 400 and cls.MARKER.lower() in error.message.lower()


class Unauthorized(TDError):
    """401: the API key is wrong or revoked."""


class Forbidden(TDError):
    """403: the key is valid but lacks permission."""


class NotFound(TDError):
    """404: no such job, project, session, attempt or file."""


class Conflict(TDError):
    """409: e.g. killing an attempt that is already killed or finished."""


class AttemptConflict(Conflict):
    """409 from ``PUT /api/attempts``: an attempt with that session time and name exists.

    TD answers with the existing attempt as the body, which callers usually want
    (to link to it or to pick a fresh retry name).
    """

    def __init__(self, existing: Attempt, *, method: str, path: str) -> None:
        self.existing = existing
        super().__init__(
            f"attempt already exists: id={existing.id} session={existing.session_id}",
            status=409,
            method=method,
            path=path,
        )


class RateLimited(TDError):
    """429 that outlasted the retries; ``retry_after`` is TD's hint in seconds, if any."""

    def __init__(
        self, message: str, *, retry_after: float | None, status: int, method: str, path: str
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, method=method, path=path)


class Unavailable(TDError):
    """5xx, connection failure or timeout that outlasted the retries (or was not retryable)."""


class InvalidResponse(TDError):
    """A response TD should never send: unexpected status, or a body that does not parse."""
