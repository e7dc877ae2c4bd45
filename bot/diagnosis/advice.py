"""What to tell the on-call engineer: which retry helps, and what to look at first.

The retry note matters most for TD-job operators: a task-level ``_retry`` keeps the
failed job id in its state and re-polls that same job, so it never re-runs the
query (failures.md 1.3). Only ``job_retry:``, a parent group's ``_retry`` or an
attempt-level retry submit a new job.
"""

from __future__ import annotations

from bot.diagnosis.categories import Category, RetryAdvice
from bot.diagnosis.model import SqlLineHint, Upstream
from bot.diagnosis.operators import TD_JOB_OPERATORS

_RETRY_FAILED = "an attempt-level 'retry failed'"


def retry_note(
    category: Category,
    retry: RetryAdvice,
    *,
    operator: str | None,
    job_id: str | None,
    retry_count: int | None,
) -> str:
    if operator is None:  # a TD job on its own, or a group: no task-level retry applies
        return _when(category, retry)
    parts: list[str] = []
    td_job = operator in TD_JOB_OPERATORS
    if td_job and retry_count:
        which = f"job {job_id}" if job_id else "the same failed job"
        parts.append(
            f"The task's _retry ran {retry_count} time(s) but only re-polled {which}, "
            "so the query never re-ran."
        )
    parts.append(_when(category, retry))
    if retry is not RetryAdvice.NO and td_job:
        which = f"job {job_id}" if job_id else "the failed TD job"
        parts.append(
            f"A task-level _retry would only re-poll {which}; to run it again use "
            f"job_retry: on the task, a _retry on its parent group, or {_RETRY_FAILED}."
        )
    elif retry is not RetryAdvice.NO:
        parts.append(f"{_RETRY_FAILED.capitalize()} re-runs only the tasks that did not succeed.")
    return " ".join(parts)


def _when(category: Category, retry: RetryAdvice) -> str:
    if category is Category.KILLED_BY_TIMEOUT:
        return "TD's time limit canceled it: retry once what it waited for is ready."
    if category in (Category.KILLED_BY_PERSON, Category.JOB_KILLED):
        return "Retry only if the kill was not intended."
    return {
        RetryAdvice.YES: "Transient: retrying as it is is likely to work.",
        RetryAdvice.NO: "A plain retry fails the same way: fix the cause first.",
        RetryAdvice.AFTER_FIX: "Retry after fixing the cause.",
        RetryAdvice.AFTER_UPSTREAM: "Retry once the upstream data or dependency is there.",
        RetryAdvice.DEPENDS: "Retry if the cause was passing; otherwise fix it first.",
    }[retry]


_NEXT_STEP = {
    Category.SQL_SYNTAX: "Fix the SQL statement at the position the error names.",
    Category.MISSING_TABLE: (
        "Check the database/table name; if an upstream job creates the table, check that it ran."
    ),
    Category.MISSING_COLUMN: (
        "If the SQL did not change since the last good run, the upstream table's schema "
        "changed (a column renamed or dropped)."
    ),
    Category.PERMISSION: (
        "Check the database permissions of the user the workflow runs as (often whoever "
        "last pushed the project)."
    ),
    Category.MEMORY_LIMIT: (
        "Reduce the data per query: narrow TD_TIME_RANGE, use approx_* functions or split "
        "the query; for Trino, engine: hive can handle larger aggregations."
    ),
    Category.TIME_LIMIT: "Scan less per query (narrower time range) or split the query.",
    Category.DATA_ERROR: (
        "A row broke the query's assumptions: guard it (NULLIF, TRY, try_cast) or fix the data."
    ),
    Category.EXPORT_FAILURE: (
        "Check that the export target is reachable and its credentials and permissions."
    ),
    Category.IMPORT_FAILURE: "Check the source system, its credentials and the connector config.",
    Category.PYTHON_EXCEPTION: (
        "Read the Python traceback; check the _env variables and secrets the script expects."
    ),
    Category.SHELL_EXIT: "Read the command's output in the task log (sh>/rb> do not run on TD).",
    Category.HTTP_ERROR: "Check the URL, the credentials and the remote service's status.",
    Category.UPSTREAM_WAIT: "Look at the workflow or data this task waited for.",
    Category.KILLED_BY_PERSON: "Ask who killed it before re-running.",
    Category.KILLED_BY_TIMEOUT: (
        "Find why the waited-for condition never came true (TD cancels tasks after 24 h "
        "and attempts after 7 days)."
    ),
    Category.JOB_KILLED: "Someone killed the TD job outside the workflow: ask before re-running.",
    Category.ATTEMPT_LIMIT: "Generate fewer tasks (batch the loop): TD allows 1,000 per attempt.",
    Category.CONCURRENCY_LIMIT: (
        "Look at what else is running in the account (many retries or a backfill); retry "
        "once running attempts drain, or spread the schedules."
    ),
    Category.SLA_MISSED: (
        "Look at the slow task named below: did it finish after the deadline, and why did it "
        "take longer than usual?"
    ),
    Category.CONNECTION_FAILURE: (
        "Check that the host is up and reachable from TD (allow-listed IPs, DNS, port)."
    ),
    Category.TRANSIENT_PLATFORM: "A TD-side condition: retry; contact TD support if it repeats.",
    Category.CONFIG_ERROR: (
        "Fix the parameter, secret or definition named in the error, push the project, then retry."
    ),
    Category.UNKNOWN: "No known failure pattern matched: read the evidence below.",
}


def next_step(
    category: Category,
    *,
    operator: str | None,
    sql_line_hint: SqlLineHint | None,
    upstream: Upstream | None,
) -> str:
    if category is Category.UPSTREAM_WAIT and upstream is not None:
        return (
            f"Diagnose the upstream attempt {upstream.attempt_id} "
            f"(session {upstream.session_id}): it failed first."
        )
    if operator == "fail>":
        return (
            "The workflow's own check failed on purpose: look at the task that produced "
            "its input (its job and row count)."
        )
    text = _NEXT_STEP[category]
    if sql_line_hint is not None:
        hint = sql_line_hint
        text += (
            f" In the .sql file that is line {hint.user_line} (the error says line "
            f"{hint.reported_line}; td> puts {hint.header_lines} lines before the query)."
        )
    if operator == "py>" and category in (
        Category.SQL_SYNTAX,
        Category.MISSING_TABLE,
        Category.MISSING_COLUMN,
        Category.DATA_ERROR,
    ):
        text = "The query runs inside the py> script. " + text
    return text
