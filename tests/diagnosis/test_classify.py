"""The classifier against failure texts built from failures.md mechanics.

Texts are varied on purpose (framings, where the message sits, operator) so the
rules are tested on what they key on, not on one corpus wording.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.diagnosis.categories import Category, RetryAdvice
from bot.diagnosis.classify import FailureText, classify

C = Category
R = RetryAdvice

HEADER6 = (
    "-- project_id: 501234\n-- project_name: sales_daily\n-- workflow_name: sales_daily\n"
    "-- session_id: 98765432\n-- attempt_id: 412345678\n-- task_name: +sales_daily+aggregate\n"
)
HEADER3 = (
    "-- project_name: sales_daily\n-- workflow_name: sales_daily\n"
    "-- task_name: +sales_daily+aggregate\n"
)
USER_SQL = (
    "SELECT\n  TD_TIME_STRING(time, 'd!', 'JST') AS day,\n  SUM(amount) AS revenue,\n"
    "FROM orders\nWHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02', 'JST')\nGROUP BY 1"
)
THREAD = "0261@[31245:sales_daily:98765432:412345678]+sales_daily+aggregate"
OLD_THREAD = "0538@[10778:db1]+customers"


def cmdout(query: str = HEADER6 + USER_SQL) -> str:
    return f"started at 2024-06-01T02:00:09Z\npresto version: 423\nexecuting query: {query}"


def log_line(level: str, cls: str, message: str, thread: str = THREAD) -> str:
    return f"2024-06-01 02:00:12.204 +0000 [{level}] ({thread}) {cls}: {message}"


OM = "io.digdag.core.agent.OperatorManager"
TDOP = "io.digdag.standards.operator.td.TdOperatorFactory$TdOperator"


def td_job(
    stderr: str | None,
    *,
    out: str | None = None,
    operator: str = "td>",
    status: str = "error",
    with_job: bool = True,
    config: dict[str, object] | None = None,
    job_type: str = "presto",
) -> FailureText:
    """A failed TD-job task as failures.md 1.2 builds it: message = cmdout + \\n + stderr."""
    out = cmdout() if out is None else out
    message = f"{out}\n{stderr or ''}"
    log = "\n".join(
        [
            log_line("INFO", OM, f"{operator}: queries/aggregate.sql"),
            log_line("INFO", TDOP, "Started presto job id=2187654321:"),
            HEADER6 + USER_SQL,
            log_line("ERROR", OM, "Task +sales_daily+aggregate failed."),
            message,
            f"> TD job 2187654321 failed with status {status.upper()} (td job)",
        ]
    )
    if not with_job:
        return FailureText(operator=operator, config=config or {}, error_message=message, log=log)
    return FailureText(
        operator=operator,
        config=config or {},
        error_message=message,
        job_stderr=stderr,
        job_cmdout=out,
        job_query=HEADER6 + USER_SQL,
        job_type=job_type,
        job_status=status,
        log=log,
        job_id="2187654321",
    )


def py_error(reason: str, exc: str, code: int = 1) -> FailureText:
    message = (
        f"Python command failed with code {code}\nError messages from python: {reason} ({exc})\n"
        '\tfrom Traceback (most recent call last):\n\n\tfrom   File "./runner.py", line 161, '
        f"in <module>\n    result = callable_type(**args)\n\n\tfrom {exc}: {reason}\n (runtime)"
    )
    return FailureText(operator="py>", error_message=message)


def plain(operator: str | None, message: str, **extra: object) -> FailureText:
    return FailureText(operator=operator, error_message=message, **extra)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    id: str
    text: FailureText
    category: Category
    retry: RetryAdvice
    root: str  # must be inside root_error


TRINO = "line 10:1: mismatched input 'FROM'. Expecting: '*', <expression>, <identifier>"

CASES = [
    # --- Trino analysis errors under the three framings and positions of failures.md 4.1
    Case(
        "syntax_query_failed",
        td_job(f"Query 20240601_020009_04521_k7hx2 failed: {TRINO}"),
        C.SQL_SYNTAX,
        R.NO,
        "mismatched input 'FROM'",
    ),
    Case(
        "syntax_error_name",
        td_job(f"SYNTAX_ERROR: {TRINO}"),
        C.SQL_SYNTAX,
        R.NO,
        "mismatched input 'FROM'",
    ),
    Case(
        "syntax_java_trace",
        td_job(
            f"io.trino.spi.TrinoException: {TRINO}\n\tat io.trino.sql.parser.ErrorHandler"
            ".syntaxError(ErrorHandler.java:109)\n\tat io.trino.Foo.bar(Foo.java:1)"
        ),
        C.SQL_SYNTAX,
        R.NO,
        "mismatched input 'FROM'",
    ),
    Case(
        "syntax_in_cmdout_tail_stderr_null",
        td_job(None, out=cmdout() + f"\nQuery 20240601_x failed: {TRINO}"),
        C.SQL_SYNTAX,
        R.NO,
        "mismatched input",
    ),
    Case(
        "syntax_without_job",
        td_job(f"Query q failed: {TRINO}", with_job=False),
        C.SQL_SYNTAX,
        R.NO,
        "mismatched input",
    ),
    Case(
        "missing_column",
        td_job("Query q failed: line 9:8: Column 'revenu' cannot be resolved"),
        C.MISSING_COLUMN,
        R.NO,
        "Column 'revenu' cannot be resolved",
    ),
    Case(
        "missing_column_alias",
        td_job("COLUMN_NOT_FOUND: line 7:8: Column 'c.created' cannot be resolved"),
        C.MISSING_COLUMN,
        R.NO,
        "c.created",
    ),
    Case(
        "type_mismatch",
        td_job("Query q failed: line 13:17: Cannot apply operator: varchar(10) = integer"),
        C.SQL_SYNTAX,
        R.NO,
        "Cannot apply operator",
    ),
    Case(
        "function_not_registered",
        td_job("Query q failed: line 2:3: Function 'date_diffx' not registered"),
        C.SQL_SYNTAX,
        R.NO,
        "date_diffx",
    ),
    Case(
        "group_by",
        td_job("line 4:5: 'day' must be an aggregate expression or appear in GROUP BY clause"),
        C.SQL_SYNTAX,
        R.NO,
        "GROUP BY",
    ),
    Case(
        "trino_missing_table",
        td_job("Query q failed: line 1:15: Table 'td-presto.sales.orderz' does not exist"),
        C.MISSING_TABLE,
        C.MISSING_TABLE.default_retry,
        "orderz",
    ),
    Case(
        "trino_missing_schema",
        td_job("SCHEMA_NOT_FOUND: line 1:15: Schema 'salez' does not exist"),
        C.MISSING_TABLE,
        C.MISSING_TABLE.default_retry,
        "Schema 'salez'",
    ),
    # --- runtime: memory, time, cluster, data
    Case(
        "per_node_memory",
        td_job(
            "Query q failed: Query exceeded per-node memory limit of 20GB [Allocated: 19.99GB,"
            " Delta: 1.45MB, Top Consumers: {HashAggregationOperator=15.02GB}]"
        ),
        C.MEMORY_LIMIT,
        R.NO,
        "per-node memory limit of 20GB",
    ),
    Case(
        "per_node_user_memory",
        td_job(
            "EXCEEDED_LOCAL_MEMORY_LIMIT: Query exceeded per-node "
            "user memory limit of 20GB [Allocated: 20.00GB]"
        ),
        C.MEMORY_LIMIT,
        R.NO,
        "user memory limit",
    ),
    Case(
        "distributed_memory",
        td_job("Query q failed: Query exceeded distributed user memory limit of 1TB"),
        C.MEMORY_LIMIT,
        R.NO,
        "distributed",
    ),
    Case(
        "old_td_memory",
        td_job("Exceeded max (local) memory 30GB"),
        C.MEMORY_LIMIT,
        R.NO,
        "Exceeded max",
    ),
    Case(
        "cluster_oom_is_transient",
        td_job(
            "Query q failed: Query killed because the cluster is out of memory. Please try "
            "again in a few minutes."
        ),
        C.TRANSIENT_PLATFORM,
        R.YES,
        "cluster is out of memory",
    ),
    Case(
        "worker_errors",
        td_job(
            "REMOTE_TASK_ERROR: Encountered too many errors talking to a "
            "worker node. The node may have crashed"
        ),
        C.TRANSIENT_PLATFORM,
        R.YES,
        "worker node",
    ),
    Case(
        "internal_error",
        td_job("Query q failed: Internal error"),
        C.TRANSIENT_PLATFORM,
        R.YES,
        "Internal error",
    ),
    Case(
        "time_limit",
        td_job("Query q failed: Query exceeded maximum time limit of 6.00h"),
        C.TIME_LIMIT,
        R.NO,
        "maximum time limit",
    ),
    Case(
        "division_by_zero",
        td_job("Query q failed: Division by zero"),
        C.DATA_ERROR,
        R.NO,
        "Division by zero",
    ),
    Case(
        "bad_cast_value",
        td_job("INVALID_CAST_ARGUMENT: Cannot cast 'n/a' to BIGINT"),
        C.DATA_ERROR,
        R.NO,
        "Cannot cast 'n/a'",
    ),
    Case(
        "bad_cast_type",
        td_job("line 3:8: Cannot cast varchar to date"),
        C.SQL_SYNTAX,
        R.NO,
        "Cannot cast varchar",
    ),
    Case(
        "access_denied",
        td_job(
            "Query q failed: Access Denied: Cannot select from table td-presto.finance.payments"
        ),
        C.PERMISSION,
        R.AFTER_FIX,
        "Cannot select from table",
    ),
    Case(
        "job_killed",
        td_job(None, status="killed"),
        C.JOB_KILLED,
        R.YES,
        "failed with status KILLED",
    ),
    # --- Hive
    Case(
        "hive_table_not_found",
        td_job(
            "FAILED: SemanticException [Error 10001]: Line 11:5 Table not found 'orderz'",
            job_type="hive",
        ),
        C.MISSING_TABLE,
        C.MISSING_TABLE.default_retry,
        "Table not found 'orderz'",
    ),
    Case(
        "hive_column",
        td_job(
            "FAILED: SemanticException [Error 10004]: Line 3:7 Invalid table "
            "alias or column reference 'amt'"
        ),
        C.MISSING_COLUMN,
        R.NO,
        "'amt'",
    ),
    Case(
        "hive_parse",
        td_job("FAILED: ParseException line 1:0 cannot recognize input near 'SELEC' '*' 'FROM'"),
        C.SQL_SYNTAX,
        R.NO,
        "cannot recognize input",
    ),
    Case(
        "hive_oom",
        td_job(
            "Status: Failed\nVertex failed, vertexName=Reducer 2, diagnostics=[Task failed, "
            "info=[Error: Failure while running task:java.lang.RuntimeException: "
            "java.lang.OutOfMemoryError: Java heap space\n\tat org.apache.hadoop.hive.ql.exec"
            ".tez.TezProcessor.initializeAndRunProcessor(TezProcessor.java:296)\nDAG did not "
            "succeed due to VERTEX_FAILURE.\nFAILED: Execution Error, return code 2 from "
            "org.apache.hadoop.hive.ql.exec.tez.TezTask"
        ),
        C.MEMORY_LIMIT,
        R.NO,
        "OutOfMemoryError",
    ),
    # --- TD API errors at submission (no job)
    Case(
        "forbidden_at_submit",
        plain(
            "td>",
            "[CLIENT_ERROR] [403:Forbidden] API request to /v3/job/issue/presto/finance"
            " has failed: Access denied for database finance (td client http)",
        ),
        C.PERMISSION,
        R.AFTER_FIX,
        "[403:Forbidden]",
    ),
    Case(
        "unknown_pool",
        plain(
            "td>",
            "[INVALID_INPUT] [422:Unprocessable Entity] API request to /v3/job/issue/"
            "presto/sales has failed: Presto resource pool with name 'no_such_pool' does"
            " not exist (td client http)",
        ),
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "no_such_pool",
    ),
    Case(
        "server_error_at_submit",
        plain(
            "td_run>",
            "[SERVER_ERROR] [503:Service Unavailable] API request to /v3/schedule/"
            "run/x has failed: try later (td client http)",
        ),
        C.TRANSIENT_PLATFORM,
        R.YES,
        "SERVER_ERROR",
    ),
    Case(
        "missing_database_at_submit",
        plain(
            "td>",
            "[TARGET_NOT_FOUND] [404:Not Found] API request to /v3/job/issue/presto/"
            "nodb has failed: Couldn't find UserDatabase with name = nodb (td client "
            "http not found)",
        ),
        C.MISSING_TABLE,
        C.MISSING_TABLE.default_retry,
        "Couldn't find UserDatabase",
    ),
    Case(
        "saved_query_missing",
        plain(
            "td_run>",
            "[TARGET_NOT_FOUND] [404:Not Found] API request to /v3/schedule/run/"
            "daily_x has failed: Saved query daily_x not found (td client http not"
            " found)",
        ),
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "daily_x",
    ),
    # --- loads and exports
    Case(
        "load_link_failure",
        td_job(
            "org.embulk.exec.PartialExecutionException: java.lang.RuntimeException: com.mysql"
            ".cj.jdbc.exceptions.CommunicationsLinkFailure: Communications link failure\n\tat "
            "org.embulk.exec.BulkLoader$LoaderState.buildPartialExecuteException(BulkLoader."
            "java:340)",
            operator="td_load>",
            job_type="bulkload",
        ),
        C.IMPORT_FAILURE,
        R.DEPENDS,
        "Communications link failure",
    ),
    Case(
        "load_s3_no_key",
        td_job(
            "com.amazonaws.services.s3.model.AmazonS3Exception: The specified key does not "
            "exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey)",
            operator="td_load>",
            job_type="bulkload",
        ),
        C.IMPORT_FAILURE,
        R.AFTER_UPSTREAM,
        "NoSuchKey",
    ),
    Case(
        "export_db_password",
        td_job(
            "org.postgresql.util.PSQLException: FATAL: password authentication failed for "
            'user "td_export"',
            operator="td_result_export>",
            job_type="result_export",
        ),
        C.EXPORT_FAILURE,
        R.AFTER_FIX,
        "password authentication failed",
    ),
    Case(
        "export_via_td_result_url",
        td_job(
            "java.sql.SQLException: Failed to connect to mysql.example.com:3306",
            config={"td>": "q.sql", "result_connection": "mysql_prod"},
        ),
        C.EXPORT_FAILURE,
        R.DEPENDS,
        "Failed to connect",
    ),
    Case(
        "export_s3_access_denied",
        td_job(
            "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: "
            "Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: X1)",
            operator="td_table_export>",
            job_type="export",
        ),
        C.EXPORT_FAILURE,
        R.AFTER_FIX,
        "Error Code: AccessDenied",
    ),
    Case(
        "table_export_secret",
        plain("td_table_export>", "Secret not found for key: 'access_key_id' (secret not found)"),
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "Secret not found",
    ),
    # --- py>
    Case(
        "py_keyerror",
        py_error("'TD_API_KEY'", "KeyError"),
        C.PYTHON_EXCEPTION,
        R.NO,
        "Error messages from python: 'TD_API_KEY' (KeyError)",
    ),
    Case(
        "py_attribute",
        py_error("Module 'scripts.export' has no attribute 'mian'", "AttributeError"),
        C.PYTHON_EXCEPTION,
        R.NO,
        "mian",
    ),
    Case(
        "py_trino_inside",
        py_error(
            'TrinoUserError(type=USER_ERROR, name=TABLE_NOT_FOUND, message="line 1:15: '
            "Table 'td-presto.sales.orderz' does not exist\", query_id=2024)",
            "TrinoUserError",
        ),
        C.MISSING_TABLE,
        C.MISSING_TABLE.default_retry,
        "Error messages from python: TrinoUserError",
    ),
    Case(
        "py_http_503",
        py_error(
            "503 Server Error: Service Unavailable for url: https://api.example-crm.com/v2/"
            "contacts/bulk",
            "HTTPError",
        ),
        C.HTTP_ERROR,
        R.YES,
        "503 Server Error",
    ),
    Case(
        "py_http_429",
        py_error("429 Client Error: Too Many Requests for url: https://x.io/a", "HTTPError"),
        C.HTTP_ERROR,
        R.YES,
        "429 Client Error",
    ),
    Case(
        "py_http_401",
        py_error("401 Client Error: Unauthorized for url: https://x.io/a", "HTTPError"),
        C.HTTP_ERROR,
        R.AFTER_FIX,
        "401 Client Error",
    ),
    Case(
        "py_read_timeout",
        py_error(
            "HTTPSConnectionPool(host='api.example-crm.com', port=443): Read timed out. "
            "(read timeout=30)",
            "ReadTimeout",
        ),
        C.HTTP_ERROR,
        R.YES,
        "Read timed out",
    ),
    Case("py_memory", py_error("", "MemoryError"), C.MEMORY_LIMIT, R.NO, "MemoryError"),
    Case(
        "py_container_oom",
        plain(
            "py>",
            "Python command failed with code 137\nError messages from CommandExecutor:"
            " OutOfMemoryError: Container killed due to memory usage\n (runtime)",
        ),
        C.MEMORY_LIMIT,
        R.NO,
        "Container killed due to memory usage",
    ),
    Case(
        "py_stdlib_clash",
        plain(
            "py>",
            "Failed to call python command with code:0 Possible cause: Invalid python "
            "module call, duplicate module name with standard library (runtime)",
        ),
        C.PYTHON_EXCEPTION,
        R.NO,
        "Failed to call python command",
    ),
    # --- shell, http>, require>, fail>, limits, config
    Case(
        "sh_exit",
        plain("sh>", "Command failed with code 2 (runtime)"),
        C.SHELL_EXIT,
        R.NO,
        "Command failed with code 2",
    ),
    Case(
        "http_404",
        plain(
            "http>",
            "HTTP 4XX Client Error: POST https://hooks.example.com/services/T0/B0/XX"
            " - 404 Not Found: no_service",
        ),
        C.HTTP_ERROR,
        R.AFTER_FIX,
        "404 Not Found",
    ),
    Case(
        "http_502",
        plain(
            "http>",
            "HTTP 5XX Server Error: POST https://h.example.com/x - 502 Bad Gateway: upstream",
        ),
        C.HTTP_ERROR,
        R.YES,
        "502 Bad Gateway",
    ),
    Case(
        "require_failed",
        plain("require>", "Dependent workflow failed. Session id: 98700011, attempt id: 412300099"),
        C.UPSTREAM_WAIT,
        R.AFTER_UPSTREAM,
        "Dependent workflow",
    ),
    Case(
        "require_missing",
        plain(
            "require>",
            "Dependent workflow does not exist. projectName: ingest, workflowName:daily_ingest",
        ),
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "does not exist",
    ),
    Case(
        "fail_gate",
        plain("fail>", "No orders loaded for 2024-06-01"),
        C.DATA_ERROR,
        R.NO,
        "No orders loaded",
    ),
    Case(
        "for_each_limit",
        plain(
            "for_each>",
            "Configuration error at task +sales_daily+fan_out: Too many for_each "
            "subtasks. Limit: 1000 (config)",
        ),
        C.ATTEMPT_LIMIT,
        R.NO,
        "Too many",
    ),
    Case(
        "task_limit",
        plain("py>", "Too many tasks. Limit: 1000, Current: 985, Adding: 31 (task limit exceeded)"),
        C.ATTEMPT_LIMIT,
        R.NO,
        "Too many tasks",
    ),
    Case(
        "config_param",
        plain(
            "td_table_export>",
            "Configuration error at task +wf+export: Parameter "
            "'s3_bucket' is required but not set (config)",
        ),
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "s3_bucket",
    ),
    Case(
        "template_error",
        plain(
            "td>",
            "Failed to evaluate a variable ${session_dat} (ReferenceError: "
            '"session_dat" is not defined) (config)',
        ),
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "session_dat",
    ),
    Case(
        "s3_wait_timeout",
        plain("s3_wait>", "Timeout happened while waiting (polling timeout)"),
        C.UPSTREAM_WAIT,
        R.AFTER_UPSTREAM,
        "polling timeout",
    ),
    Case(
        "bq_syntax",
        FailureText(
            operator="bq>",
            error_message="BigQuery job failed: p:job_1",
            error_extra='{"message" : "Syntax error: Unexpected keyword FROM at [4:1]",'
            ' "reason" : "invalidQuery"}',
        ),
        C.SQL_SYNTAX,
        R.NO,
        "Syntax error",
    ),
    Case(
        "unknown_text",
        plain("mail>", "Something odd happened in the mail server (messaging)"),
        C.UNKNOWN,
        R.DEPENDS,
        "Something odd happened",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_classify(case: Case) -> None:
    result = classify(case.text)
    assert (result.category, result.retry) == (case.category, case.retry), result.root_error
    assert case.root in result.root_error
    assert "\n" not in result.root_error
    assert result.retry_note and result.next_step


def test_root_error_is_never_framing_or_a_frame() -> None:
    for case in CASES:
        root = classify(case.text).root_error
        assert not root.startswith(("started at", "at ", "\tat ", "presto version")), case.id
        assert not root.startswith(("20", "(runtime)")), (case.id, root)


def test_sql_in_the_query_cannot_classify_itself() -> None:
    """A query mentioning an error phrase must not decide the category."""
    tricky_sql = HEADER6 + "SELECT 'Access Denied: x' AS note, 'Division by zero' AS d\nFROM t"
    text = td_job("Query q failed: Query exceeded maximum time limit of 6.00h")
    text = FailureText(
        operator="td>",
        error_message=f"{cmdout(tricky_sql)}\nQuery q failed: Query exceeded maximum time limit",
        job_stderr=text.job_stderr,
        job_cmdout=cmdout(tricky_sql),
        job_query=tricky_sql,
        log=None,
    )
    assert classify(text).category is C.TIME_LIMIT


def test_warn_polling_errors_in_the_log_do_not_decide() -> None:
    """TD-job operators log transient polling failures at WARN and carry on (failures.md 1.3)."""
    base = td_job("Query q failed: Division by zero")
    warn = log_line(
        "WARN",
        TDOP,
        "failed to check job status: domainKey=x, jobId=2187654321\n[SERVER_ERROR] [503:Service"
        " Unavailable] API request to /v3/job/status/2187654321 has failed",
    )
    text = FailureText(
        operator="td>",
        error_message=base.error_message,
        log=warn + "\n" + (base.log or ""),
    )
    assert classify(text).category is C.DATA_ERROR


def test_old_thread_format_log_only_text() -> None:
    log = "\n".join(
        [
            log_line("INFO", OM, "td>: q.sql", OLD_THREAD),
            log_line("ERROR", OM, "Task +db1+customers failed.", OLD_THREAD),
            "Query q failed: line 3:1: Column 'amout' cannot be resolved",
        ]
    )
    result = classify(FailureText(operator="td>", error_message="", log=log))
    assert result.category is C.MISSING_COLUMN
    assert result.root_error == "Query q failed: line 3:1: Column 'amout' cannot be resolved"


@pytest.mark.parametrize(
    ("header", "statement_lines", "reported", "user_line"),
    [
        (HEADER6, "", 10, 4),
        (HEADER3, "", 7, 4),
        (HEADER6, 'INSERT INTO "daily"\n', 11, 4),
        (HEADER6, 'DROP TABLE IF EXISTS "daily";\nCREATE TABLE "daily" AS\n', 12, 4),
    ],
)
def test_sql_line_hint_subtracts_what_td_prepends(
    header: str, statement_lines: str, reported: int, user_line: int
) -> None:
    sent = header + statement_lines + USER_SQL
    stderr = f"Query q failed: line {reported}:1: mismatched input 'FROM'. Expecting: <expression>"
    text = FailureText(
        operator="td>",
        error_message=f"{cmdout(sent)}\n{stderr}",
        job_stderr=stderr,
        job_cmdout=cmdout(sent),
        job_query=sent,
    )
    hint = classify(text).sql_line_hint
    assert hint is not None
    assert (hint.reported_line, hint.user_line) == (reported, user_line)
    assert sent.splitlines()[reported - 1] == USER_SQL.splitlines()[user_line - 1]


def test_no_line_hint_without_a_visible_header() -> None:
    stderr = "Query q failed: line 4:1: mismatched input 'FROM'. Expecting: <expression>"
    text = FailureText(operator="td>", error_message=stderr, job_stderr=stderr)
    assert classify(text).sql_line_hint is None


def test_retry_note_says_which_retry_for_td_jobs() -> None:
    base = td_job("Query q failed: Query killed because the cluster is out of memory.")
    text = FailureText(**{**base.__dict__, "retry_count": 3})
    note = classify(text).retry_note
    assert "_retry ran 3 time(s)" in note and "job 2187654321" in note
    assert "job_retry" in note and "retry failed" in note
    py_note = classify(py_error("503 Server Error: x for url: https://x", "HTTPError")).retry_note
    assert "job_retry" not in py_note and "retry failed" in py_note


def test_upstream_ids_are_extracted() -> None:
    result = classify(
        plain("require>", "Dependent workflow failed. Session id: 98700011, attempt id: 412300099")
    )
    assert result.upstream is not None
    assert (result.upstream.session_id, result.upstream.attempt_id) == ("98700011", "412300099")
    assert "412300099" in result.next_step


def test_empty_everything_is_unknown_with_a_clear_line() -> None:
    result = classify(FailureText(operator="td>", job_id="123"))
    assert result.category is C.UNKNOWN
    assert result.root_error == "TD job 123 failed without an error message"
