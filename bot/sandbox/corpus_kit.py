"""Building blocks of the failure corpus: SQL as td> sends it, TD jobs, py> reasons."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_log import (
    AGENT_FRAMES,
    JOB,
    OPERATOR_MANAGER,
    PY_FRAMES,
    TASK,
    TD_CHECK_STATUS,
    TD_CLIENT_FRAMES,
    TD_ENSURE_RUNNING,
    TD_ERROR_HANDLER,
    TD_JOB_EXCEPTION_FRAMES,
    TD_OPERATOR,
    TD_RUN_JOB_FRAMES,
    failed_entry,
    java_trace,
    log_entry,
    log_lines,
    operator_line,
    raw_lines,
    stacktrace_of,
    unexpected_entry,
)

# ---------------------------------------------------------------------------
# SQL as td> submits it, and the job's debug output
# ---------------------------------------------------------------------------

PROJECT_ID = "501234"


def submitted(body: str, *, header: int = 6, prefix: str = "") -> str:
    """``wrapStmtWithComment``: header comments, then td>'s own lines, then the user's SQL.

    ``header=6`` is OSS Digdag since 2020-08; ``header=3`` is what older TD logs show.
    """
    if header == 6:
        lines = [
            f"-- project_id: {PROJECT_ID}",
            "-- project_name: {project}",
            "-- workflow_name: {workflow}",
            "-- session_id: {session_id}",
            "-- attempt_id: {attempt_id}",
            f"-- task_name: {TASK}",
        ]
    else:
        lines = [
            "-- project_name: {project}",
            "-- workflow_name: {workflow}",
            f"-- task_name: {TASK}",
        ]
    return "\n".join(lines) + "\n" + prefix + body


def at(sql: str, needle: str, *, base: int = 1) -> str:
    """``L:C`` of the first ``needle`` in the submitted SQL (Trino counts columns from 1)."""
    for number, line in enumerate(sql.split("\n"), start=1):
        column = line.find(needle)
        if column >= 0:
            return f"{number}:{column + base}"
    raise ValueError(f"{needle!r} is not in the SQL")


def presto_cmdout(
    sql: str,
    started: str,
    *,
    blocks: Sequence[str] = (),
    version: str = "423",
    unfiltered: str | None = None,
    newline: bool = False,
) -> str:
    """``debug.cmdout`` of a TD Presto/Trino job, cut off where the job failed."""
    parts = [f"started at {started}", f"presto version: {version}", f"executing query: {sql}"]
    if unfiltered is not None:
        parts += [
            "**",
            "** WARNING: time index filtering is not set on",
            f"  - {unfiltered}",
            "** This query could be very slow as a result.",
            "** Please see https://docs.treasuredata.com/display/public/PD/"
            "Leveraging+Time-Based+Partitioning",
            "**",
        ]
    parts += blocks
    return "\n".join(parts) + ("\n" if newline else "")


def progress_block(stamp: str, peak: str, query_id: str, elapsed: str, *stages: str) -> str:
    """One progress block as the TD Presto client prints it while the query runs."""
    header = f"{query_id:<57}{elapsed}   rows  bytes bytes/sec done   total "
    return "\n".join([f"{stamp} -- peak memory: {peak}, queued time:00:00:00.004", header, *stages])


def trino_frames(*frames: str) -> str:
    return "\n".join(f"\tat {frame}" for frame in frames)


TRINO_POOL_FRAMES = (
    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
    "java.base/java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:635)",
    "java.base/java.lang.Thread.run(Thread.java:833)",
)


def job_state(domain_seed: str, polls: int) -> dict[str, Any]:
    """``stateParams`` of a polling TD-job task (the domain key is a stable UUID per case)."""
    return {
        "job": {
            "jobId": JOB,
            "domainKey": str(uuid.uuid5(uuid.NAMESPACE_URL, domain_seed)),
            "pollIteration": polls,
            "errorPollIteration": 0,
        }
    }


def td_job_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    job: JobSpec,
    retry_recovers: bool = False,
    started: tuple[str, str],
    path: tuple[str, ...] = ("aggregate",),
    with_stacktrace: bool = True,
    polls: int = 3,
    retry_count: int = 0,
    **extra: Any,
) -> FailureCase:
    """A TD-job task whose job ended ERROR/KILLED: ``TDJobOperator.checkStatus``.

    The error message is ``cmdout + "\\n" + stderr`` (each null read as ""), the
    stacktrace holds the TDJobException frames, and the log ends with
    ``> TD job <id> failed with status <STATUS> (td job)``. ``started`` is the
    (class, message) of the operator's ``Started … job id=…`` line.
    """
    message = (job.cmdout or "") + "\n" + (job.stderr or "")
    error: dict[str, Any] = {"message": message}
    if with_stacktrace:
        error["stacktrace"] = stacktrace_of(TD_JOB_EXCEPTION_FRAMES)
    status = job.status.upper()
    cause = (
        f"io.digdag.standards.operator.td.TDJobException: TD job {JOB} failed with status {status}"
    )
    log: tuple[str, ...] | None = None
    if "log" in job.id_in:
        retrying = log_entry(
            "ERROR",
            OPERATOR_MANAGER,
            "Task failed, retrying\n"
            + java_trace(
                f"io.digdag.spi.TaskExecutionException: {message}",
                (TD_CHECK_STATUS, *TD_RUN_JOB_FRAMES),
                (cause, (TD_ENSURE_RUNNING,), len(TD_JOB_EXCEPTION_FRAMES) - 1),
            ),
        )
        # _retry re-polls the same job: each round logs the operator line again but
        # never a new ``Started … job id=`` line.
        log = log_lines(
            operator_line(config),
            log_entry("INFO", *started),
            *(log_lines(retrying, operator_line(config)) for _ in range(retry_count)),
            failed_entry(f"{message}\n> TD job {JOB} failed with status {status} (td job)"),
        )
    state_params = job_state(key, polls) if "state_params" in job.id_in else {}
    if retry_count:
        state_params["retry_count"] = retry_count
    store_params: dict[str, Any] = {}
    if "store_params" in job.id_in:
        store_params = {"td": {"last_job_id": JOB, "last_job": {"id": JOB, "num_records": 0}}}
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error=error,
        log=log,
        job=job,
        state_params=state_params,
        store_params=store_params,
        retry_recovers=retry_recovers,
        **extra,
    )


def presto_started(sql: str) -> tuple[str, str]:
    return (TD_OPERATOR, f"Started presto job id={JOB}:\n{sql}")


def hive_started(sql: str) -> tuple[str, str]:
    return (TD_OPERATOR, f"Started hive job id={JOB}:\n{sql}")


def td_api_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    api_error: str,
    class_words: str,
    retry_recovers: bool = False,
    path: tuple[str, ...] = ("aggregate",),
    warn: bool = True,
    **extra: Any,
) -> FailureCase:
    """A TD REST call failed with a 4xx before any job ran: TaskExecutionException(cause)."""
    message = f"{api_error} ({class_words})"
    warning = log_entry("WARN", TD_ERROR_HANDLER, api_error) if warn else ()
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error={"message": message, "stacktrace": stacktrace_of(TD_CLIENT_FRAMES + AGENT_FRAMES)},
        log=log_lines(operator_line(config), warning, failed_entry(message)),
        retry_recovers=retry_recovers,
        **extra,
    )


# ---------------------------------------------------------------------------
# py>: runner.py's reason text
# ---------------------------------------------------------------------------

RUNNER = "/tmp/digdag-py-3571946-8811223344/runner.py"  # noqa: S108 - a path TD prints
WORKSPACE = "/home/td-user/workspace"
# runner.py calling the user's function: the first frame of most py> tracebacks.
RUNNER_CALL = (RUNNER, 161, "<module>", "result = callable_type(**args)")


def py_traceback(frames: Sequence[tuple[str, int, str, str]], final: str) -> list[str]:
    """``traceback.format_exception`` elements, each ending in a newline."""
    return [
        "Traceback (most recent call last):\n",
        *(
            f'  File "{path}", line {line}, in {func}\n    {src}\n'
            for path, line, func, src in frames
        ),
        final + "\n",
    ]


def py_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    summary: str,
    frames: Sequence[tuple[str, int, str, str]],
    final: str,
    retry_recovers: bool = False,
    stdout: str = "",
    code: int = 1,
    executor_reason: str | None = None,
    path: tuple[str, ...] = ("export",),
    **extra: Any,
) -> FailureCase:
    """A py> task whose script raised: PyOperatorFactory's reason + `` (runtime)``."""
    head = f"Python command failed with code {code}"
    if executor_reason is not None:
        head += f"\nError messages from CommandExecutor: {executor_reason}"
    elements = py_traceback(frames, final)
    reason = f"{head}\nError messages from python: {summary}" + "".join(
        f"\n\tfrom {element}" for element in elements
    )
    printed = "".join(elements).rstrip("\n")
    return py_failure(
        key,
        title,
        path=path,
        config=config,
        reason=reason,
        printed="\n".join(part for part in (stdout, printed) if part),
        statuses=("provisioning", "pending", "running"),
        retry_recovers=retry_recovers,
        **extra,
    )


