"""The shape of one failure scenario in the sandbox's corpus.

A case describes what TD would show for one failing task: its config, its
``error`` object, its task log, and (for TD-job operators) the TD job behind it.
The sandbox turns each case into a real workflow, session, attempt and tasks.
A case states only facts of the simulated world (what TD shows, and whether a
plain retry of the same run succeeds); what a diagnosis should conclude lives in
the tests, so the sandbox never holds a diagnosis oracle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JobSpec:
    """A TD job as ``/v3/job/show`` would return it (debug output included)."""

    type: str  # presto | trino | hive | bulkload | export | result_export ...
    status: str  # error | killed | success
    query: str | dict[str, Any]
    database: str
    cmdout: str | None
    stderr: str | None
    # Where the job id is discoverable: any of "state_params", "store_params", "log".
    id_in: tuple[str, ...] = ("state_params", "log")


@dataclass(frozen=True)
class FailureCase:
    key: str  # stable, unique, snake_case; also the workflow name in the sandbox
    title: str
    # Task path below the workflow root: ("load", "aggregate") -> +wf+load+aggregate.
    # All but the last element are groups that end in group_error.
    path: tuple[str, ...]
    config: dict[str, Any]  # the failing task's own config, e.g. {"td>": "q.sql"}
    error: dict[str, Any]  # the task's error object exactly as TD serialises it
    # Task-log lines of the failing task (without the thread-name framing, which
    # the sandbox adds using the attempt's ids), or None for no log file.
    # Each entry is one physical line: "LEVEL|class|message" for a logged message
    # (e.g. "INFO|io.digdag.core.agent.OperatorManager|td>: q.sql"), or "|" + raw
    # text for a continuation line (SQL, tracebacks, Java frames, script output).
    log: tuple[str, ...] | None
    job: JobSpec | None = None
    state: str = "error"  # error | canceled (killed attempts)
    state_params: dict[str, Any] = field(default_factory=dict)
    store_params: dict[str, Any] = field(default_factory=dict)
    has_error_handler: bool = False  # the workflow has _error: the ^error task runs
    attempt_killed: bool = False  # the attempt ends cancelRequested (status killed)
    task_runs_hours: float = 0.0  # how long the failing task ran before it ended
    # Extra failing leaves in the same attempt (for multi-failure attempts).
    siblings: tuple[FailureCase, ...] = ()
    # The world's answer to "does re-running it as it is work?": later runs of the
    # lab workflow fail again unless this is True (a passing condition, data that
    # has arrived by then, a person's kill).
    retry_recovers: bool = False
    # The config of the task that generates the failing one when ``path`` goes
    # through a generated element (``a^sub``: for_each>, loop>, call>; if> when None).
    host: dict[str, Any] | None = None
    # A healthy task that overruns (path, hours): what a workflow ``sla:`` caught.
    slow: tuple[tuple[str, ...], float] | None = None
    source: str = ""  # where the message texts come from (code, docs, samples)
