"""The failure corpus: how TD workflow runs fail, as the sandbox serves them.

Each ``FailureCase`` in ``FAILURE_CASES`` is built by following the mechanics in
``failures.md`` (how Digdag turns an exception into a task ``error`` and task-log
lines, how TD jobs report in ``debug.cmdout`` / ``debug.stderr``), not by copying
its sample strings: framings, wordings and where the evidence sits vary from case
to case, so that a classifier built from the mechanics is what passes.

Placeholders. ``error``, ``log``, ``job`` and param texts may contain
``{job_id}``, ``{attempt_id}``, ``{session_id}``, ``{task}`` (the failing task's
full name, e.g. ``+wf+load+aggregate``), ``{project}`` and ``{workflow}``. The
sandbox replaces exactly these with ``str.replace``; other braces are literal.
Header comments say ``-- project_id: 501234``: that id is not a placeholder.

Log lines. Each entry of ``FailureCase.log`` is one physical line of the task log
without Digdag's ``<timestamp> [<LEVEL>] (<thread>) <class>: `` prefix:

* a logged message is ``"LEVEL|class|message"``, e.g.
  ``"INFO|io.digdag.core.agent.OperatorManager|td>: queries/aggregate.sql"``;
* a continuation line (multi-line messages, the SQL after ``Started presto job
  id=…:``, raw py>/sh> output, Java stack frames) is ``"|"`` + the raw text,
  e.g. ``"|SELECT 1"``.

The sandbox formats the first kind into full Digdag lines and writes the second
kind as-is.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from bot.diagnosis.categories import Category, RetryAdvice
from bot.sandbox.cases import Expectation, FailureCase, JobSpec

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
_AGENT_FRAMES = (
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
_TD_RUN_JOB_FRAMES = (
    "io.digdag.standards.operator.td.TDOperator.runJob(TDOperator.java:303)",
    "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:82)",
    "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:57)",
    *_AGENT_FRAMES,
)
_TD_CHECK_STATUS = (
    "io.digdag.standards.operator.td.TDJobOperator.checkStatus(TDJobOperator.java:122)"
)
_TD_ENSURE_RUNNING = (
    "io.digdag.standards.operator.td.TDJobOperator.ensureRunningOrSucceeded(TDJobOperator.java:60)"
)
# The TDJobException's own frames: what error.stacktrace holds for a failed job.
_TD_JOB_EXCEPTION_FRAMES = (_TD_ENSURE_RUNNING, _TD_CHECK_STATUS, *_TD_RUN_JOB_FRAMES)
_TD_CLIENT_FRAMES = (
    "com.treasuredata.client.TDRequestErrorHandler.clientError(TDRequestErrorHandler.java:224)",
    "com.treasuredata.client.TDRequestErrorHandler.resolveHttpResponseException"
    "(TDRequestErrorHandler.java:156)",
    "com.treasuredata.client.TDHttpClient.submitRequest(TDHttpClient.java:412)",
    "com.treasuredata.client.TDHttpClient.call(TDHttpClient.java:505)",
    "com.treasuredata.client.TDClient.doPost(TDClient.java:221)",
)
_PY_FRAMES = (
    "io.digdag.standards.operator.PyOperatorFactory$PyOperator.runCode(PyOperatorFactory.java:175)",
    "io.digdag.standards.operator.PyOperatorFactory$PyOperator.runTask(PyOperatorFactory.java:86)",
    *_AGENT_FRAMES,
)
_SH_FRAMES = (
    "io.digdag.standards.operator.ShOperatorFactory$ShOperator.runCode(ShOperatorFactory.java:162)",
    "io.digdag.standards.operator.ShOperatorFactory$ShOperator.runTask(ShOperatorFactory.java:91)",
    *_AGENT_FRAMES,
)


def _entry(level: str, cls: str, message: str) -> tuple[str, ...]:
    """One logged message; its extra lines become continuation lines."""
    first, *rest = message.split("\n")
    return (f"{level}|{cls}|{first}", *(f"|{line}" for line in rest))


def _raw(text: str) -> tuple[str, ...]:
    """Unprefixed output (py>/sh> stdout) between logged messages."""
    return tuple(f"|{line}" for line in text.split("\n"))


def _log(*parts: Iterable[str]) -> tuple[str, ...]:
    return tuple(line for part in parts for line in part)


def _java_trace(
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


def _stacktrace(frames: Sequence[str]) -> str:
    """The ``error.stacktrace`` value: StackTraceElement strings joined by ", "."""
    return ", ".join(frames)


def _operator_line(config: dict[str, Any]) -> tuple[str, ...]:
    """The ``td>: queries/x.sql`` line OperatorManager logs when a task starts."""
    operator = next(key for key in config if key.endswith(">"))
    command = config[operator]
    if not isinstance(command, str):
        command = json.dumps(command, separators=(",", ":"))
    return _entry("INFO", OPERATOR_MANAGER, f"{operator}: {command}")


def _failed(message: str) -> tuple[str, ...]:
    """The log of a TaskExecutionException: ``Task +wf+t failed.`` then the message."""
    return _entry("ERROR", OPERATOR_MANAGER, f"Task {TASK} failed.\n{message}")


def _unexpected(message: str, java_class: str, frames: Sequence[str]) -> tuple[str, ...]:
    """The log of any other RuntimeException: message, then the Java stack trace."""
    return _entry(
        "ERROR",
        OPERATOR_MANAGER,
        f"Task failed with unexpected error: {message}\n"
        + _java_trace(f"{java_class}: {message}", frames),
    )


def _expect(category: Category, retry: RetryAdvice, decisive: str) -> Expectation:
    return Expectation(category=category, retry=retry, decisive=decisive)


# ---------------------------------------------------------------------------
# SQL as td> submits it, and the job's debug output
# ---------------------------------------------------------------------------

PROJECT_ID = "501234"


def _submitted(body: str, *, header: int = 6, prefix: str = "") -> str:
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


def _at(sql: str, needle: str, *, base: int = 1) -> str:
    """``L:C`` of the first ``needle`` in the submitted SQL (Trino counts columns from 1)."""
    for number, line in enumerate(sql.split("\n"), start=1):
        column = line.find(needle)
        if column >= 0:
            return f"{number}:{column + base}"
    raise ValueError(f"{needle!r} is not in the SQL")


def _presto_cmdout(
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


def _progress(stamp: str, peak: str, query_id: str, elapsed: str, *stages: str) -> str:
    """One progress block as the TD Presto client prints it while the query runs."""
    header = f"{query_id:<57}{elapsed}   rows  bytes bytes/sec done   total "
    return "\n".join([f"{stamp} -- peak memory: {peak}, queued time:00:00:00.004", header, *stages])


def _trino_frames(*frames: str) -> str:
    return "\n".join(f"\tat {frame}" for frame in frames)


_TRINO_POOL_FRAMES = (
    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
    "java.base/java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:635)",
    "java.base/java.lang.Thread.run(Thread.java:833)",
)


def _job_state(domain_seed: str, polls: int) -> dict[str, Any]:
    """``stateParams`` of a polling TD-job task (the domain key is a stable UUID per case)."""
    return {
        "job": {
            "jobId": JOB,
            "domainKey": str(uuid.uuid5(uuid.NAMESPACE_URL, domain_seed)),
            "pollIteration": polls,
            "errorPollIteration": 0,
        }
    }


def _td_job_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    job: JobSpec,
    expected: Expectation,
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
        error["stacktrace"] = _stacktrace(_TD_JOB_EXCEPTION_FRAMES)
    status = job.status.upper()
    cause = (
        f"io.digdag.standards.operator.td.TDJobException: TD job {JOB} failed with status {status}"
    )
    log: tuple[str, ...] | None = None
    if "log" in job.id_in:
        retrying = _entry(
            "ERROR",
            OPERATOR_MANAGER,
            "Task failed, retrying\n"
            + _java_trace(
                f"io.digdag.spi.TaskExecutionException: {message}",
                (_TD_CHECK_STATUS, *_TD_RUN_JOB_FRAMES),
                (cause, (_TD_ENSURE_RUNNING,), len(_TD_JOB_EXCEPTION_FRAMES) - 1),
            ),
        )
        # _retry re-polls the same job: each round logs the operator line again but
        # never a new ``Started … job id=`` line.
        log = _log(
            _operator_line(config),
            _entry("INFO", *started),
            *(_log(retrying, _operator_line(config)) for _ in range(retry_count)),
            _failed(f"{message}\n> TD job {JOB} failed with status {status} (td job)"),
        )
    state_params = _job_state(key, polls) if "state_params" in job.id_in else {}
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
        expected=expected,
        **extra,
    )


def _presto_started(sql: str) -> tuple[str, str]:
    return (TD_OPERATOR, f"Started presto job id={JOB}:\n{sql}")


def _hive_started(sql: str) -> tuple[str, str]:
    return (TD_OPERATOR, f"Started hive job id={JOB}:\n{sql}")


def _td_api_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    api_error: str,
    class_words: str,
    expected: Expectation,
    path: tuple[str, ...] = ("aggregate",),
    warn: bool = True,
) -> FailureCase:
    """A TD REST call failed with a 4xx before any job ran: TaskExecutionException(cause)."""
    message = f"{api_error} ({class_words})"
    warning = _entry("WARN", TD_ERROR_HANDLER, api_error) if warn else ()
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error={"message": message, "stacktrace": _stacktrace(_TD_CLIENT_FRAMES + _AGENT_FRAMES)},
        log=_log(_operator_line(config), warning, _failed(message)),
        expected=expected,
    )


# ---------------------------------------------------------------------------
# py>: runner.py's reason text
# ---------------------------------------------------------------------------

RUNNER = "/tmp/digdag-py-3571946-8811223344/runner.py"  # noqa: S108 - a path TD prints
WORKSPACE = "/home/td-user/workspace"
# runner.py calling the user's function: the first frame of most py> tracebacks.
RUNNER_CALL = (RUNNER, 161, "<module>", "result = callable_type(**args)")


def _py_traceback(frames: Sequence[tuple[str, int, str, str]], final: str) -> list[str]:
    """``traceback.format_exception`` elements, each ending in a newline."""
    return [
        "Traceback (most recent call last):\n",
        *(
            f'  File "{path}", line {line}, in {func}\n    {src}\n'
            for path, line, func, src in frames
        ),
        final + "\n",
    ]


def _py_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    summary: str,
    frames: Sequence[tuple[str, int, str, str]],
    final: str,
    expected: Expectation,
    stdout: str = "",
    code: int = 1,
    executor_reason: str | None = None,
    path: tuple[str, ...] = ("export",),
) -> FailureCase:
    """A py> task whose script raised: PyOperatorFactory's reason + `` (runtime)``."""
    head = f"Python command failed with code {code}"
    if executor_reason is not None:
        head += f"\nError messages from CommandExecutor: {executor_reason}"
    elements = _py_traceback(frames, final)
    reason = f"{head}\nError messages from python: {summary}" + "".join(
        f"\n\tfrom {element}" for element in elements
    )
    printed = "".join(elements).rstrip("\n")
    return FailureCase(
        key=key,
        title=title,
        path=path,
        config=config,
        error={"message": f"{reason} (runtime)", "stacktrace": _stacktrace(_PY_FRAMES)},
        log=_log(
            _operator_line(config),
            _raw("Wait running a command task: status provisioning"),
            _raw("Wait running a command task: status pending"),
            _raw("Wait running a command task: status running"),
            _raw(stdout) if stdout else (),
            _raw(printed),
            _unexpected(reason, "java.lang.RuntimeException", _PY_FRAMES),
        ),
        expected=expected,
    )


