"""Numbers, times and statuses as short human text (raw: callers make it safe).

Times are rendered twice: a Slack date token that each reader sees in their
own time zone, with UTC text as its fallback (what the plain ``text`` uses).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.td.models import AttemptStatus, JobStatus, TaskState

JOB_EMOJI = {
    JobStatus.QUEUED: ":hourglass_flowing_sand:",
    JobStatus.BOOTING: ":hourglass_flowing_sand:",
    JobStatus.RUNNING: ":arrows_counterclockwise:",
    JobStatus.SUCCESS: ":white_check_mark:",
    JobStatus.ERROR: ":x:",
    JobStatus.KILLED: ":no_entry_sign:",
    JobStatus.UNKNOWN: ":grey_question:",
}


class _ByStatus(dict[AttemptStatus, str]):
    """A status TD added after this table (kept as TD wrote it) gets ``fallback``."""

    def __init__(self, fallback: str, entries: dict[AttemptStatus, str]) -> None:
        super().__init__(entries)
        self.fallback = fallback

    def __missing__(self, status: AttemptStatus) -> str:
        return self.fallback


ATTEMPT_EMOJI = _ByStatus(
    ":grey_question:",
    {
        AttemptStatus.QUEUED: ":hourglass_flowing_sand:",
        AttemptStatus.BLOCKED: ":hourglass_flowing_sand:",
        AttemptStatus.RUNNING: ":arrows_counterclockwise:",
        AttemptStatus.CANCELING: ":no_entry_sign:",
        AttemptStatus.SUCCESS: ":white_check_mark:",
        AttemptStatus.ERROR: ":x:",
        AttemptStatus.KILLED: ":no_entry_sign:",
    },
)
# One character per status for the run-history strip of `sessions`.
ATTEMPT_GLYPH = _ByStatus(
    "?",
    {
        AttemptStatus.QUEUED: "·",
        AttemptStatus.BLOCKED: "·",
        AttemptStatus.RUNNING: "▶",
        AttemptStatus.CANCELING: "⊘",
        AttemptStatus.SUCCESS: "✓",
        AttemptStatus.ERROR: "✗",
        AttemptStatus.KILLED: "⊘",
    },
)
# Most telling first, for the per-state task summary of an attempt.
TASK_STATE_ORDER = (
    TaskState.ERROR,
    TaskState.GROUP_ERROR,
    TaskState.CANCELED,
    TaskState.RUNNING,
    TaskState.RETRY_WAITING,
    TaskState.GROUP_RETRY_WAITING,
    TaskState.PLANNED,
    TaskState.READY,
    TaskState.BLOCKED,
    TaskState.SUCCESS,
    TaskState.UNKNOWN,
)
_SPARKS = "▁▂▃▄▅▆▇█"


def utc_text(when: datetime | None) -> str:
    if when is None:
        return "-"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def slack_time(when: datetime | None) -> str:
    """mrkdwn: the reader's local time, with the UTC text as fallback (tdbot's own text)."""
    if when is None:
        return "-"
    stamp = int(when.timestamp())
    return f"<!date^{stamp}^{{date_num}} {{time_secs}}|{utc_text(when)}>"


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "-"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def span(start: datetime | None, end: datetime | None, now: datetime) -> float | None:
    """Seconds from start to end, or to now while it is still running."""
    if start is None:
        return None
    return ((end or now) - start).total_seconds()


def count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def size(value: int | None) -> str:
    if value is None:
        return "-"
    amount = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if amount < 1024 or unit == "TB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def sparkline(values: Sequence[float | None]) -> str:
    """One bar per value, scaled between the smallest and largest; a space for unknown."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    spread = high - low
    top = len(_SPARKS) - 1
    return "".join(
        " " if v is None else _SPARKS[round((v - low) / spread * top) if spread else 0]
        for v in values
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
