"""Failure corpus: td> on Hive, and TD REST API errors at submission."""

from __future__ import annotations

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    at,
    hive_cmdout,
    hive_started,
    submitted,
    td_api_case,
    td_job_case,
)

# ---------------------------------------------------------------------------
# B. td> on Hive
# ---------------------------------------------------------------------------


def _hive_table_not_found() -> FailureCase:
    body = (
        "SELECT o.order_id, o.amount, s.carrier\n"
        "FROM orders o\n"
        "JOIN shipments_20240601 s ON s.order_id = o.order_id\n"
        "WHERE TD_TIME_RANGE(o.time, '2024-06-01', '2024-06-02')"
    )
    sql = submitted(body, prefix="INSERT OVERWRITE TABLE `order_shipments`\n")
    return td_job_case(
        "hive_table_not_found",
        "td> Hive: the day's shipments table does not exist yet",
        config={
            "td>": "queries/order_shipments.sql",
            "database": "logistics",
            "engine": "hive",
            "insert_into": "order_shipments",
        },
        job=JobSpec(
            "hive",
            "error",
            sql,
            "logistics",
            hive_cmdout(sql, "2024-06-01T06:00:11Z"),
            f"FAILED: SemanticException [Error 10001]: Line "
            f"{at(sql, 'shipments_20240601', base=0)} Table not found 'shipments_20240601'",
        ),
        started=hive_started(sql),
        retry_recovers=True,
    )


def _hive_tez_oom() -> FailureCase:
    body = (
        "SELECT user_id, collect_list(item_id) AS items\n"
        "FROM purchases\n"
        "WHERE TD_TIME_RANGE(time, '2023-06-01', '2024-06-01')\n"
        "GROUP BY user_id"
    )
    sql = submitted(body, header=3)
    app = "1717200000000_123456"
    progress = (
        "Query ID = td_20240601020210_5f0c1e7a-3b1d-4a7e-9d2f-1c2b3a4d5e6f\n"
        "Total jobs = 1\n"
        "Launching Job 1 out of 1\n"
        f"Status: Running (Executing on YARN cluster with App id application_{app})\n"
        + "-"
        * 94
        + "\n        VERTICES      MODE        STATUS  TOTAL  COMPLETED  RUNNING  PENDING  FAILED"
        "  KILLED  \n"
        + "-"
        * 94
        + "\nMap 1 .......... container     SUCCEEDED    120        120        0        0"
        "       0       0  \n"
        "Reducer 2        container       RUNNING     16          9        7        0"
        "       3       0  \n"
    )
    vertex = f"vertex_{app}_1_01"
    stderr = (
        "Status: Failed\n"
        f"Vertex failed, vertexName=Reducer 2, vertexId={vertex}, diagnostics=[Task failed, "
        f"taskId=task_{app}_1_01_000003, diagnostics=[TaskAttempt 0 failed, info=[Error: "
        "Failure while running task:java.lang.RuntimeException: java.lang.OutOfMemoryError: "
        "Java heap space\n"
        "\tat org.apache.hadoop.hive.ql.exec.tez.TezProcessor.initializeAndRunProcessor"
        "(TezProcessor.java:296)\n"
        "\tat org.apache.hadoop.hive.ql.exec.tez.TezProcessor.run(TezProcessor.java:250)\n"
        "\tat org.apache.tez.runtime.LogicalIOProcessorRuntimeTask.run"
        "(LogicalIOProcessorRuntimeTask.java:374)\n"
        "Caused by: java.lang.OutOfMemoryError: Java heap space\n"
        "\tat java.util.Arrays.copyOf(Arrays.java:3236)\n"
        "\tat org.apache.hadoop.hive.ql.udf.generic.GenericUDAFMkCollectionEvaluator.iterate"
        "(GenericUDAFMkCollectionEvaluator.java:118)\n"
        "]], Vertex did not succeed due to OWN_TASK_FAILURE, failedTasks:1 killedTasks:6, "
        f"Vertex {vertex} [Reducer 2] killed/failed due to:OWN_TASK_FAILURE]\n"
        "DAG did not succeed due to VERTEX_FAILURE. failedVertices:1 killedVertices:0\n"
        "FAILED: Execution Error, return code 2 from org.apache.hadoop.hive.ql.exec.tez.TezTask. "
        f"Vertex failed, vertexName=Reducer 2, vertexId={vertex}, diagnostics=[Task failed, "
        f"taskId=task_{app}_1_01_000003, diagnostics=[TaskAttempt 0 failed]]"
    )
    return td_job_case(
        "hive_tez_oom",
        "td> Hive on Tez: reducer runs out of heap on a year-long collect_list",
        config={"td>": "queries/baskets.sql", "database": "shop", "engine": "hive"},
        job=JobSpec(
            "hive",
            "error",
            sql,
            "shop",
            hive_cmdout(sql, "2024-06-01T02:02:10Z", progress),
            stderr,
        ),
        started=hive_started(sql),
        polls=220,
        task_runs_hours=1.6,
        retry_recovers=False,
    )