def py_failure(
    key: str,
    title: str,
    *,
    path: tuple[str, ...],
    config: dict[str, Any],
    reason: str,
    printed: str = "",
    statuses: Sequence[str] = ("provisioning",),
    **extra: Any,
) -> FailureCase:
    """A py> task failing with PyOperatorFactory's ``reason`` (`` (runtime)`` on a line
    of its own). Given whole, it may lack ``Error messages from python:``, as when the
    container never started."""
    message = reason if reason.endswith("\n") else reason + "\n"
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error={"message": f"{message} (runtime)", "stacktrace": stacktrace_of(PY_FRAMES)},
        log=log_lines(
            operator_line(config),
            *(raw_lines(f"Wait running a command task: status {status}") for status in statuses),
            raw_lines(printed) if printed else (),
            unexpected_entry(reason, "java.lang.RuntimeException", PY_FRAMES),
        ),
        **extra,
    )


def script(name: str) -> str:
    return f"{WORKSPACE}/scripts/{name}.py"


def hive_cmdout(sql: str, started: str, progress: str = "") -> str:
    text = f"started at {started}\nexecuting query: {sql}\n"
    return text + progress


def embulk_cmdout(plugin: str, started: str) -> str:
    return (
        f"{started}.230 +0000 [INFO] (0001:transaction): Loaded plugin {plugin}\n"
        f"{started}.877 +0000 [INFO] (0001:transaction): Using local thread executor with "
        "max_threads=4 / tasks=1\n"
        f"{started}.910 +0000 [INFO] (0001:transaction): {{done:  0 / 1, running: 0}}\n"
    )


