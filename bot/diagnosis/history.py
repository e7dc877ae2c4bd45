"""Context around a failed attempt: its retries, the failure streak, the last good run.

Pure functions over attempts already fetched, so the engine decides how many
requests the context costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.diagnosis.model import AttemptSummary, Changes, FailureStreak, ParamChange
from bot.td.models import Attempt, AttemptStatus


def summarise(attempts: Sequence[Attempt]) -> tuple[AttemptSummary, ...]:
    return tuple(
        AttemptSummary(
            attempt_id=attempt.id,
            index=attempt.index,
            retry_attempt_name=attempt.retry_attempt_name,
            status=attempt.status,
            created_at=attempt.created_at,
            finished_at=attempt.finished_at,
            duration_seconds=_duration(attempt),
        )
        for attempt in sorted(attempts, key=lambda a: a.index)
    )


def _duration(attempt: Attempt) -> float | None:
    if attempt.created_at is None or attempt.finished_at is None:
        return None
    return (attempt.finished_at - attempt.created_at).total_seconds()


def failure_streak(
    attempt: Attempt, recent: Sequence[Attempt], *, complete: bool
) -> FailureStreak | None:
    """Failed sessions in a row, from the attempt's session back to the last success.

    ``recent`` are the workflow's attempts (retries included); a session counts by
    its newest attempt, except the diagnosed session, which counts by ``attempt``.
    Sessions still running neither count nor break the streak. ``complete`` says
    ``recent`` reaches back to the workflow's first attempt.
    """
    latest: dict[str, Attempt] = {}
    for candidate in recent:
        if candidate.session_id == attempt.session_id:
            continue
        current = latest.get(candidate.session_id)
        if current is None or int(candidate.id) > int(current.id):
            latest[candidate.session_id] = candidate
    latest[attempt.session_id] = attempt
    older = sorted(
        (a for a in latest.values() if a.session_time <= attempt.session_time),
        key=lambda a: (a.session_time, int(a.id)),
        reverse=True,
    )
    streak: list[Attempt] = []
    ended = False
    for candidate in older:
        if candidate.status is AttemptStatus.SUCCESS:
            ended = True
            break
        if candidate.status.failed:
            streak.append(candidate)
    if not streak:
        return None
    oldest = streak[-1]
    return FailureStreak(
        count=len(streak),
        since=oldest.session_time,
        first_attempt_id=oldest.id,
        bounded=not ended and not complete,
    )


def last_success(attempt: Attempt, recent: Sequence[Attempt]) -> Attempt | None:
    """The newest successful attempt of the workflow started before ``attempt``."""
    earlier = [
        a for a in recent if a.status is AttemptStatus.SUCCESS and int(a.id) < int(attempt.id)
    ]
    return max(earlier, key=lambda a: int(a.id), default=None)


def changes(
    good: Attempt,
    bad: Attempt,
    *,
    revision_before: str | None,
    revision_after: str | None,
) -> Changes:
    return Changes(
        revision_before=revision_before,
        revision_after=revision_after,
        params=params_diff(good.params, bad.params),
        duration_before_seconds=_duration(good),
        duration_after_seconds=_duration(bad),
    )


# The schedule sets these on every scheduled attempt, to a new value each session: a change
# in them says nothing about why a run failed.
PER_SESSION_PARAMS = frozenset({"last_session_time", "next_session_time"})


def params_diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[ParamChange, ...]:
    found: list[ParamChange] = []
    for key in sorted((before.keys() | after.keys()) - PER_SESSION_PARAMS):
        if key not in before:
            found.append(ParamChange(key, None, after[key], "added"))
        elif key not in after:
            found.append(ParamChange(key, before[key], None, "removed"))
        elif before[key] != after[key]:
            found.append(ParamChange(key, before[key], after[key], "changed"))
    return tuple(found)
