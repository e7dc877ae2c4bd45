"""Which tasks of an attempt failed, and how: pure functions over the task list.

Digdag marks the failing leaf ``error`` with a non-empty ``error``; its parents
become ``group_error`` with ``{}`` (they are only the path). With an ``_error``
handler the failing task waits in ``planned`` with its error already stored.
``^error`` and ``^failure-alert`` tasks are generated handlers, not the failure;
a handler that failed itself is reported after the real failures. A killed
attempt leaves ``canceled`` tasks with ``error: {}`` (failures.md 1.3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.diagnosis.categories import Category
from bot.diagnosis.model import KillCause, KillInfo
from bot.diagnosis.where import SLA_FAIL, handled_failure, iteration_label, slow_task
from bot.td.models import Attempt, AttemptStatus, Task, TaskState

TASK_TTL_HOURS = 24.0  # TD cancels a task running this long
ATTEMPT_TTL_DAYS = 7.0  # and an attempt running this long
_HANDLER = re.compile(r"\^(?:error|failure-alert)(?=$|[+^])")
_RAN = frozenset({TaskState.SUCCESS, TaskState.ERROR, TaskState.GROUP_ERROR, TaskState.RUNNING})


@dataclass(frozen=True)
class FailingTask:
    task: Task
    group_path: tuple[str, ...]
    is_handler: bool
    error_handler_ran: bool
    canceled: bool
    iteration: str | None = None  # where in a for_each>/loop>/call>/if> body it failed
    handles: str | None = None  # a failed handler: the failure it was handling
    slow_task: str | None = None  # an sla: failure: the task the deadline caught


def is_handler(full_name: str) -> bool:
    return _HANDLER.search(full_name) is not None


def failing_tasks(tasks: Sequence[Task]) -> list[FailingTask]:
    """Failed tasks in task order, real failures first, then failed handlers."""
    by_id = {task.id: task for task in tasks}
    by_name = {task.full_name: task for task in tasks}
    failed = [task for task in tasks if _failed(task)]
    found: list[FailingTask] = []
    for task in failed:
        path = _group_path(task, by_id)
        handler = is_handler(task.full_name)
        found.append(
            FailingTask(
                task=task,
                group_path=path,
                is_handler=handler,
                error_handler_ran=_handler_ran(task, path, by_name, by_id),
                canceled=False,
                iteration=iteration_label(task, by_name),
                handles=handled_failure(task, failed) if handler else None,
                slow_task=slow_task(task, tasks) if task.full_name.endswith(SLA_FAIL) else None,
            )
        )
    found.sort(key=lambda failing: failing.is_handler)  # stable: task order kept
    return found


def _failed(task: Task) -> bool:
    if not task.error_message.strip() and not _extra_error(task):
        return False
    # planned + error: a failure whose _error handler has not finished yet.
    return task.state in (TaskState.ERROR, TaskState.PLANNED)


def _extra_error(task: Task) -> bool:
    return any(key != "stacktrace" and value for key, value in task.error.items())


def _group_path(task: Task, by_id: dict[str, Task]) -> tuple[str, ...]:
    path: list[str] = []
    parent = by_id.get(task.parent_id or "")
    while parent is not None and parent.parent_id is not None:  # the root is the workflow
        path.append(parent.full_name)
        parent = by_id.get(parent.parent_id)
    return tuple(reversed(path))


def _handler_ran(
    task: Task, path: tuple[str, ...], by_name: dict[str, Task], by_id: dict[str, Task]
) -> bool:
    """Did an ``_error`` handler of this task, of its groups or of the workflow run?"""
    root = next((t.full_name for t in by_id.values() if t.parent_id is None), None)
    owners = [task.full_name, *path, *([root] if root else [])]
    for owner in owners:
        handler = by_name.get(f"{owner}^error")
        if handler is not None and handler.state in _RAN:
            return True
    return False


def canceled_leaves(tasks: Sequence[Task]) -> list[Task]:
    parents = {task.parent_id for task in tasks if task.parent_id}
    return [
        task
        for task in tasks
        if task.state is TaskState.CANCELED and not task.is_group and task.id not in parents
    ]


def ran_hours(task: Task, attempt: Attempt, now: datetime) -> float | None:
    if task.started_at is None:
        return None
    end = attempt.finished_at or task.updated_at or now
    return max(0.0, (end - task.started_at).total_seconds() / 3600)


def kill_info(attempt: Attempt, tasks: Sequence[Task], now: datetime) -> KillInfo | None:
    canceled = canceled_leaves(tasks)
    killed = (
        attempt.cancel_requested
        or attempt.status in (AttemptStatus.KILLED, AttemptStatus.CANCELING)
        or bool(canceled)
    )
    if not killed:
        return None
    hours = {task.full_name: ran_hours(task, attempt, now) for task in canceled}
    ran = {name: value for name, value in hours.items() if value is not None}
    longest = max(ran, key=lambda name: ran[name]) if ran else None
    longest_hours = ran[longest] if longest else None
    end = attempt.finished_at or now
    attempt_days = (end - attempt.created_at).total_seconds() / 86400 if attempt.created_at else 0.0
    cause: KillCause
    if longest_hours is not None and longest_hours >= TASK_TTL_HOURS:
        cause = "task_ttl"
        description = (
            f"TD's {TASK_TTL_HOURS:.0f} h task time limit canceled {longest} "
            f"after {longest_hours:.1f} h"
        )
    elif attempt_days >= ATTEMPT_TTL_DAYS:
        cause = "attempt_ttl"
        description = (
            f"TD's {ATTEMPT_TTL_DAYS:.0f}-day attempt time limit canceled the attempt "
            f"after {attempt_days:.1f} days"
        )
    else:
        cause = "person"
        description = "killed by a person or an API call (TD does not record who)"
    return KillInfo(
        cause=cause,
        category=Category.KILLED_BY_PERSON if cause == "person" else Category.KILLED_BY_TIMEOUT,
        description=description,
        canceled_tasks=tuple(task.full_name for task in canceled),
        longest_task=longest,
        longest_task_hours=longest_hours,
    )
