"""A report's numbers computed straight from the sandbox's own records (not the bot's code).

The definitions are the README's: a session counts in the period its first
attempt was created in, with its last attempt's status; recovery runs from the
end of its first failed attempt to the end of its last (successful) one;
durations are the successful last attempt's; p95 is the nearest-rank one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.sandbox import Sandbox
from bot.sandbox.model import Session


@dataclass
class Expected:
    runs: int = 0
    successes: int = 0
    failures: int = 0
    running: int = 0
    recoveries: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    previous: list[float] = field(default_factory=list)

    @property
    def p95(self) -> float | None:
        return nearest_rank(self.durations)

    @property
    def previous_p95(self) -> float | None:
        return nearest_rank(self.previous)


def nearest_rank(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def expected_numbers(
    sb: Sandbox, days: int, project: str | None = None
) -> dict[tuple[str, str], Expected]:
    end = sb.clock.now()
    start = end - timedelta(days=days)
    before = start - timedelta(days=days)
    found: dict[tuple[str, str], Expected] = {}
    with sb.lock:
        sessions = list(sb.world.store.sessions.values())
        for session in sessions:
            if project is not None and session.project.name != project:
                continue
            _count(session, found, start, end, before)
    return {key: value for key, value in found.items() if value.runs}


def _count(
    session: Session,
    found: dict[tuple[str, str], Expected],
    start: datetime,
    end: datetime,
    before: datetime,
) -> None:
    attempts = sorted(session.attempts, key=lambda a: a.id)
    first, last = attempts[0], attempts[-1]
    # The wire drops fractions of a second (td-api.md 3.1): compare as TD shows them.
    created = first.created_at.replace(microsecond=0)
    expected = found.setdefault((session.project.name, session.workflow_name), Expected())
    succeeded = last.status == "success" and last.finished_at is not None
    duration = (
        _seconds(last.finished_at) - _seconds(last.created_at)
        if succeeded and last.finished_at
        else None
    )
    if before <= created < start and duration is not None:
        expected.previous.append(duration)
    if not start <= created < end:
        return
    expected.runs += 1
    if last.status == "success":
        expected.successes += 1
    elif last.status in ("error", "killed"):
        expected.failures += 1
    else:
        expected.running += 1
    if duration is not None:
        expected.durations.append(duration)
        failed = [a for a in attempts[:-1] if a.status in ("error", "killed")]
        if failed and failed[0].finished_at is not None and last.finished_at is not None:
            expected.recoveries.append(
                max(0.0, _seconds(last.finished_at) - _seconds(failed[0].finished_at))
            )


def _seconds(when: datetime) -> float:
    return float(int(when.timestamp()))
