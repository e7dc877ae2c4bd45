"""Failure corpus: Trino error names, transient and not (docs/diagnosis-sources.md §Trino).

Error names and types come from ``io.trino.spi.StandardErrorCode``; the message
bodies from the Trino classes that raise them (QueryTracker, ExceededMemoryLimit-
Exception, ClusterSizeMonitor, InternalResourceGroup, HttpPageBufferClient). The
framings vary as TD's are unverified: ``NAME: msg``, ``Query <id> failed: msg``,
the Java exception, and pytd's ``TrinoQueryError(type=..., name=...)`` in py>.
"""

from __future__ import annotations

from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus_kit import RUNNER_CALL, py_case, script
from bot.sandbox.corpus_make import trino_job

_TRINO_SRC = "trinodb/trino core/trino-spi StandardErrorCode.java"
_BIG_JOIN = (
    "SELECT s.user_id, COUNT(DISTINCT e.session_id) AS sessions\n"
    "FROM events e\n"
    "JOIN sessions s ON e.session_id = s.session_id\n"
    "GROUP BY 1"
)
_PYTD_FRAMES = [
    RUNNER_CALL,
    (script("scores"), 31, "main", "df = client.query(SQL)['data']"),
    (
        "/usr/local/lib/python3.9/site-packages/trino/client.py",
        862,
        "process",
        'raise self._process_error(response["error"], response.get("id"))',
    ),
]


def _pytd_time_limit() -> FailureCase:
    error = (
        "TrinoQueryError(type=INSUFFICIENT_RESOURCES, name=EXCEEDED_TIME_LIMIT, "
        'message="Query exceeded the maximum execution time limit of 6.00h", '
        "query_id=20240601_000004_01177_k7hx2)"
    )
    return py_case(
        "trino_time_limit_typed_insufficient",
        "py> pytd query runs past Trino's 6h limit; the error type says INSUFFICIENT_RESOURCES",
        path=("score",),
        config={"py>": "scripts.scores.main", "database": "crm"},
        summary=f"{error} (TrinoQueryError)",
        frames=_PYTD_FRAMES,
        final=f"trino.exceptions.TrinoQueryError: {error}",
        source=f"{_TRINO_SRC} (EXCEEDED_TIME_LIMIT is of type INSUFFICIENT_RESOURCES); "
        "QueryTracker.enforceTimeLimits message; trino-python-client TrinoQueryError repr",
    )


def _cpu_limit() -> FailureCase:
    return trino_job(
        "trino_cpu_limit",
        "td> heavy aggregation stopped by the per-query CPU limit",
        _BIG_JOIN,
        "EXCEEDED_CPU_LIMIT: Exceeded CPU limit of 1.00d",
        started_at="2024-06-01T01:00:02Z",
        source=f"{_TRINO_SRC}; ExceededCpuLimitException ('Exceeded CPU limit of ' + limit)",
    )


def _global_memory() -> FailureCase:
    return trino_job(
        "trino_global_memory_limit",
        "td> distinct count over a year of events exceeds the distributed memory limit",
        _BIG_JOIN,
        "Query 20240601_010203_04455_k7hx2 failed: Query exceeded distributed user memory "
        "limit of 2TB",
        started_at="2024-06-01T01:02:03Z",
        source=f"{_TRINO_SRC} EXCEEDED_GLOBAL_MEMORY_LIMIT; "
        "ExceededMemoryLimitException.exceededGlobalUserLimit",
    )


def _local_memory_java() -> FailureCase:
    return trino_job(
        "trino_local_memory_java_framing",
        "td> join build side too large for one node (Java exception framing)",
        _BIG_JOIN,
        "io.trino.ExceededMemoryLimitException: Query exceeded per-node memory limit of 34GB "
        "[Allocated: 33.99GB, Delta: 12.02MB, Top Consumers: {HashBuilderOperator=30.16GB, "
        "ExchangeOperator=2.01GB}]\n"
        "\tat io.trino.ExceededMemoryLimitException.exceededLocalUserMemoryLimit"
        "(ExceededMemoryLimitException.java:40)",
        started_at="2024-06-01T01:10:00Z",
        source=f"{_TRINO_SRC} EXCEEDED_LOCAL_MEMORY_LIMIT; "
        "ExceededMemoryLimitException.exceededLocalUserMemoryLimit",
    )


