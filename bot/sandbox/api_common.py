"""What every Workflow API handler of the sandbox shares: Digdag's errors and path ids."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from bot.sandbox.model import Attempt, Store

UNSUPPORTED_MEDIA_TYPE = "HTTP 415 Unsupported Media Type"


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_object(body: bytes) -> dict[str, Any]:
    """A request's JSON object body, or Digdag's 400."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        raise ApiError(400, "Malformed JSON body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "A JSON object is required")
    return data


def missing(what: str) -> ApiError:
    return ApiError(404, f"Resource does not exist: {what}")


def path_id(request: Request, name: str) -> int:
    """Digdag's numeric path params: anything else is a 404 (JAX-RS conversion)."""
    value = request.path_params[name]
    if not value.isdigit():
        raise ApiError(404, "HTTP 404 Not Found")
    return int(value)


def is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").partition(";")[0]
    return media_type.strip().lower() == "application/json"


def attempt_of(request: Request, store: Store) -> Attempt:
    """The attempt the ``{id}`` path parameter names, or TD's 404."""
    attempt_id = path_id(request, "id")
    attempt: Attempt | None = store.attempts.get(attempt_id)
    if attempt is None:
        raise missing(f"session attempt id={attempt_id}")
    return attempt
