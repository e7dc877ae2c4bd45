"""Turning TD's JSON answers into models, or into ``InvalidResponse`` naming what was wrong."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.td.errors import InvalidResponse

M = TypeVar("M", bound=BaseModel)


def invalid(template: str, message: str, status: int = 200, method: str = "GET") -> InvalidResponse:
    return InvalidResponse(message, status=status, method=method, path=template)


def json_body(response: httpx.Response, template: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise invalid(
            template, "response is not JSON", response.status_code, response.request.method
        ) from None


def field(response: httpx.Response, template: str, key: str) -> Any:
    body = json_body(response, template)
    if not isinstance(body, dict) or key not in body:
        raise invalid(
            template, f"response has no {key!r}", response.status_code, response.request.method
        )
    return body[key]


def bad_fields(exc: ValidationError) -> str:
    """Where a model did not fit: field locations only (TD's values are untrusted, maybe large)."""
    where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
    return ", ".join(where[:5])


def validate(value: Any, template: str, model: type[M], method: str = "GET") -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise invalid(
            template, f"unexpected {model.__name__}: bad {bad_fields(exc)}", method=method
        ) from None


def one(response: httpx.Response, template: str, model: type[M]) -> M:
    return validate(json_body(response, template), template, model, response.request.method)


def many(response: httpx.Response, template: str, key: str, model: type[M]) -> list[M]:
    items = field(response, template, key)
    if not isinstance(items, list):
        raise invalid(template, f"{key!r} is not a list", method=response.request.method)
    return [validate(item, template, model, response.request.method) for item in items]
