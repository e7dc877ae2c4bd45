"""Findings and resolutions as JSON: what a silent alert's claim carries, so a holder
that takes the claim over (after a crash, on another replica) words it the same
without asking TD again.

An attempt is kept without its params, and the TD texts of the facts (task
names) masked with them first: the store holds no secret values, and a message
worded from a loaded finding has nothing left to hide that its params would name.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.silent.findings import (
    Baseline,
    Facts,
    Finding,
    Late,
    LateState,
    LimitSource,
    NotStarted,
    Resolved,
    ResolvedHow,
    RunningLong,
    RunningTask,
    ScheduleDisabled,
    SilentKind,
)
from bot.td.models import Attempt
from bot.text import mask_secrets, secret_param_values


def dump_finding(finding: Finding) -> str:
    return json.dumps(
        {
            "project": finding.project,
            "workflow": finding.workflow,
            "subject": finding.subject,
            "session_time": _time(finding.session_time),
            "attempt": _attempt(finding.attempt),
            "facts": {"kind": finding.kind.value, **_facts(finding.facts, _secrets(finding))},
            "workflow_id": finding.workflow_id,
        },
        sort_keys=True,
    )


def load_finding(raw: str) -> Finding:
    data = json.loads(raw)
    return Finding(
        project=data["project"],
        workflow=data["workflow"],
        subject=data["subject"],
        session_time=_to_time(data["session_time"]),
        attempt=_to_attempt(data["attempt"]),
        facts=_to_facts(data["facts"]),
        workflow_id=data.get("workflow_id"),  # absent from findings stored before it
    )


def dump_resolved(resolved: Resolved) -> str:
    return json.dumps(
        {
            "kind": resolved.kind.value,
            "subject": resolved.subject,
            "project": resolved.project,
            "workflow": resolved.workflow,
            "how": resolved.how.value,
            "at": _time(resolved.at),
            "attempt": _attempt(resolved.attempt),
            "attempt_id": resolved.attempt_id,
        },
        sort_keys=True,
    )


def load_resolved(raw: str) -> Resolved:
    data = json.loads(raw)
    return Resolved(
        kind=SilentKind(data["kind"]),
        subject=data["subject"],
        project=data["project"],
        workflow=data["workflow"],
        how=ResolvedHow(data["how"]),
        at=_must(data["at"]),
        attempt=_to_attempt(data["attempt"]),
        attempt_id=data.get("attempt_id"),
    )


# ------------------------------------------------------------------ pieces


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _to_time(raw: str | None) -> datetime | None:
    return None if raw is None else datetime.fromisoformat(raw)


def _attempt(attempt: Attempt | None) -> dict[str, Any] | None:
    if attempt is None:
        return None
    return attempt.model_dump(mode="json", by_alias=True, exclude={"params"})


def _to_attempt(raw: dict[str, Any] | None) -> Attempt | None:
    return None if raw is None else Attempt.model_validate(raw)


def _baseline(b: Baseline | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "runs": b.runs,
        "fastest": b.fastest.total_seconds(),
        "slowest": b.slowest.total_seconds(),
        "p95": b.p95.total_seconds(),
    }


def _to_baseline(raw: dict[str, Any] | None) -> Baseline | None:
    if raw is None:
        return None
    return Baseline(
        runs=raw["runs"],
        fastest=timedelta(seconds=raw["fastest"]),
        slowest=timedelta(seconds=raw["slowest"]),
        p95=timedelta(seconds=raw["p95"]),
    )


def _secrets(finding: Finding) -> list[str]:
    return secret_param_values(finding.attempt.params) if finding.attempt else []


def _tasks(tasks: tuple[RunningTask, ...], secrets: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "full_name": mask_secrets(t.full_name, secrets),
            "operator": t.operator,
            "started_at": _time(t.started_at),
            "job_id": t.job_id,
        }
        for t in tasks
    ]


def _to_tasks(raw: list[dict[str, Any]]) -> tuple[RunningTask, ...]:
    return tuple(
        RunningTask(t["full_name"], t["operator"], _to_time(t["started_at"]), t["job_id"])
        for t in raw
    )


def _facts(facts: Facts, secrets: list[str]) -> dict[str, Any]:
    match facts:
        case RunningLong():
            return {
                "running_for": facts.running_for.total_seconds(),
                "limit": facts.limit.total_seconds(),
                "source": facts.source.value,
                "sla_scope": facts.sla_scope,
                "baseline": _baseline(facts.baseline),
                "tasks": _tasks(facts.tasks, secrets),
            }
        case Late():
            return {
                "state": facts.state.value,
                "within": facts.within.total_seconds(),
                "sla_scope": facts.sla_scope,
                "due_at": _time(facts.due_at),
                "tasks": None if facts.tasks is None else _tasks(facts.tasks, secrets),
            }
        case NotStarted():
            return {
                "schedule_id": facts.schedule_id,
                "slot": _time(facts.slot),
                "grace": facts.grace.total_seconds(),
            }
        case ScheduleDisabled():
            return {"schedule_id": facts.schedule_id, "disabled_at": _time(facts.disabled_at)}


def _to_facts(raw: dict[str, Any]) -> Facts:
    kind = SilentKind(raw["kind"])
    if kind is SilentKind.RUNNING_LONG:
        return RunningLong(
            running_for=timedelta(seconds=raw["running_for"]),
            limit=timedelta(seconds=raw["limit"]),
            source=LimitSource(raw["source"]),
            sla_scope=raw["sla_scope"],
            baseline=_to_baseline(raw["baseline"]),
            tasks=_to_tasks(raw["tasks"]),
        )
    if kind is SilentKind.LATE:
        return Late(
            state=LateState(raw["state"]),
            within=timedelta(seconds=raw["within"]),
            sla_scope=raw["sla_scope"],
            due_at=_must(raw["due_at"]),
            # Absent from late findings stored before late alerts named their tasks.
            tasks=None if raw.get("tasks") is None else _to_tasks(raw["tasks"]),
        )
    if kind is SilentKind.NOT_STARTED:
        return NotStarted(
            schedule_id=raw["schedule_id"],
            slot=_must(raw["slot"]),
            grace=timedelta(seconds=raw["grace"]),
        )
    return ScheduleDisabled(schedule_id=raw["schedule_id"], disabled_at=_must(raw["disabled_at"]))


def _must(raw: str) -> datetime:
    return datetime.fromisoformat(raw)
