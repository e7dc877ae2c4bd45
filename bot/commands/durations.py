"""Mute durations: `30m`, `4h`, `2d`, `1w`, `90s`, and combinations such as `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

MIN_MUTE = timedelta(minutes=1)
MAX_MUTE = timedelta(days=30)

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_PART = re.compile(r"([0-9]{1,7})([a-z]+)")
_SHAPE = re.compile(r"(?:[0-9]{1,7}[a-z]+)+")
_FORMAT_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_duration(text: str) -> timedelta | None:
    """The duration `text` spells, or None if it is not a duration (limits not applied)."""
    word = text.strip().lower()
    if not _SHAPE.fullmatch(word):
        return None
    seconds = 0
    for number, unit in _PART.findall(word):
        if unit not in _UNITS:
            return None
        seconds += int(number) * _UNITS[unit]
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """The shortest spelling `parse_duration` reads back: `1d2h`, `30m`, `1m30s`."""
    remaining = int(duration.total_seconds())
    parts = []
    for unit, size in _FORMAT_UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
