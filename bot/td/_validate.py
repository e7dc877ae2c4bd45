"""Argument checks made before any request, so a bad argument never costs a round trip.

Ids typically come from chat text; a clear ``ValueError`` here beats a 404 that
JAX-RS gives for a non-numeric path segment.
"""

from __future__ import annotations

import re
from datetime import datetime

_DIGITS = re.compile(r"[0-9]+")
_MAX_ID = 2**63 - 1  # Digdag ids are int64 (project and schedule ids int32)
MAX_PAGE_SIZE = 100  # OSS Digdag's maximum; TD's own maximum is unverified


def entity_id(value: object, what: str) -> str:
    """A positive integer id (int or ASCII digit string) in canonical decimal form."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError(f"{what} must be a positive integer id, got {value!r}")
    if not 0 < number <= _MAX_ID:
        raise ValueError(f"{what} must be a positive integer id, got {value!r}")
    return str(number)


def name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{what} must not contain control characters, got {value!r}")
    return value


def optional_name(value: object, what: str) -> str | None:
    return None if value is None else name(value, what)


def page_size(value: object, what: str = "page_size") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValueError(f"{what} must be an integer from 1 to {MAX_PAGE_SIZE}, got {value!r}")
    return value


def offset(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"offset must be an integer >= 0, got {value!r}")
    return value


def session_time(value: object) -> str:
    """TD wants an ISO time with an offset; a naive datetime would be read as UTC silently."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"session_time must carry a time zone, got {value!r}")
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.utcoffset() is not None:
            return value.strip()
    raise ValueError(f"session_time must be an ISO-8601 time with an offset, got {value!r}")
