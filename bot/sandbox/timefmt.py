"""The time formats TD writes on the wire (td-api.md 2.1 and 3.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


def v3_time(value: datetime | None) -> str | None:
    """REST v3: ``2015-02-09 11:44:25 UTC``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def instant(value: datetime | None) -> str | None:
    """Workflow API instants: UTC, ``Z``, no fractions."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zoned(value: datetime, timezone: str) -> str:
    """Workflow API zoned times (sessionTime): ``+HH:MM`` offset, never ``Z``."""
    return value.astimezone(zone(timezone)).replace(microsecond=0).isoformat()


def iso_z(value: datetime) -> str:
    """ISO instants inside texts (cmdout ``started at ...``, table counters)."""
    return instant(value) or ""


def log_stamp(value: datetime) -> str:
    """Digdag task-log stamp: ``2024-06-01 02:00:07.529 +0000``."""
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d} +0000"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_instant(text: str) -> datetime:
    """ISO instant or offset time as TD accepts it on input (ISO_DATE_TIME)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time without an offset: {text!r}")
    return value
