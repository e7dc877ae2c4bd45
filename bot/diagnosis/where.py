"""Where in the workflow a failure sits: the sub-workflow iteration, the failure a
failed ``^error`` handler was handling, and the task an ``sla:`` deadline caught.

Digdag names generated tasks after what made them (digdag-standards): if>,
call> and the loops put their body under ``<task>^sub``; for_each> names each
iteration ``+for-<k>=<key>=<v>=<value>`` (``&``-joined for several keys, values
URL-encoded), loop> ``+loop-<i>``, for_range> ``+range-from=<a>&to=<b>``. An
``sla:`` with ``fail: true`` adds ``<root>^sla^fail`` (fail> "SLA violation") when
the deadline passes, while the slow task is still running.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import unquote

from bot.td.models import Task, TaskState

_FOR_EACH = re.compile(r"^for-(.+)$")
_LOOP = re.compile(r"^loop-(\d+)$")
_RANGE = re.compile(r"^range-from=(-?\d+)&to=(-?\d+)$")
SLA_FAIL = "^sla^fail"
_HANDLER_MARK = re.compile(r"\^(?:error|failure-alert)(?=$|[+^])")


def iteration_label(task: Task, by_name: dict[str, Task]) -> str | None:
    """``for_each> +wf+per_day: day=2024-05-03; call> child from +wf+run`` or None."""
    steps: list[str] = []
    name = task.full_name
    position = name.find("^sub+")
    while position >= 0:
        host_name = name[:position]
        host = by_name.get(host_name)
        rest = name[position + len("^sub+") :]
        element = rest.split("+", 1)[0]
        steps.append(_step(host_name, host, element))
        position = name.find("^sub+", position + 1)
    if name.endswith("^sub") and name[: -len("^sub")] in by_name:
        host_name = name[: -len("^sub")]
        steps.append(_step(host_name, by_name[host_name], ""))
    return "; ".join(steps) or None


def _step(host_name: str, host: Task | None, element: str) -> str:
    operator = host.operator if host is not None else None
    label = f"{operator or 'generated'} {host_name}"
    if operator == "call>" and host is not None:
        label = f"call> {host.config.get('call>', '?')} from {host_name}"
    match = _FOR_EACH.match(element)
    if match:
        pairs = [_pair(part) for part in match.group(1).split("&")]
        return f"{label}: " + ", ".join(pairs)
    match = _LOOP.match(element)
    if match:
        return f"{label}: iteration i={match.group(1)}"
    match = _RANGE.match(element)
    if match:
        return f"{label}: range {match.group(1)} to {match.group(2)}"
    return label


def _pair(part: str) -> str:
    # <key index>=<key>=<value index>=<value>; the value may hold "=" itself.
    pieces = part.split("=", 3)
    if len(pieces) == 4:
        return f"{unquote(pieces[1])}={unquote(pieces[3])}"
    return unquote(part)


def handled_failure(handler: Task, failing: Sequence[Task]) -> str:
    """The failure a failed ``^error`` handler was handling: the first real failure
    inside the group that owns the handler (else that group)."""
    marks = list(_HANDLER_MARK.finditer(handler.full_name))
    owner = handler.full_name[: marks[-1].start()] if marks else handler.full_name
    for task in failing:
        inside = task.full_name == owner or task.full_name.startswith((owner + "+", owner + "^"))
        if inside and not _HANDLER_MARK.search(task.full_name):
            return task.full_name
    return owner


def slow_task(sla: Task, tasks: Sequence[Task]) -> str | None:
    """The task an ``sla:`` deadline caught: still running when ``^sla^fail`` started,
    else the longest-running task that started before it."""
    deadline = sla.started_at
    parents = {task.parent_id for task in tasks if task.parent_id}
    leaves = [
        task
        for task in tasks
        if task.id not in parents
        and task.started_at is not None
        and "^sla" not in task.full_name
        and not _HANDLER_MARK.search(task.full_name)
        and (deadline is None or task.started_at <= deadline)
    ]
    if not leaves:
        return None
    running = [task for task in leaves if _running_at(task, deadline)]
    pool = running or leaves
    return max(pool, key=lambda task: _ran_seconds(task, deadline)).full_name


def _running_at(task: Task, deadline: datetime | None) -> bool:
    if deadline is None:
        return False
    if task.state is TaskState.RUNNING:
        return True
    return task.updated_at is not None and task.updated_at > deadline


def _ran_seconds(task: Task, deadline: datetime | None) -> float:
    end = task.updated_at or deadline
    if task.started_at is None or end is None:
        return 0.0
    return (end - task.started_at).total_seconds()


def located_next_step(next_step: str, slow: str | None, handles: str | None) -> str:
    """The next step, led by what the location says to look at first."""
    if slow is not None:
        next_step = f"The task still running at the deadline was {slow}. {next_step}"
    if handles is not None:
        next_step = (
            f"This ^error handler failed while handling {handles}: that failure is the root "
            f"cause; fix it first. {next_step}"
        )
    return next_step