def _hive_parse_exception() -> FailureCase:
    body = (
        "SELECT code, count(1) AS hits,\n"
        "FROM access_log\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY code"
    )
    sql = submitted(body, header=3)
    return td_job_case(
        "hive_parse_exception",
        "td> Hive parse error (trailing comma), job id only in the log",
        config={"td>": "queries/status_codes.sql", "database": "web", "engine": "hive"},
        job=JobSpec(
            "hive",
            "error",
            sql,
            "web",
            hive_cmdout(sql, "2024-06-01T07:00:02Z"),
            f"FAILED: ParseException line {at(sql, 'FROM access_log', base=0)} cannot recognize "
            "input near 'FROM' 'access_log' 'WHERE' in select clause",
            id_in=("log",),
        ),
        started=hive_started(sql),
        retry_recovers=False,
    )


# ---------------------------------------------------------------------------
# C. TD REST API errors at submission (no job)
# ---------------------------------------------------------------------------


def _td_submit_forbidden() -> FailureCase:
    return td_api_case(
        "td_submit_forbidden",
        "td> job submission refused: the run-as user has no access to the database",
        config={"td>": "queries/finance_rollup.sql", "database": "finance"},
        api_error="[CLIENT_ERROR] [403:Forbidden] API request to /v3/job/issue/presto/finance "
        "has failed: Access denied for database finance",
        class_words="td client http",
        retry_recovers=False,
    )


def _td_unknown_pool() -> FailureCase:
    return td_api_case(
        "td_unknown_pool",
        "td> names a Presto resource pool that does not exist",
        config={"td>": "queries/heavy.sql", "database": "sales", "presto_pool_name": "etl_large"},
        api_error="[CLIENT_ERROR] [400:Bad Request] API request to /v3/job/issue/presto/sales "
        "has failed: Presto resource pool with name 'etl_large' does not exist",
        class_words="td client http",
        warn=False,
        retry_recovers=False,
    )


def _td_database_not_found() -> FailureCase:
    return td_api_case(
        "td_database_not_found",
        "td> runs against a staging database that is not there",
        config={"td>": "queries/stage.sql", "database": "sales_stg", "engine": "hive"},
        api_error="[TARGET_NOT_FOUND] [404:Not Found] API request to /v3/job/issue/hive/sales_stg "
        "has failed: Couldn't find UserDatabase with name = sales_stg",
        class_words="td client http not found",
        retry_recovers=True,
    )


HIVE_API_CASES: tuple[FailureCase, ...] = (
    _hive_table_not_found(),
    _hive_tez_oom(),
    _hive_parse_exception(),
    _td_submit_forbidden(),
    _td_unknown_pool(),
    _td_database_not_found(),
)
