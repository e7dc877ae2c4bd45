"""Failure corpus: td> on Trino: the query ran and failed, or was stopped."""

from __future__ import annotations

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    TRINO_POOL_FRAMES,
    at,
    presto_cmdout,
    presto_started,
    progress_block,
    submitted,
    td_job_case,
    trino_frames,
)


def _presto_node_memory_limit() -> FailureCase:
    body = (
        "SELECT user_id, session_id, ARRAY_AGG(url ORDER BY time) AS path\n"
        "FROM pageviews\n"
        "WHERE TD_TIME_RANGE(time, '2024-05-01', '2024-06-01', 'JST')\n"
        "GROUP BY user_id, session_id"
    )
    sql = submitted(body, prefix='DROP TABLE IF EXISTS "paths";\nCREATE TABLE "paths" AS\n')
    qid = "20240601_020022_04570_k7hx2"
    blocks = [
        progress_block(
            "2024-06-01 02:03:41",
            "8.41G",
            qid,
            "00:03:19.004",
            "[0] output <- tablefinish <- exchange <- remotesource[1] RUNNING           0     0B"
            "      0B/s    0 /     1 ",
            " [1] tablewriter <- aggregation <- exchange <- remotesource[2] RUNNING   211,004,117"
            " 10.9GB  55.2MB/s   98 /   512 ",
            "  [2] aggregation <- scanfilterproject <- tablescan[*] FullScan RUNNING 702,551,020"
            " 38.8GB 199MB/s 1,522 / 5,120 ",
        ),
        progress_block(
            "2024-06-01 02:07:41",
            "19.8G",
            qid,
            "00:07:19.220",
            "[0] output <- tablefinish <- exchange <- remotesource[1] RUNNING           0     0B"
            "      0B/s    0 /     1 ",
            " [1] tablewriter <- aggregation <- exchange <- remotesource[2] FAILED   812,345,112"
            " 41.2GB  96.1MB/s  211 /   512 ",
            "  [2] aggregation <- scanfilterproject <- tablescan[*] FullScan RUNNING 1,602,223,980"
            " 88.4GB 201MB/s 3,411 / 5,120 ",
        ),
    ]
    stderr = (
        f"Query {qid} failed: Query exceeded per-node memory limit of 20GB [Allocated: 19.99GB, "
        "Delta: 1.45MB, Top Consumers: {HashAggregationOperator=15.02GB, "
        "ExchangeOperator=3.12GB, TableWriterOperator=820.31MB}]"
    )
    return td_job_case(
        "presto_node_memory_limit",
        "td> Trino per-node memory limit on a month-wide ARRAY_AGG",
        config={"td>": "queries/paths.sql", "database": "web", "create_table": "paths"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "web",
            presto_cmdout(sql, "2024-06-01T02:00:22Z", blocks=blocks, newline=True),
            stderr,
        ),
        started=presto_started(sql),
        polls=41,
        task_runs_hours=0.13,
        retry_recovers=False,
    )


def _presto_cluster_out_of_memory() -> FailureCase:
    body = (
        "SELECT campaign_id, COUNT(*) AS clicks\n"
        "FROM ad_clicks\n"
        "WHERE TD_INTERVAL(time, '-1d', 'JST')\n"
        "GROUP BY campaign_id"
    )
    sql = submitted(body)
    qid = "20240601_020044_04590_k7hx2"
    blocks = [
        progress_block(
            "2024-06-01 02:01:12",
            "1.02G",
            qid,
            "00:00:27.881",
            "[0] output <- exchange <- remotesource[1]           RUNNING           0     0B"
            "      0B/s    0 /     1 ",
            " [1] aggregation <- scanfilterproject <- tablescan[*] RUNNING   48,100,220  2.1GB"
            "  77.4MB/s  180 /   640 ",
        )
    ]
    stderr = (
        "io.trino.spi.TrinoException: Query killed because the cluster is out of memory. "
        "Please try again in a few minutes.\n"
        + trino_frames(
            "io.trino.memory.ClusterMemoryManager.callOomKiller(ClusterMemoryManager.java:246)",
            "io.trino.memory.ClusterMemoryManager.process(ClusterMemoryManager.java:190)",
            "io.trino.execution.SqlQueryManager.enforceMemoryLimits(SqlQueryManager.java:307)",
            "io.trino.execution.SqlQueryManager.lambda$start$0(SqlQueryManager.java:153)",
            *TRINO_POOL_FRAMES,
        )
    )
    return td_job_case(
        "presto_cluster_out_of_memory",
        "td> Trino query picked by the cluster OOM killer (transient)",
        config={"td>": "queries/clicks.sql", "database": "ads"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "ads",
            presto_cmdout(sql, "2024-06-01T02:00:44Z", blocks=blocks),
            stderr,
        ),
        started=presto_started(sql),
        polls=6,
        retry_recovers=True,
    )


