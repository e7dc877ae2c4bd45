"""Failure corpus: td> on Trino: the query is wrong."""

from __future__ import annotations

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    TRINO_POOL_FRAMES,
    at,
    presto_cmdout,
    presto_started,
    submitted,
    td_job_case,
    trino_frames,
)

# ---------------------------------------------------------------------------
# A. td> on Trino
# ---------------------------------------------------------------------------


def _presto_syntax_query_failed() -> FailureCase:
    body = (
        "SELECT\n"
        "  TD_TIME_STRING(time, 'd!', 'JST') AS day,\n"
        "  SUM(amount) AS revenue,\n"
        "FROM orders\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', TD_TIME_ADD('2024-06-01', '1d'), 'JST')\n"
        "GROUP BY 1"
    )
    sql = submitted(body)
    stderr = (
        f"Query 20240601_020009_04521_k7hx2 failed: line {at(sql, 'FROM orders')}: "
        "mismatched input 'FROM'. Expecting: '*', <expression>, <identifier>"
    )
    return td_job_case(
        "presto_syntax_query_failed",
        "td> Trino syntax error (trailing comma), 'Query … failed:' framing",
        config={"td>": "queries/aggregate.sql", "database": "sales"},
        job=JobSpec(
            "presto", "error", sql, "sales", presto_cmdout(sql, "2024-06-01T02:00:09Z"), stderr
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _presto_syntax_cmdout_null() -> FailureCase:
    body = (
        "SELECT\n"
        "  country,\n"
        "  COUNT(DISTINCT user_id,) AS users\n"
        "FROM web_sessions\n"
        "WHERE TD_INTERVAL(time, '-1d/2024-06-02', 'UTC')\n"
        "GROUP BY country"
    )
    sql = submitted(body, header=3)
    stderr = (
        f"SYNTAX_ERROR: line {at(sql, ') AS users')}: mismatched input ')'. Expecting: <expression>"
    )
    return td_job_case(
        "presto_syntax_cmdout_null",
        "td> Trino syntax error, ERROR_NAME framing, cmdout null, message-only error",
        config={"td>": "queries/daily_kpi.sql", "database": "web"},
        job=JobSpec("presto", "error", sql, "web", None, stderr),
        started=presto_started(sql),
        with_stacktrace=False,
        polls=1,
        retry_recovers=False,
    )


def _presto_syntax_trino_exception() -> FailureCase:
    body = (
        "WITH recent AS (\n"
        "  SELECT user_id, MAX(time) AS last_seen\n"
        "  FROM web_events\n"
        "  WHERE TD_INTERVAL(time, '-7d', 'JST')\n"
        "  GROUP BY user_id\n"
        "SELECT r.user_id, u.segment, r.last_seen\n"
        "FROM recent r\n"
        "JOIN users u ON u.user_id = r.user_id"
    )
    sql = submitted(body, prefix='INSERT INTO "daily_active"\n')
    stderr = (
        f"io.trino.spi.TrinoException: line {at(sql, 'SELECT r.user_id')}: mismatched input "
        "'SELECT'. Expecting: ')', ',', 'EXCEPT', 'FETCH', 'HAVING', 'INTERSECT', 'LIMIT', "
        "'OFFSET', 'ORDER', 'UNION', 'WINDOW'\n"
        + trino_frames(
            "io.trino.sql.parser.ErrorHandler.syntaxError(ErrorHandler.java:109)",
            "org.antlr.v4.runtime.ProxyErrorListener.syntaxError(ProxyErrorListener.java:41)",
            "org.antlr.v4.runtime.Parser.notifyErrorListeners(Parser.java:543)",
            "org.antlr.v4.runtime.DefaultErrorStrategy.reportInputMismatch"
            "(DefaultErrorStrategy.java:327)",
            "io.trino.sql.parser.SqlParser.invokeParser(SqlParser.java:178)",
            "io.trino.sql.parser.SqlParser.createStatement(SqlParser.java:99)",
            "io.trino.execution.QueryPreparer.prepareQuery(QueryPreparer.java:55)",
            "io.trino.dispatcher.DispatchManager.createQueryInternal(DispatchManager.java:247)",
            *TRINO_POOL_FRAMES,
        )
    )
    return td_job_case(
        "presto_syntax_trino_exception",
        "td> Trino syntax error (unclosed CTE), TrinoException + Java frames in stderr",
        config={
            "td>": "queries/daily_active.sql",
            "database": "web",
            "insert_into": "daily_active",
        },
        job=JobSpec(
            "presto",
            "error",
            sql,
            "web",
            presto_cmdout(sql, "2024-06-01T01:30:02Z", newline=True),
            stderr,
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _presto_missing_table_on_cmdout() -> FailureCase:
    body = (
        "SELECT o.order_id, o.amount, c.segment\n"
        "FROM staging.orders_20240601 o\n"
        "LEFT JOIN customers c ON c.customer_id = o.customer_id"
    )
    sql = submitted(body, header=3)
    failure = (
        f"Query 20240601_031502_11872_k7hx2 failed: line {at(sql, 'staging.orders')}: "
        "Table 'td-presto.staging.orders_20240601' does not exist"
    )
    return td_job_case(
        "presto_missing_table_on_cmdout",
        "td> Trino table missing (upstream daily table not created), error on cmdout, stderr null",
        config={"td>": "queries/enrich_orders.sql", "database": "sales"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "sales",
            presto_cmdout(sql, "2024-06-01T03:15:02Z", blocks=[failure]),
            None,
            id_in=("log",),
        ),
        started=presto_started(sql),
        retry_recovers=True,
    )


def _presto_missing_column() -> FailureCase:
    body = (
        "SELECT\n"
        "  order_date,\n"
        "  SUM(amount) AS gross,\n"
        "  SUM(discount_amt) AS discounts\n"
        "FROM orders\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY order_date"
    )
    sql = submitted(body)
    stderr = (
        f"COLUMN_NOT_FOUND: line {at(sql, 'discount_amt')}: "
        "Column 'discount_amt' cannot be resolved"
    )
    return td_job_case(
        "presto_missing_column",
        "td> Trino column renamed upstream",
        config={"td>": "queries/daily_gross.sql", "database": "sales"},
        job=JobSpec(
            "presto", "error", sql, "sales", presto_cmdout(sql, "2024-06-01T02:05:11Z"), stderr
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _presto_type_mismatch() -> FailureCase:
    body = (
        "SELECT store_id, COUNT(*) AS tickets\n"
        "FROM pos_receipts\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02', 'JST')\n"
        "  AND store_id = 1042\n"
        "GROUP BY store_id"
    )
    sql = submitted(body)
    stderr = (
        f"Query 20240601_020017_04560_k7hx2 failed: line {at(sql, 'store_id = 1042')}: "
        "Cannot apply operator: varchar = integer"
    )
    return td_job_case(
        "presto_type_mismatch",
        "td> Trino type mismatch (varchar column vs number literal)",
        config={"td>": "queries/store_1042.sql", "database": "retail"},
        job=JobSpec(
            "presto", "error", sql, "retail", presto_cmdout(sql, "2024-06-01T02:00:17Z"), stderr
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


TRINO_SQL_CASES: tuple[FailureCase, ...] = (
    _presto_syntax_query_failed(),
    _presto_syntax_cmdout_null(),
    _presto_syntax_trino_exception(),
    _presto_missing_table_on_cmdout(),
    _presto_missing_column(),
    _presto_type_mismatch(),
)
