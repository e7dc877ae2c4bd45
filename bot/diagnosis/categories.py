"""The failure catalogue: what kind of failure, and whether a plain retry helps."""

from __future__ import annotations

from enum import StrEnum


class RetryAdvice(StrEnum):
    YES = "yes"  # transient: retrying as-is is likely to work
    NO = "no"  # the same inputs fail the same way
    AFTER_FIX = "after_fix"  # retry once code, config or permissions change
    AFTER_UPSTREAM = "after_upstream"  # retry once data or a dependency is there
    DEPENDS = "depends"  # the evidence does not decide; a person must look

    @property
    def label(self) -> str:
        return {
            RetryAdvice.YES: "a retry is likely to help",
            RetryAdvice.NO: "a plain retry will fail the same way",
            RetryAdvice.AFTER_FIX: "retry only after fixing the cause",
            RetryAdvice.AFTER_UPSTREAM: "retry once the upstream data or dependency is ready",
            RetryAdvice.DEPENDS: "a retry may or may not help",
        }[self]


class Category(StrEnum):
    SQL_SYNTAX = "sql_syntax"
    MISSING_TABLE = "missing_table"
    MISSING_COLUMN = "missing_column"
    PERMISSION = "permission"
    MEMORY_LIMIT = "memory_limit"
    TIME_LIMIT = "time_limit"
    DATA_ERROR = "data_error"
    EXPORT_FAILURE = "export_failure"
    IMPORT_FAILURE = "import_failure"
    PYTHON_EXCEPTION = "python_exception"
    SHELL_EXIT = "shell_exit"
    HTTP_ERROR = "http_error"
    UPSTREAM_WAIT = "upstream_wait"
    KILLED_BY_PERSON = "killed_by_person"
    KILLED_BY_TIMEOUT = "killed_by_timeout"
    JOB_KILLED = "job_killed"
    ATTEMPT_LIMIT = "attempt_limit"
    CONCURRENCY_LIMIT = "concurrency_limit"
    SLA_MISSED = "sla_missed"
    CONNECTION_FAILURE = "connection_failure"
    TRANSIENT_PLATFORM = "transient_platform"
    CONFIG_ERROR = "config_error"
    UNKNOWN = "unknown"

    @property
    def title(self) -> str:  # type: ignore[override]  # deliberately shadows str.title
        return _TITLES[self]

    @property
    def default_retry(self) -> RetryAdvice:
        return _DEFAULT_RETRY[self]


_TITLES = {
    Category.SQL_SYNTAX: "SQL syntax or type error",
    Category.MISSING_TABLE: "Missing table or database",
    Category.MISSING_COLUMN: "Missing column",
    Category.PERMISSION: "Permission or authentication",
    Category.MEMORY_LIMIT: "Query memory limit",
    Category.TIME_LIMIT: "Query or task time limit",
    Category.DATA_ERROR: "Data error",
    Category.EXPORT_FAILURE: "Result export failure",
    Category.IMPORT_FAILURE: "Data import failure",
    Category.PYTHON_EXCEPTION: "Python exception",
    Category.SHELL_EXIT: "Shell command exit code",
    Category.HTTP_ERROR: "HTTP error",
    Category.UPSTREAM_WAIT: "Upstream dependency",
    Category.KILLED_BY_PERSON: "Killed by a person or API call",
    Category.KILLED_BY_TIMEOUT: "Killed by TD's time limit",
    Category.JOB_KILLED: "TD job killed",
    Category.ATTEMPT_LIMIT: "Task or attempt limit",
    Category.CONCURRENCY_LIMIT: "Too many attempts running",
    Category.SLA_MISSED: "Workflow SLA missed",
    Category.CONNECTION_FAILURE: "Remote system unreachable",
    Category.TRANSIENT_PLATFORM: "Transient TD platform error",
    Category.CONFIG_ERROR: "Workflow configuration error",
    Category.UNKNOWN: "Unclassified failure",
}

_DEFAULT_RETRY = {
    Category.SQL_SYNTAX: RetryAdvice.NO,
    Category.MISSING_TABLE: RetryAdvice.AFTER_UPSTREAM,
    Category.MISSING_COLUMN: RetryAdvice.NO,
    Category.PERMISSION: RetryAdvice.AFTER_FIX,
    Category.MEMORY_LIMIT: RetryAdvice.NO,
    Category.TIME_LIMIT: RetryAdvice.NO,
    Category.DATA_ERROR: RetryAdvice.NO,
    Category.EXPORT_FAILURE: RetryAdvice.DEPENDS,
    Category.IMPORT_FAILURE: RetryAdvice.DEPENDS,
    Category.PYTHON_EXCEPTION: RetryAdvice.NO,
    Category.SHELL_EXIT: RetryAdvice.NO,
    Category.HTTP_ERROR: RetryAdvice.AFTER_FIX,
    Category.UPSTREAM_WAIT: RetryAdvice.AFTER_UPSTREAM,
    Category.KILLED_BY_PERSON: RetryAdvice.YES,
    Category.KILLED_BY_TIMEOUT: RetryAdvice.AFTER_UPSTREAM,
    Category.JOB_KILLED: RetryAdvice.YES,
    Category.ATTEMPT_LIMIT: RetryAdvice.NO,
    Category.CONCURRENCY_LIMIT: RetryAdvice.YES,
    Category.SLA_MISSED: RetryAdvice.DEPENDS,
    Category.CONNECTION_FAILURE: RetryAdvice.DEPENDS,
    Category.TRANSIENT_PLATFORM: RetryAdvice.YES,
    Category.CONFIG_ERROR: RetryAdvice.AFTER_FIX,
    Category.UNKNOWN: RetryAdvice.DEPENDS,
}