def _presto_time_limit() -> FailureCase:
    body = (
        "SELECT a.user_id, b.user_id AS peer, COUNT(*) AS shared\n"
        "FROM follows a\n"
        "JOIN follows b ON a.target_id = b.target_id AND a.user_id < b.user_id\n"
        "GROUP BY 1, 2"
    )
    sql = submitted(body)
    qid = "20240531_200001_90311_k7hx2"
    blocks = [
        progress_block(
            stamp,
            "14.2G",
            qid,
            elapsed,
            "[0] output <- exchange <- remotesource[1]               RUNNING           0     0B"
            "      0B/s    0 /     1 ",
            f" [1] aggregation <- innerjoin <- exchange <- remotesource[2] RUNNING {rows}"
            f" 1.1TB  52.0MB/s {done} / 2,048 ",
        )
        for stamp, elapsed, rows, done in (
            ("2024-05-31 23:00:03", "03:00:02.118", "9,881,002,331", "  702"),
            ("2024-06-01 01:59:58", "05:59:57.410", "19,540,770,112", "1,391"),
        )
    ]
    stderr = "EXCEEDED_TIME_LIMIT: Query exceeded the maximum execution time limit of 6.00h"
    return td_job_case(
        "presto_time_limit",
        "td> Trino self-join runs into the 6h execution limit",
        config={"td>": "queries/peers.sql", "database": "social"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "social",
            presto_cmdout(sql, "2024-05-31T20:00:01Z", blocks=blocks, unfiltered="social.follows"),
            stderr,
        ),
        started=presto_started(sql),
        polls=2160,
        task_runs_hours=6.0,
        retry_recovers=False,
    )


