"""Short builders for the newer corpus modules: one call per scenario.

They follow the same Digdag mechanics as ``corpus_kit`` (a TaskExecutionException
logs ``Task <name> failed.`` with the bare message; any other exception logs
``Task failed with unexpected error:`` and its message gets the class words,
e.g. `` (runtime)``, `` (config)``, `` (polling timeout)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    hive_cmdout,
    hive_started,
    presto_cmdout,
    presto_started,
    submitted,
    td_job_case,
)
from bot.sandbox.corpus_log import (
    AGENT_FRAMES,
    failed_entry,
    log_lines,
    operator_line,
    stacktrace_of,
    unexpected_entry,
)


def trino_job(
    key: str,
    title: str,
    body: str,
    stderr: str | None,
    *,
    started_at: str,
    config: dict[str, Any] | None = None,
    database: str = "analytics",
    cmdout_tail: Sequence[str] = (),
    **extra: Any,
) -> FailureCase:
    """A td> (or td_wait>) task whose Trino job failed with ``stderr``."""
    sql = submitted(body)
    config = config or {"td>": f"queries/{key}.sql", "database": database}
    return td_job_case(
        key,
        title,
        config=config,
        job=JobSpec(
            "presto",
            "error",
            sql,
            database,
            presto_cmdout(sql, started_at, blocks=cmdout_tail),
            stderr,
        ),
        started=presto_started(sql),
        **extra,
    )


def hive_job(
    key: str,
    title: str,
    body: str,
    stderr: str,
    *,
    started_at: str,
    progress: str = "",
    database: str = "analytics",
    **extra: Any,
) -> FailureCase:
    """A td> task on ``engine: hive`` whose Hive-on-Tez job failed with ``stderr``."""
    sql = submitted(body)
    return td_job_case(
        key,
        title,
        config={"td>": f"queries/{key}.sql", "database": database, "engine": "hive"},
        job=JobSpec("hive", "error", sql, database, hive_cmdout(sql, started_at, progress), stderr),
        started=hive_started(sql),
        **extra,
    )


def task_failure(
    key: str,
    title: str,
    *,
    path: tuple[str, ...],
    config: dict[str, Any],
    message: str,
    words: str | None = None,
    java_class: str = "java.lang.RuntimeException",
    frames: Sequence[str] = AGENT_FRAMES,
    before: Sequence[str] = (),
    **extra: Any,
) -> FailureCase:
    """A task failing in its operator. ``words`` set: an unexpected exception whose
    class words Digdag appends (`` (config)``); unset: a TaskExecutionException."""
    if words is None:
        error: dict[str, Any] = {"message": message}
        failure = failed_entry(message)
    else:
        error = {"message": f"{message} ({words})", "stacktrace": stacktrace_of(frames)}
        failure = unexpected_entry(message, java_class, frames)
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error=error,
        log=log_lines(operator_line(config), before, failure),
        **extra,
    )