def export_cmdout(sql: str, started: str, qid: str, target: str) -> str:
    block = progress_block(
        started.replace("T", " ").rstrip("Z"),
        "212M",
        qid,
        "00:00:04.551",
        "[0] output <- exchange <- remotesource[1]        FINISHED      4,213   611KB"
        "   134KB/s    1 /     1 ",
    )
    return presto_cmdout(sql, started, blocks=[block, "4213 rows.", f"writing result to {target}"])


TASK_LIMIT_FRAMES = (
    "io.digdag.core.workflow.TaskControl.checkTaskLimit(TaskControl.java:318)",
    "io.digdag.core.workflow.TaskControl.addGeneratedSubtasks(TaskControl.java:183)",
    "io.digdag.core.workflow.WorkflowExecutor.lambda$taskSucceeded$22(WorkflowExecutor.java:1203)",
    "io.digdag.core.database.DatabaseSessionStoreManager.lockTaskIfExists"
    "(DatabaseSessionStoreManager.java:671)",
    "io.digdag.core.workflow.WorkflowExecutor.taskSucceeded(WorkflowExecutor.java:1190)",
)


def config_frames(operator_frame: str) -> tuple[str, ...]:
    return (
        "io.digdag.client.config.Config.get(Config.java:211)",
        operator_frame,
        *AGENT_FRAMES,
    )


def config_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    message: str,
    operator_frame: str,
    retry_recovers: bool = False,
    path: tuple[str, ...],
) -> FailureCase:
    """A ConfigException: ``(config)`` in the error, ``Configuration error at task`` in the log."""
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error={
            "message": f"{message} (config)",
            "stacktrace": stacktrace_of(config_frames(operator_frame)),
        },
        log=log_lines(
            operator_line(config),
            log_entry(
                "ERROR", OPERATOR_MANAGER, f"Configuration error at task {TASK}: {message} (config)"
            ),
        ),
        retry_recovers=retry_recovers,
    )
