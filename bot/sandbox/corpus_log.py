"""Building blocks of the failure corpus: Digdag log lines, Java frames, stack traces."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

# The placeholders the sandbox fills in; anything else in braces is literal text.
PLACEHOLDERS = ("{job_id}", "{attempt_id}", "{session_id}", "{task}", "{project}", "{workflow}")
JOB = "{job_id}"
TASK = "{task}"

# ---------------------------------------------------------------------------
# Log-line and stack-trace building blocks
# ---------------------------------------------------------------------------

OPERATOR_MANAGER = "io.digdag.core.agent.OperatorManager"
TD_OPERATOR = "io.digdag.standards.operator.td.TdOperatorFactory$TdOperator"
TD_LOAD_OPERATOR = "io.digdag.standards.operator.td.TdLoadOperatorFactory$TdLoadOperator"
TD_RUN_OPERATOR = "io.digdag.standards.operator.td.TdRunOperatorFactory$TdRunOperator"
HTTP_OPERATOR = "io.digdag.standards.operator.HttpOperatorFactory$HttpOperator"
TD_ERROR_HANDLER = "com.treasuredata.client.TDRequestErrorHandler"

# Frames below the operator, shared by every operator run on the agent.
AGENT_FRAMES = (
    "io.digdag.util.BaseOperator.run(BaseOperator.java:35)",
    "io.digdag.core.agent.OperatorManager.callExecutor(OperatorManager.java:399)",
    "io.digdag.core.agent.OperatorManager.runWithWorkspace(OperatorManager.java:308)",
    "io.digdag.core.agent.OperatorManager.lambda$runWithHeartbeat$2(OperatorManager.java:152)",
    "io.digdag.core.agent.LocalWorkspaceManager.withExtractedArchive(LocalWorkspaceManager.java:25)",
    "io.digdag.core.agent.OperatorManager.runWithHeartbeat(OperatorManager.java:150)",
    "io.digdag.core.agent.OperatorManager.run(OperatorManager.java:133)",
    "io.digdag.core.agent.MultiThreadAgent.lambda$null$0(MultiThreadAgent.java:132)",
    "java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:511)",
    "java.util.concurrent.FutureTask.run(FutureTask.java:266)",
    "java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1149)",
    "java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:624)",
    "java.lang.Thread.run(Thread.java:748)",
)
TD_RUN_JOB_FRAMES = (
    "io.digdag.standards.operator.td.TDOperator.runJob(TDOperator.java:303)",
    "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:82)",
    "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:57)",
    *AGENT_FRAMES,
)
TD_CHECK_STATUS = (
    "io.digdag.standards.operator.td.TDJobOperator.checkStatus(TDJobOperator.java:122)"
)
TD_ENSURE_RUNNING = (
    "io.digdag.standards.operator.td.TDJobOperator.ensureRunningOrSucceeded(TDJobOperator.java:60)"
)
# The TDJobException's own frames: what error.stacktrace holds for a failed job.
TD_JOB_EXCEPTION_FRAMES = (TD_ENSURE_RUNNING, TD_CHECK_STATUS, *TD_RUN_JOB_FRAMES)
TD_CLIENT_FRAMES = (
    "com.treasuredata.client.TDRequestErrorHandler.clientError(TDRequestErrorHandler.java:224)",
    "com.treasuredata.client.TDRequestErrorHandler.resolveHttpResponseException"
    "(TDRequestErrorHandler.java:156)",
    "com.treasuredata.client.TDHttpClient.submitRequest(TDHttpClient.java:412)",
    "com.treasuredata.client.TDHttpClient.call(TDHttpClient.java:505)",
    "com.treasuredata.client.TDClient.doPost(TDClient.java:221)",
)
PY_FRAMES = (
    "io.digdag.standards.operator.PyOperatorFactory$PyOperator.runCode(PyOperatorFactory.java:175)",
    "io.digdag.standards.operator.PyOperatorFactory$PyOperator.runTask(PyOperatorFactory.java:86)",
    *AGENT_FRAMES,
)
SH_FRAMES = (
    "io.digdag.standards.operator.ShOperatorFactory$ShOperator.runCode(ShOperatorFactory.java:162)",
    "io.digdag.standards.operator.ShOperatorFactory$ShOperator.runTask(ShOperatorFactory.java:91)",
    *AGENT_FRAMES,
)


def log_entry(level: str, cls: str, message: str) -> tuple[str, ...]:
    """One logged message; its extra lines become continuation lines."""
    first, *rest = message.split("\n")
    return (f"{level}|{cls}|{first}", *(f"|{line}" for line in rest))


def raw_lines(text: str) -> tuple[str, ...]:
    """Unprefixed output (py>/sh> stdout) between logged messages."""
    return tuple(f"|{line}" for line in text.split("\n"))


def log_lines(*parts: Iterable[str]) -> tuple[str, ...]:
    return tuple(line for part in parts for line in part)


def java_trace(
    head: str, frames: Sequence[str], cause: tuple[str, Sequence[str], int] | None = None
) -> str:
    """A Throwable as logback prints it; ``cause`` is (header, own frames, frames in common)."""
    lines = [head, *(f"\tat {frame}" for frame in frames)]
    if cause is not None:
        cause_head, cause_frames, common = cause
        lines.append(f"Caused by: {cause_head}")
        lines.extend(f"\tat {frame}" for frame in cause_frames)
        lines.append(f"\t... {common} common frames omitted")
    return "\n".join(lines)


def stacktrace_of(frames: Sequence[str]) -> str:
    """The ``error.stacktrace`` value: StackTraceElement strings joined by ", "."""
    return ", ".join(frames)


def operator_line(config: dict[str, Any]) -> tuple[str, ...]:
    """The ``td>: queries/x.sql`` line OperatorManager logs when a task starts."""
    operator = next(key for key in config if key.endswith(">"))
    command = config[operator]
    if not isinstance(command, str):
        command = json.dumps(command, separators=(",", ":"))
    return log_entry("INFO", OPERATOR_MANAGER, f"{operator}: {command}")


def failed_entry(message: str) -> tuple[str, ...]:
    """The log of a TaskExecutionException: ``Task +wf+t failed.`` then the message."""
    return log_entry("ERROR", OPERATOR_MANAGER, f"Task {TASK} failed.\n{message}")


def unexpected_entry(message: str, java_class: str, frames: Sequence[str]) -> tuple[str, ...]:
    """The log of any other RuntimeException: message, then the Java stack trace."""
    return log_entry(
        "ERROR",
        OPERATOR_MANAGER,
        f"Task failed with unexpected error: {message}\n"
        + java_trace(f"{java_class}: {message}", frames),
    )