def _presto_division_by_zero() -> FailureCase:
    body = (
        "SELECT campaign_id,\n"
        "       SUM(cost) / SUM(conversions) AS cpa\n"
        "FROM campaign_daily\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY campaign_id"
    )
    sql = submitted(body)
    qid = "20240601_020102_04612_k7hx2"
    blocks = [
        progress_block(
            "2024-06-01 02:01:04",
            "88.1M",
            qid,
            "00:00:02.310",
            "[0] output <- project <- aggregation <- exchange <- remotesource[1] FAILED      0"
            "     0B      0B/s    3 /    16 ",
            " [1] aggregation <- scanfilterproject <- tablescan[*]  FINISHED      41,228  1.9MB"
            "  822KB/s   12 /    12 ",
        )
    ]
    return td_job_case(
        "presto_division_by_zero",
        "td> Trino division by zero: a campaign with zero conversions arrived",
        config={"td>": "queries/cpa.sql", "database": "ads", "store_last_results": True},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "ads",
            presto_cmdout(sql, "2024-06-01T02:01:02Z", blocks=blocks, newline=True),
            f"Query {qid} failed: Division by zero",
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _presto_cast_failure() -> FailureCase:
    body = (
        "SELECT sku, SUM(CAST(qty AS bigint)) AS units\n"
        "FROM supplier_feed\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY sku"
    )
    sql = submitted(body, header=3)
    return td_job_case(
        "presto_cast_failure",
        "td> Trino cast of a free-text quantity fails on one supplier row",
        config={"td>": "queries/units.sql", "database": "supply"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "supply",
            presto_cmdout(sql, "2024-06-01T04:00:12Z", version="350"),
            "INVALID_CAST_ARGUMENT: Cannot cast '12 pcs' to BIGINT",
            id_in=("log",),
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _presto_access_denied() -> FailureCase:
    body = (
        "SELECT TD_TIME_STRING(time, 'd!', 'JST') AS day, SUM(amount) AS paid\n"
        "FROM finance.payments\n"
        "WHERE TD_INTERVAL(time, '-1d', 'JST')\n"
        "GROUP BY 1"
    )
    sql = submitted(body, prefix='INSERT INTO "daily_summary"\n')
    return td_job_case(
        "presto_access_denied",
        "td> Trino insert into a table the run-as user may only query",
        config={
            "td>": "queries/daily_summary.sql",
            "database": "finance",
            "insert_into": "daily_summary",
        },
        job=JobSpec(
            "presto",
            "error",
            sql,
            "finance",
            presto_cmdout(sql, "2024-06-01T02:01:21Z"),
            "Query 20240601_020121_04633_k7hx2 failed: Access Denied: "
            "Cannot insert into table td-presto.finance.daily_summary",
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _presto_job_killed() -> FailureCase:
    body = "SELECT *\nFROM access_log\nWHERE TD_INTERVAL(time, '-30d', 'JST')"
    sql = submitted(body)
    qid = "20240601_021507_05511_k7hx2"
    blocks = [
        progress_block(
            "2024-06-01 02:31:40",
            "2.9G",
            qid,
            "00:16:33.090",
            "[0] output <- exchange <- remotesource[1]        RUNNING  101,220,008  9.8GB"
            "  10.1MB/s    0 /     1 ",
            " [1] scanfilterproject <- tablescan[*]           RUNNING  101,339,570 10.2GB"
            "  10.5MB/s  431 / 3,904 ",
        )
    ]
    return td_job_case(
        "presto_job_killed",
        "td> job killed from the console while the task polled (attempt not killed)",
        config={"td>": "queries/export_raw.sql", "database": "web"},
        job=JobSpec(
            "presto",
            "killed",
            sql,
            "web",
            presto_cmdout(sql, "2024-06-01T02:15:07Z", blocks=blocks, newline=True),
            None,
        ),
        started=presto_started(sql),
        polls=98,
        retry_recovers=True,
    )


def _presto_retry_same_job() -> FailureCase:
    body = (
        "SELECT device_id, APPROX_DISTINCT(session_id) AS sessions\n"
        "FROM app_events\n"
        "WHERE TD_INTERVAL(time, '-1d', 'UTC')\n"
        "GROUP BY device_id"
    )
    sql = submitted(body)
    return td_job_case(
        "presto_retry_same_job",
        "td> with _retry: 3 re-polls the same failed job (worker node lost)",
        config={"td>": "queries/devices.sql", "database": "mobile", "_retry": 3},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "mobile",
            presto_cmdout(sql, "2024-06-01T05:00:03Z"),
            "Query 20240601_050003_21734_k7hx2 failed: Encountered too many errors talking to a "
            "worker node. The node may have crashed or be under too much load. This is probably "
            "a transient issue, so please retry your query in a few minutes.",
        ),
        started=presto_started(sql),
        retry_count=3,
        polls=14,
        retry_recovers=True,
    )


def _nested_function_not_registered() -> FailureCase:
    body = (
        "SELECT\n"
        "  td_time_fromat(time, 'yyyy-MM-dd', 'JST') AS day,\n"
        "  COUNT(*) AS rows_loaded\n"
        "FROM daily_import\n"
        "GROUP BY 1"
    )
    sql = submitted(body)
    return td_job_case(
        "nested_function_not_registered",
        "td> two groups deep: misspelt UDF name",
        path=("load", "daily", "aggregate"),
        config={"td>": "queries/load/daily_count.sql", "database": "ingest"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "ingest",
            presto_cmdout(sql, "2024-06-01T01:10:44Z"),
            f"Query 20240601_011044_00977_k7hx2 failed: line {at(sql, 'td_time_fromat')}: "
            "Function 'td_time_fromat' not registered",
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _error_handler_insert_mismatch() -> FailureCase:
    body = (
        "SELECT region, TD_TIME_STRING(time, 'd!', 'JST') AS day, AVG(basket) AS basket\n"
        "FROM receipts\n"
        "WHERE TD_INTERVAL(time, '-1d', 'JST')\n"
        "GROUP BY 1, 2"
    )
    sql = submitted(body, prefix='INSERT INTO "region_daily"\n')
    return td_job_case(
        "error_handler_insert_mismatch",
        "td> insert_into with mismatched column types; the workflow's _error task runs",
        config={
            "td>": "queries/region_daily.sql",
            "database": "retail",
            "insert_into": "region_daily",
        },
        job=JobSpec(
            "presto",
            "error",
            sql,
            "retail",
            presto_cmdout(sql, "2024-06-01T02:20:30Z"),
            "Query 20240601_022030_06101_k7hx2 failed: Insert query has mismatched column types: "
            "Table: [varchar, bigint, double], Query: [varchar, varchar, double]",
        ),
        started=presto_started(sql),
        has_error_handler=True,
        retry_recovers=False,
    )


TRINO_RUN_CASES: tuple[FailureCase, ...] = (
    _presto_node_memory_limit(),
    _presto_cluster_out_of_memory(),
    _presto_time_limit(),
    _presto_division_by_zero(),
    _presto_cast_failure(),
    _presto_access_denied(),
    _presto_job_killed(),
    _presto_retry_same_job(),
    _nested_function_not_registered(),
    _error_handler_insert_mismatch(),
)