def _remote_task_error() -> FailureCase:
    return trino_job(
        "trino_remote_task_error",
        "td> fails when a worker's task status call answers 500",
        "SELECT channel, SUM(amount) FROM orders GROUP BY 1",
        "REMOTE_TASK_ERROR: Expected response code from "
        "http://10.0.12.34:8080/v1/task/20240601_071502_00417_k7hx2.3.0.0/status to be 200, "
        "but was 500",
        started_at="2024-06-01T07:15:02Z",
        retry_recovers=True,
        source=f"{_TRINO_SRC} REMOTE_TASK_ERROR (INTERNAL_ERROR); the response-code wording "
        "follows Trino's HTTP task client, inferred",
    )


def _no_nodes() -> FailureCase:
    return trino_job(
        "trino_no_nodes_available",
        "td> submitted while the cluster had no schedulable workers",
        "SELECT COUNT(*) FROM pageviews WHERE TD_INTERVAL(time, '-1d')",
        "NO_NODES_AVAILABLE: No nodes available to run query",
        started_at="2024-06-01T03:00:00Z",
        retry_recovers=True,
        source=f"{_TRINO_SRC} NO_NODES_AVAILABLE; NodeScheduler 'No nodes available to run query'",
    )


def _insufficient_workers() -> FailureCase:
    return trino_job(
        "trino_insufficient_workers",
        "td> waited for workers that never became active",
        "SELECT COUNT(*) FROM pageviews WHERE TD_INTERVAL(time, '-1d')",
        "Query 20240601_030500_00012_k7hx2 failed: Insufficient active worker nodes. Waited "
        "5.00m for at least 1 workers, but only 0 workers are active",
        started_at="2024-06-01T03:05:00Z",
        retry_recovers=True,
        source=f"{_TRINO_SRC} GENERIC_INSUFFICIENT_RESOURCES; ClusterSizeMonitor message",
    )


def _queue_full() -> FailureCase:
    return trino_job(
        "trino_query_queue_full",
        "td> rejected: the resource group's queue was full during a backfill",
        "SELECT COUNT(*) FROM pageviews WHERE TD_INTERVAL(time, '-1d')",
        'QUERY_QUEUE_FULL: Too many queued queries for "global.adhoc"',
        started_at="2024-06-01T03:10:00Z",
        retry_recovers=True,
        source=f"{_TRINO_SRC} QUERY_QUEUE_FULL; InternalResourceGroup 'Too many queued queries'",
    )


def _page_transport_timeout() -> FailureCase:
    return trino_job(
        "trino_page_transport_timeout",
        "td> loses a worker mid-exchange; Trino's own text says to retry",
        _BIG_JOIN,
        "PAGE_TRANSPORT_TIMEOUT: Encountered too many errors talking to a worker node. The node "
        "may have crashed or be under too much load. This is probably a transient issue, so "
        "please retry your query in a few minutes. (http://10.0.7.21:8080/v1/task/"
        "20240601_041100_00931_k7hx2.2.0.0/results/0/118 - 49 failures, failure duration "
        "302.71s, total failed request time 312.44s)",
        started_at="2024-06-01T04:11:00Z",
        retry_recovers=True,
        source=f"{_TRINO_SRC} PAGE_TRANSPORT_TIMEOUT; HttpPageBufferClient worker-node message",
    )


def _subquery_rows() -> FailureCase:
    return trino_job(
        "trino_subquery_multiple_rows",
        "td> scalar subquery meets a duplicated FX rate row",
        "SELECT o.order_id,\n"
        "       o.amount * (SELECT rate FROM fx WHERE fx.day = o.day) AS amount_usd\n"
        "FROM orders o",
        "SUBQUERY_MULTIPLE_ROWS: Scalar sub-query has returned multiple rows",
        started_at="2024-06-01T04:30:00Z",
        source=f"{_TRINO_SRC} SUBQUERY_MULTIPLE_ROWS (USER_ERROR)",
    )


TRINO_CODE_CASES: tuple[FailureCase, ...] = (
    _pytd_time_limit(),
    _cpu_limit(),
    _global_memory(),
    _local_memory_java(),
    _remote_task_error(),
    _no_nodes(),
    _insufficient_workers(),
    _queue_full(),
    _page_transport_timeout(),
    _subquery_rows(),
)