def _script(name: str) -> str:
    return f"{WORKSPACE}/scripts/{name}.py"


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
    sql = _submitted(body)
    stderr = (
        f"Query 20240601_020009_04521_k7hx2 failed: line {_at(sql, 'FROM orders')}: "
        "mismatched input 'FROM'. Expecting: '*', <expression>, <identifier>"
    )
    return _td_job_case(
        "presto_syntax_query_failed",
        "td> Trino syntax error (trailing comma), 'Query … failed:' framing",
        config={"td>": "queries/aggregate.sql", "database": "sales"},
        job=JobSpec(
            "presto", "error", sql, "sales", _presto_cmdout(sql, "2024-06-01T02:00:09Z"), stderr
        ),
        started=_presto_started(sql),
        expected=_expect(Category.SQL_SYNTAX, RetryAdvice.NO, "mismatched input 'FROM'"),
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
    sql = _submitted(body, header=3)
    stderr = (
        f"SYNTAX_ERROR: line {_at(sql, ') AS users')}: mismatched input ')'. "
        "Expecting: <expression>"
    )
    return _td_job_case(
        "presto_syntax_cmdout_null",
        "td> Trino syntax error, ERROR_NAME framing, cmdout null, message-only error",
        config={"td>": "queries/daily_kpi.sql", "database": "web"},
        job=JobSpec("presto", "error", sql, "web", None, stderr),
        started=_presto_started(sql),
        with_stacktrace=False,
        polls=1,
        expected=_expect(Category.SQL_SYNTAX, RetryAdvice.NO, "mismatched input ')'"),
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
    sql = _submitted(body, prefix='INSERT INTO "daily_active"\n')
    stderr = (
        f"io.trino.spi.TrinoException: line {_at(sql, 'SELECT r.user_id')}: mismatched input "
        "'SELECT'. Expecting: ')', ',', 'EXCEPT', 'FETCH', 'HAVING', 'INTERSECT', 'LIMIT', "
        "'OFFSET', 'ORDER', 'UNION', 'WINDOW'\n"
        + _trino_frames(
            "io.trino.sql.parser.ErrorHandler.syntaxError(ErrorHandler.java:109)",
            "org.antlr.v4.runtime.ProxyErrorListener.syntaxError(ProxyErrorListener.java:41)",
            "org.antlr.v4.runtime.Parser.notifyErrorListeners(Parser.java:543)",
            "org.antlr.v4.runtime.DefaultErrorStrategy.reportInputMismatch"
            "(DefaultErrorStrategy.java:327)",
            "io.trino.sql.parser.SqlParser.invokeParser(SqlParser.java:178)",
            "io.trino.sql.parser.SqlParser.createStatement(SqlParser.java:99)",
            "io.trino.execution.QueryPreparer.prepareQuery(QueryPreparer.java:55)",
            "io.trino.dispatcher.DispatchManager.createQueryInternal(DispatchManager.java:247)",
            *_TRINO_POOL_FRAMES,
        )
    )
    return _td_job_case(
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
            _presto_cmdout(sql, "2024-06-01T01:30:02Z", newline=True),
            stderr,
        ),
        started=_presto_started(sql),
        expected=_expect(Category.SQL_SYNTAX, RetryAdvice.NO, "mismatched input 'SELECT'"),
    )


def _presto_missing_table_on_cmdout() -> FailureCase:
    body = (
        "SELECT o.order_id, o.amount, c.segment\n"
        "FROM staging.orders_20240601 o\n"
        "LEFT JOIN customers c ON c.customer_id = o.customer_id"
    )
    sql = _submitted(body, header=3)
    failure = (
        f"Query 20240601_031502_11872_k7hx2 failed: line {_at(sql, 'staging.orders')}: "
        "Table 'td-presto.staging.orders_20240601' does not exist"
    )
    return _td_job_case(
        "presto_missing_table_on_cmdout",
        "td> Trino table missing (upstream daily table not created), error on cmdout, stderr null",
        config={"td>": "queries/enrich_orders.sql", "database": "sales"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "sales",
            _presto_cmdout(sql, "2024-06-01T03:15:02Z", blocks=[failure]),
            None,
            id_in=("log",),
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.MISSING_TABLE,
            RetryAdvice.AFTER_UPSTREAM,
            "Table 'td-presto.staging.orders_20240601' does not exist",
        ),
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
    sql = _submitted(body)
    stderr = (
        f"COLUMN_NOT_FOUND: line {_at(sql, 'discount_amt')}: "
        "Column 'discount_amt' cannot be resolved"
    )
    return _td_job_case(
        "presto_missing_column",
        "td> Trino column renamed upstream",
        config={"td>": "queries/daily_gross.sql", "database": "sales"},
        job=JobSpec(
            "presto", "error", sql, "sales", _presto_cmdout(sql, "2024-06-01T02:05:11Z"), stderr
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.MISSING_COLUMN, RetryAdvice.NO, "Column 'discount_amt' cannot be resolved"
        ),
    )


def _presto_type_mismatch() -> FailureCase:
    body = (
        "SELECT store_id, COUNT(*) AS tickets\n"
        "FROM pos_receipts\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02', 'JST')\n"
        "  AND store_id = 1042\n"
        "GROUP BY store_id"
    )
    sql = _submitted(body)
    stderr = (
        f"Query 20240601_020017_04560_k7hx2 failed: line {_at(sql, 'store_id = 1042')}: "
        "Cannot apply operator: varchar = integer"
    )
    return _td_job_case(
        "presto_type_mismatch",
        "td> Trino type mismatch (varchar column vs number literal)",
        config={"td>": "queries/store_1042.sql", "database": "retail"},
        job=JobSpec(
            "presto", "error", sql, "retail", _presto_cmdout(sql, "2024-06-01T02:00:17Z"), stderr
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.SQL_SYNTAX, RetryAdvice.NO, "Cannot apply operator: varchar = integer"
        ),
    )


def _presto_node_memory_limit() -> FailureCase:
    body = (
        "SELECT user_id, session_id, ARRAY_AGG(url ORDER BY time) AS path\n"
        "FROM pageviews\n"
        "WHERE TD_TIME_RANGE(time, '2024-05-01', '2024-06-01', 'JST')\n"
        "GROUP BY user_id, session_id"
    )
    sql = _submitted(body, prefix='DROP TABLE IF EXISTS "paths";\nCREATE TABLE "paths" AS\n')
    qid = "20240601_020022_04570_k7hx2"
    blocks = [
        _progress(
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
        _progress(
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
    return _td_job_case(
        "presto_node_memory_limit",
        "td> Trino per-node memory limit on a month-wide ARRAY_AGG",
        config={"td>": "queries/paths.sql", "database": "web", "create_table": "paths"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "web",
            _presto_cmdout(sql, "2024-06-01T02:00:22Z", blocks=blocks, newline=True),
            stderr,
        ),
        started=_presto_started(sql),
        polls=41,
        task_runs_hours=0.13,
        expected=_expect(
            Category.MEMORY_LIMIT, RetryAdvice.NO, "Query exceeded per-node memory limit of 20GB"
        ),
    )


def _presto_cluster_out_of_memory() -> FailureCase:
    body = (
        "SELECT campaign_id, COUNT(*) AS clicks\n"
        "FROM ad_clicks\n"
        "WHERE TD_INTERVAL(time, '-1d', 'JST')\n"
        "GROUP BY campaign_id"
    )
    sql = _submitted(body)
    qid = "20240601_020044_04590_k7hx2"
    blocks = [
        _progress(
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
        + _trino_frames(
            "io.trino.memory.ClusterMemoryManager.callOomKiller(ClusterMemoryManager.java:246)",
            "io.trino.memory.ClusterMemoryManager.process(ClusterMemoryManager.java:190)",
            "io.trino.execution.SqlQueryManager.enforceMemoryLimits(SqlQueryManager.java:307)",
            "io.trino.execution.SqlQueryManager.lambda$start$0(SqlQueryManager.java:153)",
            *_TRINO_POOL_FRAMES,
        )
    )
    return _td_job_case(
        "presto_cluster_out_of_memory",
        "td> Trino query picked by the cluster OOM killer (transient)",
        config={"td>": "queries/clicks.sql", "database": "ads"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "ads",
            _presto_cmdout(sql, "2024-06-01T02:00:44Z", blocks=blocks),
            stderr,
        ),
        started=_presto_started(sql),
        polls=6,
        expected=_expect(
            Category.TRANSIENT_PLATFORM,
            RetryAdvice.YES,
            "Query killed because the cluster is out of memory",
        ),
    )


def _presto_time_limit() -> FailureCase:
    body = (
        "SELECT a.user_id, b.user_id AS peer, COUNT(*) AS shared\n"
        "FROM follows a\n"
        "JOIN follows b ON a.target_id = b.target_id AND a.user_id < b.user_id\n"
        "GROUP BY 1, 2"
    )
    sql = _submitted(body)
    qid = "20240531_200001_90311_k7hx2"
    blocks = [
        _progress(
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
    return _td_job_case(
        "presto_time_limit",
        "td> Trino self-join runs into the 6h execution limit",
        config={"td>": "queries/peers.sql", "database": "social"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "social",
            _presto_cmdout(sql, "2024-05-31T20:00:01Z", blocks=blocks, unfiltered="social.follows"),
            stderr,
        ),
        started=_presto_started(sql),
        polls=2160,
        task_runs_hours=6.0,
        expected=_expect(
            Category.TIME_LIMIT,
            RetryAdvice.NO,
            "Query exceeded the maximum execution time limit of 6.00h",
        ),
    )


def _presto_division_by_zero() -> FailureCase:
    body = (
        "SELECT campaign_id,\n"
        "       SUM(cost) / SUM(conversions) AS cpa\n"
        "FROM campaign_daily\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY campaign_id"
    )
    sql = _submitted(body)
    qid = "20240601_020102_04612_k7hx2"
    blocks = [
        _progress(
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
    return _td_job_case(
        "presto_division_by_zero",
        "td> Trino division by zero: a campaign with zero conversions arrived",
        config={"td>": "queries/cpa.sql", "database": "ads", "store_last_results": True},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "ads",
            _presto_cmdout(sql, "2024-06-01T02:01:02Z", blocks=blocks, newline=True),
            f"Query {qid} failed: Division by zero",
        ),
        started=_presto_started(sql),
        expected=_expect(Category.DATA_ERROR, RetryAdvice.NO, "Division by zero"),
    )


def _presto_cast_failure() -> FailureCase:
    body = (
        "SELECT sku, SUM(CAST(qty AS bigint)) AS units\n"
        "FROM supplier_feed\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY sku"
    )
    sql = _submitted(body, header=3)
    return _td_job_case(
        "presto_cast_failure",
        "td> Trino cast of a free-text quantity fails on one supplier row",
        config={"td>": "queries/units.sql", "database": "supply"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "supply",
            _presto_cmdout(sql, "2024-06-01T04:00:12Z", version="350"),
            "INVALID_CAST_ARGUMENT: Cannot cast '12 pcs' to BIGINT",
            id_in=("log",),
        ),
        started=_presto_started(sql),
        expected=_expect(Category.DATA_ERROR, RetryAdvice.NO, "Cannot cast '12 pcs' to BIGINT"),
    )


def _presto_access_denied() -> FailureCase:
    body = (
        "SELECT TD_TIME_STRING(time, 'd!', 'JST') AS day, SUM(amount) AS paid\n"
        "FROM finance.payments\n"
        "WHERE TD_INTERVAL(time, '-1d', 'JST')\n"
        "GROUP BY 1"
    )
    sql = _submitted(body, prefix='INSERT INTO "daily_summary"\n')
    return _td_job_case(
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
            _presto_cmdout(sql, "2024-06-01T02:01:21Z"),
            "Query 20240601_020121_04633_k7hx2 failed: Access Denied: "
            "Cannot insert into table td-presto.finance.daily_summary",
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.PERMISSION,
            RetryAdvice.AFTER_FIX,
            "Access Denied: Cannot insert into table td-presto.finance.daily_summary",
        ),
    )


def _presto_job_killed() -> FailureCase:
    body = "SELECT *\nFROM access_log\nWHERE TD_INTERVAL(time, '-30d', 'JST')"
    sql = _submitted(body)
    qid = "20240601_021507_05511_k7hx2"
    blocks = [
        _progress(
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
    return _td_job_case(
        "presto_job_killed",
        "td> job killed from the console while the task polled (attempt not killed)",
        config={"td>": "queries/export_raw.sql", "database": "web"},
        job=JobSpec(
            "presto",
            "killed",
            sql,
            "web",
            _presto_cmdout(sql, "2024-06-01T02:15:07Z", blocks=blocks, newline=True),
            None,
        ),
        started=_presto_started(sql),
        polls=98,
        expected=_expect(Category.JOB_KILLED, RetryAdvice.YES, "failed with status KILLED"),
    )


def _presto_retry_same_job() -> FailureCase:
    body = (
        "SELECT device_id, APPROX_DISTINCT(session_id) AS sessions\n"
        "FROM app_events\n"
        "WHERE TD_INTERVAL(time, '-1d', 'UTC')\n"
        "GROUP BY device_id"
    )
    sql = _submitted(body)
    return _td_job_case(
        "presto_retry_same_job",
        "td> with _retry: 3 re-polls the same failed job (worker node lost)",
        config={"td>": "queries/devices.sql", "database": "mobile", "_retry": 3},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "mobile",
            _presto_cmdout(sql, "2024-06-01T05:00:03Z"),
            "Query 20240601_050003_21734_k7hx2 failed: Encountered too many errors talking to a "
            "worker node. The node may have crashed or be under too much load. This is probably "
            "a transient issue, so please retry your query in a few minutes.",
        ),
        started=_presto_started(sql),
        retry_count=3,
        polls=14,
        expected=_expect(
            Category.TRANSIENT_PLATFORM,
            RetryAdvice.YES,
            "Encountered too many errors talking to a worker node",
        ),
    )


def _nested_function_not_registered() -> FailureCase:
    body = (
        "SELECT\n"
        "  td_time_fromat(time, 'yyyy-MM-dd', 'JST') AS day,\n"
        "  COUNT(*) AS rows_loaded\n"
        "FROM daily_import\n"
        "GROUP BY 1"
    )
    sql = _submitted(body)
    return _td_job_case(
        "nested_function_not_registered",
        "td> two groups deep: misspelt UDF name",
        path=("load", "daily", "aggregate"),
        config={"td>": "queries/load/daily_count.sql", "database": "ingest"},
        job=JobSpec(
            "presto",
            "error",
            sql,
            "ingest",
            _presto_cmdout(sql, "2024-06-01T01:10:44Z"),
            f"Query 20240601_011044_00977_k7hx2 failed: line {_at(sql, 'td_time_fromat')}: "
            "Function 'td_time_fromat' not registered",
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.SQL_SYNTAX, RetryAdvice.NO, "Function 'td_time_fromat' not registered"
        ),
    )


def _error_handler_insert_mismatch() -> FailureCase:
    body = (
        "SELECT region, TD_TIME_STRING(time, 'd!', 'JST') AS day, AVG(basket) AS basket\n"
        "FROM receipts\n"
        "WHERE TD_INTERVAL(time, '-1d', 'JST')\n"
        "GROUP BY 1, 2"
    )
    sql = _submitted(body, prefix='INSERT INTO "region_daily"\n')
    return _td_job_case(
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
            _presto_cmdout(sql, "2024-06-01T02:20:30Z"),
            "Query 20240601_022030_06101_k7hx2 failed: Insert query has mismatched column types: "
            "Table: [varchar, bigint, double], Query: [varchar, varchar, double]",
        ),
        started=_presto_started(sql),
        has_error_handler=True,
        expected=_expect(
            Category.SQL_SYNTAX, RetryAdvice.NO, "Insert query has mismatched column types"
        ),
    )


# ---------------------------------------------------------------------------
# B. td> on Hive
# ---------------------------------------------------------------------------


def _hive_cmdout(sql: str, started: str, progress: str = "") -> str:
    text = f"started at {started}\nexecuting query: {sql}\n"
    return text + progress


def _hive_table_not_found() -> FailureCase:
    body = (
        "SELECT o.order_id, o.amount, s.carrier\n"
        "FROM orders o\n"
        "JOIN shipments_20240601 s ON s.order_id = o.order_id\n"
        "WHERE TD_TIME_RANGE(o.time, '2024-06-01', '2024-06-02')"
    )
    sql = _submitted(body, prefix="INSERT OVERWRITE TABLE `order_shipments`\n")
    return _td_job_case(
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
            _hive_cmdout(sql, "2024-06-01T06:00:11Z"),
            f"FAILED: SemanticException [Error 10001]: Line "
            f"{_at(sql, 'shipments_20240601', base=0)} Table not found 'shipments_20240601'",
        ),
        started=_hive_started(sql),
        expected=_expect(
            Category.MISSING_TABLE,
            RetryAdvice.AFTER_UPSTREAM,
            "Table not found 'shipments_20240601'",
        ),
    )


def _hive_tez_oom() -> FailureCase:
    body = (
        "SELECT user_id, collect_list(item_id) AS items\n"
        "FROM purchases\n"
        "WHERE TD_TIME_RANGE(time, '2023-06-01', '2024-06-01')\n"
        "GROUP BY user_id"
    )
    sql = _submitted(body, header=3)
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
    return _td_job_case(
        "hive_tez_oom",
        "td> Hive on Tez: reducer runs out of heap on a year-long collect_list",
        config={"td>": "queries/baskets.sql", "database": "shop", "engine": "hive"},
        job=JobSpec(
            "hive",
            "error",
            sql,
            "shop",
            _hive_cmdout(sql, "2024-06-01T02:02:10Z", progress),
            stderr,
        ),
        started=_hive_started(sql),
        polls=220,
        task_runs_hours=1.6,
        expected=_expect(
            Category.MEMORY_LIMIT, RetryAdvice.NO, "java.lang.OutOfMemoryError: Java heap space"
        ),
    )


def _hive_parse_exception() -> FailureCase:
    body = (
        "SELECT code, count(1) AS hits,\n"
        "FROM access_log\n"
        "WHERE TD_TIME_RANGE(time, '2024-06-01', '2024-06-02')\n"
        "GROUP BY code"
    )
    sql = _submitted(body, header=3)
    return _td_job_case(
        "hive_parse_exception",
        "td> Hive parse error (trailing comma), job id only in the log",
        config={"td>": "queries/status_codes.sql", "database": "web", "engine": "hive"},
        job=JobSpec(
            "hive",
            "error",
            sql,
            "web",
            _hive_cmdout(sql, "2024-06-01T07:00:02Z"),
            f"FAILED: ParseException line {_at(sql, 'FROM access_log', base=0)} cannot recognize "
            "input near 'FROM' 'access_log' 'WHERE' in select clause",
            id_in=("log",),
        ),
        started=_hive_started(sql),
        expected=_expect(Category.SQL_SYNTAX, RetryAdvice.NO, "cannot recognize input near 'FROM'"),
    )


# ---------------------------------------------------------------------------
# C. TD REST API errors at submission (no job)
# ---------------------------------------------------------------------------


def _td_submit_forbidden() -> FailureCase:
    return _td_api_case(
        "td_submit_forbidden",
        "td> job submission refused: the run-as user has no access to the database",
        config={"td>": "queries/finance_rollup.sql", "database": "finance"},
        api_error="[CLIENT_ERROR] [403:Forbidden] API request to /v3/job/issue/presto/finance "
        "has failed: Access denied for database finance",
        class_words="td client http",
        expected=_expect(
            Category.PERMISSION,
            RetryAdvice.AFTER_FIX,
            "[403:Forbidden] API request to /v3/job/issue/presto/finance",
        ),
    )


def _td_unknown_pool() -> FailureCase:
    return _td_api_case(
        "td_unknown_pool",
        "td> names a Presto resource pool that does not exist",
        config={"td>": "queries/heavy.sql", "database": "sales", "presto_pool_name": "etl_large"},
        api_error="[CLIENT_ERROR] [400:Bad Request] API request to /v3/job/issue/presto/sales "
        "has failed: Presto resource pool with name 'etl_large' does not exist",
        class_words="td client http",
        warn=False,
        expected=_expect(
            Category.CONFIG_ERROR,
            RetryAdvice.AFTER_FIX,
            "Presto resource pool with name 'etl_large' does not exist",
        ),
    )


def _td_database_not_found() -> FailureCase:
    return _td_api_case(
        "td_database_not_found",
        "td> runs against a staging database that is not there",
        config={"td>": "queries/stage.sql", "database": "sales_stg", "engine": "hive"},
        api_error="[TARGET_NOT_FOUND] [404:Not Found] API request to /v3/job/issue/hive/sales_stg "
        "has failed: Couldn't find UserDatabase with name = sales_stg",
        class_words="td client http not found",
        expected=_expect(
            Category.MISSING_TABLE,
            RetryAdvice.AFTER_UPSTREAM,
            "Couldn't find UserDatabase with name = sales_stg",
        ),
    )


# ---------------------------------------------------------------------------
# D. Loads and exports
# ---------------------------------------------------------------------------


def _embulk_cmdout(plugin: str, started: str) -> str:
    return (
        f"{started}.230 +0000 [INFO] (0001:transaction): Loaded plugin {plugin}\n"
        f"{started}.877 +0000 [INFO] (0001:transaction): Using local thread executor with "
        "max_threads=4 / tasks=1\n"
        f"{started}.910 +0000 [INFO] (0001:transaction): {{done:  0 / 1, running: 0}}\n"
    )


def _td_load_mysql_link_failure() -> FailureCase:
    stderr = (
        "org.embulk.exec.PartialExecutionException: java.lang.RuntimeException: "
        "com.mysql.cj.jdbc.exceptions.CommunicationsLinkFailure: Communications link failure\n"
        "\n"
        "The last packet sent successfully to the server was 0 milliseconds ago. The driver has "
        "not received any packets from the server.\n"
        "\tat org.embulk.exec.BulkLoader$LoaderState.buildPartialExecuteException"
        "(BulkLoader.java:340)\n"
        "\tat org.embulk.exec.BulkLoader.doRun(BulkLoader.java:566)\n"
        "\tat org.embulk.exec.BulkLoader.access$000(BulkLoader.java:35)\n"
        "Caused by: java.net.ConnectException: Connection timed out (Connection timed out)\n"
        "\tat java.net.PlainSocketImpl.socketConnect(Native Method)"
    )
    config = {"td_load>": "config/mysql_orders.yml", "database": "ingest", "table": "orders"}
    return _td_job_case(
        "td_load_mysql_link_failure",
        "td_load> from MySQL: the source database is unreachable",
        path=("ingest",),
        config=config,
        job=JobSpec(
            "bulkload",
            "error",
            {"config": {"in": {"type": "mysql", "host": "orders-db.internal", "table": "orders"}}},
            "ingest",
            _embulk_cmdout("embulk-input-mysql (0.13.2)", "2024-06-01 02:05:01"),
            stderr,
        ),
        started=(TD_LOAD_OPERATOR, f"Started bulk load job id={JOB}"),
        expected=_expect(
            Category.IMPORT_FAILURE,
            RetryAdvice.DEPENDS,
            "CommunicationsLinkFailure: Communications link failure",
        ),
    )


def _td_load_s3_no_such_key() -> FailureCase:
    stderr = (
        "org.embulk.exec.PartialExecutionException: "
        "com.amazonaws.services.s3.model.AmazonS3Exception: The specified key does not exist. "
        "(Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey; Request ID: "
        "7Q2X5B9K1M3N4P6R; S3 Extended Request ID: "
        "pQ4rBm0m7Xk1yF3c9Lw2ZtR8vH6sJ5nD0aE1gU7iO3kV9bM2xC4zA8qW6eT1yR5uI0oP3lK=), "
        "S3 Extended Request ID: "
        "pQ4rBm0m7Xk1yF3c9Lw2ZtR8vH6sJ5nD0aE1gU7iO3kV9bM2xC4zA8qW6eT1yR5uI0oP3lK=\n"
        "\tat org.embulk.exec.BulkLoader$LoaderState.buildPartialExecuteException"
        "(BulkLoader.java:340)\n"
        "\tat org.embulk.input.s3.AbstractS3FileInputPlugin$S3InputStreamReopener.reopen"
        "(AbstractS3FileInputPlugin.java:394)"
    )
    config = {"td_load>": "s3_orders_daily", "database": "ingest", "table": "orders_raw"}
    return _td_job_case(
        "td_load_s3_no_such_key",
        "td_load> saved S3 connector: the day's file is not there yet",
        path=("ingest",),
        config=config,
        job=JobSpec(
            "bulkload",
            "error",
            {
                "config": {
                    "in": {
                        "type": "s3",
                        "bucket": "acme-landing",
                        "path_prefix": "orders/2024-06-01/",
                    }
                }
            },
            "ingest",
            _embulk_cmdout("embulk-input-s3 (0.6.1)", "2024-06-01 01:00:04"),
            stderr,
            id_in=("log",),
        ),
        started=(TD_LOAD_OPERATOR, f"Started bulk load session job name=s3_orders_daily, id={JOB}"),
        expected=_expect(
            Category.IMPORT_FAILURE, RetryAdvice.AFTER_UPSTREAM, "The specified key does not exist"
        ),
    )


def _export_cmdout(sql: str, started: str, qid: str, target: str) -> str:
    block = _progress(
        started.replace("T", " ").rstrip("Z"),
        "212M",
        qid,
        "00:00:04.551",
        "[0] output <- exchange <- remotesource[1]        FINISHED      4,213   611KB"
        "   134KB/s    1 /     1 ",
    )
    return _presto_cmdout(sql, started, blocks=[block, "4213 rows.", f"writing result to {target}"])


def _result_export_connection_refused() -> FailureCase:
    body = "SELECT customer_id, segment, score\nFROM customer_scores\nWHERE score > 0.7"
    sql = _submitted(body)
    qid = "20240601_030011_11020_k7hx2"
    stderr = (
        "java.sql.SQLNonTransientConnectionException: Could not create connection to database "
        "server. Attempted reconnect 3 times. Giving up.\n"
        "Caused by: com.mysql.cj.exceptions.CJCommunicationsException: "
        "Communications link failure\n"
        "Caused by: java.net.ConnectException: Connection refused (Connection refused)"
    )
    return _td_job_case(
        "result_export_connection_refused",
        "td> result export to MySQL: the target refuses connections",
        path=("publish",),
        config={
            "td>": "queries/hot_customers.sql",
            "database": "crm",
            "result_connection": "crm_mysql",
            "result_settings": {"table": "hot_customers", "mode": "replace"},
        },
        job=JobSpec(
            "presto",
            "error",
            sql,
            "crm",
            _export_cmdout(sql, "2024-06-01T03:00:11Z", qid, "mysql://crm-db.example.com:3306/crm"),
            stderr,
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.EXPORT_FAILURE,
            RetryAdvice.DEPENDS,
            "Connection refused (Connection refused)",
        ),
    )


def _result_export_password_failed() -> FailureCase:
    body = "SELECT day, channel, revenue\nFROM revenue_daily\nWHERE day = '2024-06-01'"
    sql = _submitted(body, header=3)
    qid = "20240601_040002_12088_k7hx2"
    return _td_job_case(
        "result_export_password_failed",
        "td> result export to PostgreSQL: the export user's password was rotated; no log file, "
        "job id only in storeParams",
        path=("publish",),
        config={
            "td>": "queries/revenue_export.sql",
            "database": "finance",
            "result_connection": "bi_postgres",
            "result_settings": {"table": "revenue_daily", "mode": "append"},
        },
        job=JobSpec(
            "presto",
            "error",
            sql,
            "finance",
            _export_cmdout(sql, "2024-06-01T04:00:02Z", qid, "postgresql://bi-db.example.com/bi"),
            "org.postgresql.util.PSQLException: FATAL: password authentication failed for user "
            '"td_export"',
            id_in=("store_params",),
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.EXPORT_FAILURE,
            RetryAdvice.AFTER_FIX,
            'password authentication failed for user "td_export"',
        ),
    )


def _table_export_secret_missing() -> FailureCase:
    key = "secret_access_key"
    message = f"Secret not found for key: '{key}'"
    frames = (
        "io.digdag.spi.SecretProvider.lambda$getSecret$0(SecretProvider.java:12)",
        "java.util.Optional.orElseThrow(Optional.java:290)",
        "io.digdag.spi.SecretProvider.getSecret(SecretProvider.java:12)",
        "io.digdag.standards.operator.td.TdTableExportOperatorFactory$TdTableExportOperator"
        ".startJob(TdTableExportOperatorFactory.java:103)",
        "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:78)",
        *_AGENT_FRAMES,
    )
    config = {
        "td_table_export>": "",
        "database": "web",
        "table": "access_log",
        "s3_bucket": "acme-archive",
        "s3_path_prefix": "access_log/2024-06-01",
        "file_format": "jsonl.gz",
    }
    return FailureCase(
        key="table_export_secret_missing",
        title="td_table_export> cannot find the AWS secret",
        path=("archive",),
        config=config,
        error={"message": f"{message} (secret not found)", "stacktrace": _stacktrace(frames)},
        log=_log(
            _operator_line(config),
            _unexpected(message, "io.digdag.spi.SecretNotFoundException", frames),
        ),
        expected=_expect(Category.CONFIG_ERROR, RetryAdvice.AFTER_FIX, message),
    )


# ---------------------------------------------------------------------------
# F. py>
# ---------------------------------------------------------------------------


def _py_key_error_env() -> FailureCase:
    return _py_case(
        "py_key_error_env",
        "py> reads an environment variable the workflow no longer sets",
        config={"py>": "scripts.sync_crm.main", "docker": {"image": "digdag/digdag-python:3.9"}},
        summary="'CRM_API_TOKEN' (KeyError)",
        frames=[
            RUNNER_CALL,
            (_script("sync_crm"), 14, "main", "token = os.environ['CRM_API_TOKEN']"),
            ("/usr/local/lib/python3.9/os.py", 679, "__getitem__", "raise KeyError(key) from None"),
        ],
        final="KeyError: 'CRM_API_TOKEN'",
        executor_reason="No container information",
        stdout="sync_crm: starting for session 2024-06-01",
        expected=_expect(
            Category.PYTHON_EXCEPTION,
            RetryAdvice.NO,
            "Error messages from python: 'CRM_API_TOKEN' (KeyError)",
        ),
    )


def _py_attribute_error_module() -> FailureCase:
    return _py_case(
        "py_attribute_error_module",
        "py> names a function the module does not have",
        config={"py>": "scripts.export_segments.mian"},
        summary="Module 'scripts.export_segments' has no attribute 'mian' (AttributeError)",
        frames=[
            (
                RUNNER,
                128,
                "<module>",
                "raise AttributeError(\"Module '{}' has no attribute "
                "'{}'\".format(mod_name, method_name))",
            ),
        ],
        final="AttributeError: Module 'scripts.export_segments' has no attribute 'mian'",
        expected=_expect(
            Category.PYTHON_EXCEPTION,
            RetryAdvice.NO,
            "Module 'scripts.export_segments' has no attribute 'mian'",
        ),
    )


def _py_trino_user_error() -> FailureCase:
    error = (
        'TrinoUserError(type=USER_ERROR, name=TABLE_NOT_FOUND, message="line 3:10: Table '
        "'td-presto.sales.orders_enriched' does not exist\", query_id=20240601_021500_05012_k7hx2)"
    )
    return _py_case(
        "py_trino_user_error",
        "py> pytd query hits a table the upstream workflow did not build",
        config={"py>": "scripts.features.build", "database": "sales"},
        summary=f"{error} (TrinoUserError)",
        frames=[
            RUNNER_CALL,
            (_script("features"), 22, "build", "df = client.query(SQL)['data']"),
            (
                "/usr/local/lib/python3.9/site-packages/pytd/client.py",
                240,
                "query",
                "res = engine.execute(header + query, **kwargs)",
            ),
            (
                "/usr/local/lib/python3.9/site-packages/trino/client.py",
                862,
                "process",
                'raise self._process_error(response["error"], response.get("id"))',
            ),
        ],
        final=f"trino.exceptions.TrinoUserError: {error}",
        stdout="features: querying sales.orders_enriched for 2024-06-01",
        expected=_expect(
            Category.MISSING_TABLE,
            RetryAdvice.AFTER_UPSTREAM,
            "Table 'td-presto.sales.orders_enriched' does not exist",
        ),
    )


def _py_requests_503() -> FailureCase:
    url = "https://api.example-crm.com/v2/contacts/bulk"
    return _py_case(
        "py_requests_503",
        "py> CRM push: the CRM API answers 503",
        config={"py>": "scripts.crm_push.main"},
        summary=f"503 Server Error: Service Unavailable for url: {url} (HTTPError)",
        frames=[
            RUNNER_CALL,
            (_script("crm_push"), 41, "main", "resp.raise_for_status()"),
            (
                "/usr/local/lib/python3.9/site-packages/requests/models.py",
                1021,
                "raise_for_status",
                "raise HTTPError(http_error_msg, response=self)",
            ),
        ],
        final="requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
        + url,
        stdout="crm_push: 12,880 contacts in 13 batches\ncrm_push: batch 1/13",
        expected=_expect(
            Category.HTTP_ERROR, RetryAdvice.YES, "503 Server Error: Service Unavailable"
        ),
    )


def _py_requests_400() -> FailureCase:
    url = "https://api.adplatform.example/v3/audiences/upload?account=88123"
    return _py_case(
        "py_requests_400",
        "py> audience upload rejected by the ad platform (bad payload)",
        config={"py>": "scripts.audiences.upload"},
        summary=f"400 Client Error: Bad Request for url: {url} (HTTPError)",
        frames=[
            RUNNER_CALL,
            (_script("audiences"), 57, "upload", "r.raise_for_status()"),
            (
                "/usr/local/lib/python3.9/site-packages/requests/models.py",
                1021,
                "raise_for_status",
                "raise HTTPError(http_error_msg, response=self)",
            ),
        ],
        final=f"requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: {url}",
        stdout='audiences: response body: {"error": "schema_mismatch", "field": "hashed_email"}',
        expected=_expect(
            Category.HTTP_ERROR, RetryAdvice.AFTER_FIX, "400 Client Error: Bad Request"
        ),
    )


def _py_container_oom() -> FailureCase:
    config = {"py>": "scripts.model.score", "docker": {"image": "digdag/digdag-python:3.9"}}
    reason = (
        "Python command failed with code 137\n"
        "Error messages from CommandExecutor: "
        "OutOfMemoryError: Container killed due to memory usage"
    )
    return FailureCase(
        key="py_container_oom",
        title="py> container killed for memory while scoring a full table in pandas",
        path=("score",),
        config=config,
        error={"message": f"{reason} (runtime)", "stacktrace": _stacktrace(_PY_FRAMES)},
        log=_log(
            _operator_line(config),
            _raw("Wait running a command task: status provisioning"),
            _raw("Wait running a command task: status running"),
            _raw("score: loading events since 2024-03-01\nscore: 48,211,904 rows fetched"),
            _unexpected(reason, "java.lang.RuntimeException", _PY_FRAMES),
        ),
        expected=_expect(
            Category.MEMORY_LIMIT,
            RetryAdvice.NO,
            "OutOfMemoryError: Container killed due to memory usage",
        ),
    )


def _py_value_error_hostile() -> FailureCase:
    """Slack control sequences and credentials in script output and traceback source lines."""
    value = "<!channel> <!here> ping <@U024BE7LH> now <https://evil.example|click>"
    call = (
        'rows = fetch(apikey="1234/0123456789abcdef0123456789abcdef01234567", '
        'aws_key="AKIAIOSFODNN7EXAMPLE", dsn="https://user:secret@host/", '
        'pg="host=crm-db.internal dbname=crm user=etl password=hunter2")'
    )
    return _py_case(
        "py_value_error_hostile",
        "py> campaign budgets: a row with Slack mentions and hard-coded credentials in the trace",
        config={"py>": "scripts.campaigns.main"},
        summary=f"could not convert string to float: '{value}' (ValueError)",
        frames=[
            RUNNER_CALL,
            (_script("campaigns"), 18, "main", call),
            (_script("campaigns"), 31, "fetch", 'budget = float(row["budget"])'),
        ],
        final=f"ValueError: could not convert string to float: '{value}'",
        stdout=(
            "campaigns: connecting with dsn=https://user:secret@host/ password=hunter2\n"
            f"campaigns: preview: {value}"
        ),
        expected=_expect(
            Category.PYTHON_EXCEPTION, RetryAdvice.NO, "could not convert string to float"
        ),
    )


# ---------------------------------------------------------------------------
# G. sh>, http>, require>, fail>
# ---------------------------------------------------------------------------


def _sh_exit_code_2() -> FailureCase:
    config = {"sh>": "./scripts/publish.sh"}
    missing = "ls: cannot access '/tmp/export/orders_*.csv': No such file or directory"
    message = "Command failed with code 2"
    return FailureCase(
        key="sh_exit_code_2",
        title="sh> publish script exits 2: the export files it expects are not there",
        path=("publish",),
        config=config,
        error={"message": f"{message} (runtime)", "stacktrace": _stacktrace(_SH_FRAMES)},
        log=_log(
            _operator_line(config),
            _raw(
                "+ set -euo pipefail\n"
                "+ mkdir -p /tmp/export\n"
                "+ td export:result 2187650077 /tmp/export\n"
                "+ ls /tmp/export/orders_*.csv\n" + missing
            ),
            _unexpected(message, "java.lang.RuntimeException", _SH_FRAMES),
        ),
        expected=_expect(Category.SHELL_EXIT, RetryAdvice.NO, missing),
    )


def _http_post_5xx() -> FailureCase:
    url = "https://api.partner.example/v1/refresh"
    config = {"http>": url, "method": "POST", "content": {"date": "2024-06-01"}}
    # POST is not retried by default, so a 5xx fails the task at once.
    message = f"HTTP 5XX Server Error: POST {url}: 503 Service Unavailable"
    return FailureCase(
        key="http_post_5xx",
        title="http> POST to a partner API answered 503",
        path=("notify",),
        config=config,
        error={"message": message},
        log=_log(
            _operator_line(config),
            _entry("INFO", HTTP_OPERATOR, f"Sending HTTP request: POST {url}"),
            _entry(
                "INFO",
                HTTP_OPERATOR,
                f"Received HTTP response: POST {url}: HttpContentResponse[HTTP/1.1 503 Service "
                "Unavailable - 162 bytes]",
            ),
            _failed(message),
        ),
        expected=_expect(Category.HTTP_ERROR, RetryAdvice.YES, "503 Service Unavailable"),
    )


def _http_4xx_token_in_url() -> FailureCase:
    url = (
        "https://reports.partner.example/v2/daily"
        "?access_token=tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0&date=2024-06-01"
    )
    config = {"http>": url, "method": "GET", "store_content": True}
    message = (
        f"HTTP 4XX Client Error: GET {url} - 422 Unprocessable Entity: "
        '{"error":"invalid_date_range","message":"date must be before today in UTC"}'
    )
    return FailureCase(
        key="http_4xx_token_in_url",
        title="http> GET with a token in the query string answered 422",
        path=("fetch_report",),
        config=config,
        error={"message": message},
        log=_log(
            _operator_line(config),
            _entry("INFO", HTTP_OPERATOR, f"Sending HTTP request: GET {url}"),
            _entry(
                "INFO",
                HTTP_OPERATOR,
                f"Received HTTP response: GET {url}: HttpContentResponse[HTTP/1.1 422 "
                "Unprocessable Entity - 78 bytes]",
            ),
            _failed(message),
        ),
        expected=_expect(Category.HTTP_ERROR, RetryAdvice.AFTER_FIX, "422 Unprocessable Entity"),
    )


def _require_upstream_failed() -> FailureCase:
    config = {"require>": "daily_ingest", "project_name": "ingest"}
    message = "Dependent workflow failed. Session id: 98700011, attempt id: 412300099"
    return FailureCase(
        key="require_upstream_failed",
        title="require> on the ingest workflow, whose attempt failed",
        path=("wait_ingest",),
        config=config,
        error={"message": message},
        log=_log(_operator_line(config), _failed(message)),
        task_runs_hours=2.5,
        expected=_expect(Category.UPSTREAM_WAIT, RetryAdvice.AFTER_UPSTREAM, message),
    )


def _fail_quality_gate() -> FailureCase:
    message = "Row count check failed: orders has 0 rows for 2024-06-01 (expected at least 1000)"
    config = {"fail>": message}
    return FailureCase(
        key="fail_quality_gate",
        title="fail> data-quality gate inside if>: no orders loaded",
        path=("check^sub",),
        config=config,
        error={"message": message},
        log=_log(_operator_line(config), _failed(message)),
        expected=_expect(Category.DATA_ERROR, RetryAdvice.NO, message),
    )


# ---------------------------------------------------------------------------
# E/H. Limits and configuration
# ---------------------------------------------------------------------------

_TASK_LIMIT_FRAMES = (
    "io.digdag.core.workflow.TaskControl.checkTaskLimit(TaskControl.java:318)",
    "io.digdag.core.workflow.TaskControl.addGeneratedSubtasks(TaskControl.java:183)",
    "io.digdag.core.workflow.WorkflowExecutor.lambda$taskSucceeded$22(WorkflowExecutor.java:1203)",
    "io.digdag.core.database.DatabaseSessionStoreManager.lockTaskIfExists"
    "(DatabaseSessionStoreManager.java:671)",
    "io.digdag.core.workflow.WorkflowExecutor.taskSucceeded(WorkflowExecutor.java:1190)",
)


def _for_each_task_limit() -> FailureCase:
    config = {
        "for_each>": {"day": [f"2024-05-{d:02d}" for d in range(1, 32)]},
        "_do": {"td>": "queries/shop_day.sql"},
    }
    return FailureCase(
        key="for_each_task_limit",
        title="for_each> over May's days, run per shop: the 31 new tasks push the attempt "
        "past 1,000",
        path=("fan_out",),
        config=config,
        error={
            "message": "Too many tasks. Limit: 1000, Current: 985, Adding: 31 "
            "(task limit exceeded)",
            "stacktrace": _stacktrace(_TASK_LIMIT_FRAMES),
        },
        # The executor refuses the subtasks server-side: the task log stops after the start line.
        log=_operator_line(config),
        expected=_expect(Category.ATTEMPT_LIMIT, RetryAdvice.NO, "Too many tasks. Limit: 1000"),
    )


def _config_frames(operator_frame: str) -> tuple[str, ...]:
    return (
        "io.digdag.client.config.Config.get(Config.java:211)",
        operator_frame,
        *_AGENT_FRAMES,
    )


def _config_case(
    key: str,
    title: str,
    *,
    config: dict[str, Any],
    message: str,
    operator_frame: str,
    expected: Expectation,
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
            "stacktrace": _stacktrace(_config_frames(operator_frame)),
        },
        log=_log(
            _operator_line(config),
            _entry(
                "ERROR", OPERATOR_MANAGER, f"Configuration error at task {TASK}: {message} (config)"
            ),
        ),
        expected=expected,
    )


def _loop_subtask_limit() -> FailureCase:
    message = "Too many loop subtasks. Limit: 1000"
    return _config_case(
        "loop_subtask_limit",
        "loop> per minute of the day: over the operator's subtask limit",
        path=("per_minute",),
        config={"loop>": 1440, "_do": {"td>": "queries/minute.sql"}},
        message=message,
        operator_frame="io.digdag.standards.operator.LoopOperatorFactory$LoopOperator.runTask"
        "(LoopOperatorFactory.java:71)",
        expected=_expect(Category.ATTEMPT_LIMIT, RetryAdvice.NO, message),
    )


def _config_missing_param() -> FailureCase:
    message = "Parameter 'database' is required but not set"
    return _config_case(
        "config_missing_param",
        "td> without a database: the _export block that set it was removed",
        path=("aggregate",),
        config={"td>": "queries/aggregate.sql", "engine": "presto"},
        message=message,
        operator_frame="io.digdag.standards.operator.td.TdOperatorFactory$TdOperator.<init>"
        "(TdOperatorFactory.java:142)",
        expected=_expect(Category.CONFIG_ERROR, RetryAdvice.AFTER_FIX, message),
    )


# ---------------------------------------------------------------------------
# I. Attempt-level endings
# ---------------------------------------------------------------------------


def _attempt_killed_by_person() -> FailureCase:
    body = "SELECT * FROM events\nWHERE TD_TIME_RANGE(time, '2024-01-01', '2024-06-01')"
    sql = _submitted(body)
    config = {"td>": "queries/backfill.sql", "database": "web"}
    job = JobSpec(
        "presto",
        "killed",
        sql,
        "web",
        _presto_cmdout(sql, "2024-06-01T02:00:31Z"),
        None,
    )
    return FailureCase(
        key="attempt_killed_by_person",
        title="Someone killed the attempt while td> ran; cleanup killed its job",
        path=("backfill",),
        config=config,
        error={},
        log=_log(
            _operator_line(config),
            _entry("INFO", *_presto_started(sql)),
            _entry("WARN", OPERATOR_MANAGER, f"Task {TASK} is canceled."),
        ),
        job=job,
        state="canceled",
        state_params=_job_state("attempt_killed_by_person", 9),
        attempt_killed=True,
        task_runs_hours=0.4,
        expected=_expect(Category.KILLED_BY_PERSON, RetryAdvice.YES, "is canceled."),
    )


def _wait_canceled_after_25h() -> FailureCase:
    target = "acme-landing/orders/dt=2024-06-01/_SUCCESS"
    config = {"s3_wait>": target}
    return FailureCase(
        key="wait_canceled_after_25h",
        title="s3_wait> for a marker file that never came, canceled by the 24h task TTL",
        path=("wait_orders",),
        config=config,
        error={},
        log=_log(
            _operator_line(config),
            _entry("WARN", OPERATOR_MANAGER, f"Task {TASK} is canceled."),
        ),
        state="canceled",
        attempt_killed=True,
        task_runs_hours=25.0,
        expected=_expect(Category.KILLED_BY_TIMEOUT, RetryAdvice.AFTER_UPSTREAM, target),
    )


# ---------------------------------------------------------------------------
# Multi-failure attempt: three failing leaves of different kinds
# ---------------------------------------------------------------------------


def _publish_warehouse() -> FailureCase:
    body = "SELECT * FROM region_daily WHERE day = '2024-06-01'"
    sql = _submitted(body)
    qid = "20240601_050012_21801_k7hx2"
    return _td_job_case(
        "multi_failure_publish_warehouse",
        "td> result export to MySQL: access denied for the export user",
        path=("publish", "warehouse"),
        config={
            "td>": "queries/region_export.sql",
            "database": "retail",
            "result_connection": "dwh_mysql",
        },
        job=JobSpec(
            "presto",
            "error",
            sql,
            "retail",
            _export_cmdout(sql, "2024-06-01T05:00:12Z", qid, "mysql://dwh.example.com:3306/dwh"),
            "java.sql.SQLException: Access denied for user 'td_export'@'10.20.30.40' "
            "(using password: YES)",
        ),
        started=_presto_started(sql),
        expected=_expect(
            Category.EXPORT_FAILURE,
            RetryAdvice.AFTER_FIX,
            "Access denied for user 'td_export'@'10.20.30.40'",
        ),
    )


def _publish_rollup() -> FailureCase:
    return _td_api_case(
        "multi_failure_publish_rollup",
        "td_run> names a saved query that was renamed",
        path=("publish", "rollup"),
        config={"td_run>": "daily_rollup_v2"},
        api_error="[TARGET_NOT_FOUND] [404:Not Found] API request to "
        "/v3/schedule/run/daily_rollup_v2/1717200000 has failed: "
        "Couldn't find Schedule with name = daily_rollup_v2",
        class_words="td client http not found",
        expected=_expect(
            Category.CONFIG_ERROR,
            RetryAdvice.AFTER_FIX,
            "Couldn't find Schedule with name = daily_rollup_v2",
        ),
    )


def _multi_failure_publish() -> FailureCase:
    base = _py_case(
        "multi_failure_publish",
        "Three parallel publish tasks fail differently; this one: CRM read timeout",
        path=("publish", "crm"),
        config={"py>": "scripts.crm_push.main"},
        summary="HTTPSConnectionPool(host='api.example-crm.com', port=443): Read timed out. "
        "(read timeout=30) (ReadTimeout)",
        frames=[
            RUNNER_CALL,
            (_script("crm_push"), 39, "main", "resp = session.post(URL, json=batch, timeout=30)"),
            (
                "/usr/local/lib/python3.9/site-packages/requests/adapters.py",
                532,
                "send",
                "raise ReadTimeout(e, request=request)",
            ),
        ],
        final="requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.example-crm.com', "
        "port=443): Read timed out. (read timeout=30)",
        expected=_expect(Category.HTTP_ERROR, RetryAdvice.YES, "Read timed out. (read timeout=30)"),
    )
    return dataclasses.replace(base, siblings=(_publish_warehouse(), _publish_rollup()))


FAILURE_CASES: tuple[FailureCase, ...] = (
    _presto_syntax_query_failed(),
    _presto_syntax_cmdout_null(),
    _presto_syntax_trino_exception(),
    _presto_missing_table_on_cmdout(),
    _presto_missing_column(),
    _presto_type_mismatch(),
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
    _hive_table_not_found(),
    _hive_tez_oom(),
    _hive_parse_exception(),
    _td_submit_forbidden(),
    _td_unknown_pool(),
    _td_database_not_found(),
    _td_load_mysql_link_failure(),
    _td_load_s3_no_such_key(),
    _result_export_connection_refused(),
    _result_export_password_failed(),
    _table_export_secret_missing(),
    _py_key_error_env(),
    _py_attribute_error_module(),
    _py_trino_user_error(),
    _py_requests_503(),
    _py_requests_400(),
    _py_container_oom(),
    _py_value_error_hostile(),
    _sh_exit_code_2(),
    _http_post_5xx(),
    _http_4xx_token_in_url(),
    _require_upstream_failed(),
    _fail_quality_gate(),
    _for_each_task_limit(),
    _loop_subtask_limit(),
    _config_missing_param(),
    _attempt_killed_by_person(),
    _wait_canceled_after_25h(),
    _multi_failure_publish(),
)
