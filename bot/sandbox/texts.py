"""Real-shaped text of healthy runs: SQL, TD job cmdout, Digdag task-log lines.

Shapes follow failures.md 1.1 (log framing), 1.4 (what td> submits) and 1.5
(TD Presto cmdout). Failure text comes from FailureCase values instead.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from functools import lru_cache

from bot.sandbox.timefmt import iso_z, log_stamp

OPERATOR_MANAGER = "io.digdag.core.agent.OperatorManager"
TD_OPERATOR = "io.digdag.standards.operator.td.TdOperatorFactory$TdOperator"
TD_LOAD_OPERATOR = "io.digdag.standards.operator.td.TdLoadOperatorFactory$TdLoadOperator"
TD_RUN_OPERATOR = "io.digdag.standards.operator.td.TdRunOperatorFactory$TdRunOperator"
HTTP_OPERATOR = "io.digdag.standards.operator.HttpOperatorFactory$HttpOperator"
LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")

# TDJobOperator frames (failures.md 1.2): the stacktrace of every failed td-job task.
TD_JOB_STACKTRACE = ", ".join(
    (
        "io.digdag.standards.operator.td.TDJobOperator.ensureRunningOrSucceeded(TDJobOperator.java:60)",
        "io.digdag.standards.operator.td.TDJobOperator.checkStatus(TDJobOperator.java:122)",
        "io.digdag.standards.operator.td.TDOperator.runJob(TDOperator.java:303)",
        "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:82)",
        "io.digdag.standards.operator.td.BaseTdJobOperator.runTask(BaseTdJobOperator.java:57)",
        "io.digdag.util.BaseOperator.run(BaseOperator.java:35)",
        "io.digdag.core.agent.OperatorManager.callExecutor(OperatorManager.java:399)",
        "io.digdag.core.agent.OperatorManager.runWithWorkspace(OperatorManager.java:308)",
        "io.digdag.core.agent.OperatorManager.lambda$runWithHeartbeat$2(OperatorManager.java:152)",
        "java.lang.Thread.run(Thread.java:829)",
    )
)


def thread_name(number: int, site: int, project: str, session: int, attempt: int, task: str) -> str:
    """Digdag's thread name since mid-2022: ``0252@[site:project:session:attempt]+wf+task``."""
    return f"{number:04d}@[{site}:{project}:{session}:{attempt}]{task}"


def frame(at: datetime, level: str, cls: str, message: str, thread: str) -> list[str]:
    """One log event: the first line framed, continuation lines as they are."""
    first, *rest = message.split("\n")
    return [f"{log_stamp(at)} [{level}] ({thread}) {cls}: {first}", *rest]


def stable_rng(*parts: object) -> random.Random:
    """A generator that depends only on ``parts`` (never on PYTHONHASHSEED)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def uuid_text(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def trino_query_id(at: datetime, rng: random.Random) -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    bits = rng.getrandbits(25)
    suffix = "".join(alphabet[(bits >> (5 * i)) & 31] for i in range(5))
    return f"{at:%Y%m%d_%H%M%S}_{rng.randrange(10000, 99999):05d}_{suffix}"


# ------------------------------------------------------------------ SQL


_SQL_SHAPES = (
    (
        "SELECT\n"
        "  TD_TIME_STRING(time, 'd!', 'JST') AS day,\n"
        "  {dim},\n"
        "  COUNT(1) AS cnt,\n"
        "  SUM({measure}) AS total_{measure}\n"
        "FROM {table}\n"
        "WHERE TD_TIME_RANGE(time, '{date}', TD_TIME_ADD('{date}', '1d'), 'JST')\n"
        "GROUP BY 1, 2"
    ),
    (
        "SELECT\n"
        "  {dim},\n"
        "  APPROX_DISTINCT(td_client_id) AS users,\n"
        "  MAX(time) AS last_seen\n"
        "FROM {table}\n"
        "WHERE TD_INTERVAL(time, '-1d/{date}', 'UTC')\n"
        "GROUP BY 1"
    ),
    (
        "WITH base AS (\n"
        "  SELECT {dim}, {measure}, time\n"
        "  FROM {table}\n"
        "  WHERE TD_TIME_RANGE(time, TD_TIME_ADD('{date}', '-7d'), '{date}', 'UTC')\n"
        ")\n"
        "SELECT {dim}, AVG({measure}) AS avg_{measure}, COUNT(1) AS cnt\n"
        "FROM base\n"
        "GROUP BY {dim}"
    ),
)

_TABLES = (
    ("sales", "orders", "customer_id", "amount"),
    ("sales", "order_items", "sku", "quantity"),
    ("raw", "events", "event_name", "value"),
    ("marketing", "touchpoints", "channel", "cost"),
    ("cdp", "profiles", "segment", "score"),
    ("finance", "payments", "currency", "amount"),
    ("web", "pageviews", "path", "duration_ms"),
    ("ml", "features", "model", "weight"),
)


def sql_for(source: str, database: str | None, session_date: str) -> str:
    """The statement in ``source`` (a .sql path) as it would read on that day."""
    shape, table, dim, measure = _sql_parts(source, database)
    return shape.format(table=table, dim=dim, measure=measure, date=session_date)


@lru_cache(maxsize=4096)
def _sql_parts(source: str, database: str | None) -> tuple[str, str, str, str]:
    rng = stable_rng("sql", source)
    candidates = [t for t in _TABLES if t[0] == database] or list(_TABLES)
    _, table, dim, measure = rng.choice(candidates)
    return rng.choice(_SQL_SHAPES), table, dim, measure


def wrap_sql(
    sql: str, *, project_id: int, project: str, workflow: str, session: int, attempt: int, task: str
) -> str:
    """td> prepends six comment lines (TdOperatorFactory.wrapStmtWithComment, failures.md 1.4)."""
    header = (
        f"-- project_id: {project_id}\n"
        f"-- project_name: {project}\n"
        f"-- workflow_name: {workflow}\n"
        f"-- session_id: {session}\n"
        f"-- attempt_id: {attempt}\n"
        f"-- task_name: {task}\n"
    )
    return header + sql


# ------------------------------------------------------------- cmdout


def _size(rng: random.Random, low: float, high: float, unit: str) -> str:
    return f"{rng.uniform(low, high):.1f}{unit}"


def presto_progress(
    at: datetime, query_id: str, elapsed: float, rows: int, rng: random.Random, *, finished: bool
) -> str:
    """One progress block of TD's Presto cmdout (failures.md 1.5)."""
    state = "FINISHED" if finished else "RUNNING"
    splits = rng.randrange(4, 40)
    done = splits if finished else rng.randrange(0, splits)
    minutes, seconds = divmod(elapsed, 60)
    hours, minutes = divmod(int(minutes), 60)
    return (
        f"{at:%Y-%m-%d %H:%M:%S} -- peak memory: {_size(rng, 1, 900, 'M')}, "
        f"queued time:00:00:00.{rng.randrange(1, 999):03d}\n"
        f"{query_id}                              {hours:02d}:{minutes:02d}:{seconds:06.3f}"
        "   rows  bytes bytes/sec done   total \n"
        f"[0] output <- tablefinish <- exchange <- remotesource[1] {state}"
        f"          {rng.randrange(1, 9)}  {_size(rng, 0.1, 9, 'MB')}   "
        f"{rng.randrange(10, 900)}MB/s    {done if finished else 0} /     {splits} \n"
        f" [1] tablewriter <- exchange <- tablescan[*] FullScan    {state}"
        f"     {rows:,}  {_size(rng, 10, 900, 'KB')}   {rng.randrange(10, 900)}KB/s"
        f"    {done} /     {splits} \n"
    )


def presto_cmdout(
    *,
    started: datetime,
    finished: datetime | None,
    query: str,
    query_id: str,
    rows: int,
    rng: random.Random,
    version: str = "423",
) -> str:
    """Cmdout of a TD Presto job; ``finished=None`` gives the text of a running job."""
    now = finished or started + timedelta(seconds=rng.randrange(5, 60))
    elapsed = (now - started).total_seconds()
    text = f"started at {iso_z(started)}\npresto version: {version}\nexecuting query: {query}\n"
    if "TD_TIME_RANGE" not in query and "TD_INTERVAL" not in query:
        text += (
            "**\n** WARNING: time index filtering is not set on\n"
            "** This query could be very slow as a result.\n"
            "** Please see https://docs.treasuredata.com/display/public/PD/"
            "Leveraging+Time-Based+Partitioning\n**\n"
        )
    text += presto_progress(now, query_id, elapsed, rows, rng, finished=finished is not None)
    if finished is not None:
        text += f"{rows} rows.\nfinished at {iso_z(finished)}\n"
    return text


def hive_cmdout(
    *,
    started: datetime,
    finished: datetime | None,
    query: str,
    rows: int,
    rng: random.Random,
) -> str:
    """Hive-on-Tez progress as TD's Hive jobs print it (failures.md section B)."""
    app = f"application_{int(started.timestamp()) * 1000}_{rng.randrange(100000, 999999)}"
    rule = "-" * 94
    maps = rng.randrange(2, 40)
    reducers = rng.randrange(1, 12)
    text = (
        f"started at {iso_z(started)}\nexecuting query: {query}\n"
        f"Query ID = td_{started:%Y%m%d%H%M%S}_{uuid_text(rng)}\n"
        "Total jobs = 1\nLaunching Job 1 out of 1\n"
        f"Status: Running (Executing on YARN cluster with App id {app})\n"
        f"{rule}\n        VERTICES      MODE        STATUS  TOTAL  COMPLETED  RUNNING  PENDING"
        f"  FAILED  KILLED  \n{rule}\n"
        f"Map 1 .......... container     SUCCEEDED  {maps:5d}      {maps:5d}        0        0"
        "       0       0  \n"
    )
    if finished is not None:
        seconds = (finished - started).total_seconds()
        text += (
            f"Reducer 2 ...... container     SUCCEEDED  {reducers:5d}      {reducers:5d}"
            "        0        0       0       0  \n"
            f"{rule}\nVERTICES: 02/02  [==========================>>] 100%  "
            f"ELAPSED TIME: {seconds:.2f} s\n{rule}\n"
            f"Status: DAG finished successfully in {seconds:.2f} seconds\n"
            f"{rows} rows.\nfinished at {iso_z(finished)}\n"
        )
    else:
        running = max(1, reducers - 1)
        text += (
            f"Reducer 2        container       RUNNING  {reducers:5d}          1  {running:7d}"
            "        0       0       0  \n"
        )
    return text


def bulkload_cmdout(*, started: datetime, finished: datetime | None, rows: int) -> str:
    """Embulk-style lines of a TD data-connector job (failures.md case 25 shape)."""
    stamp = f"{started:%Y-%m-%d %H:%M:%S}.{started.microsecond // 1000:03d} +0000"
    text = (
        f"{stamp} [INFO] (0001:transaction): Loaded plugin embulk-input-s3 (0.5.3)\n"
        f"{stamp} [INFO] (0001:transaction): Using local thread executor with "
        "max_threads=4 / tasks=1\n"
    )
    if finished is not None:
        end = f"{finished:%Y-%m-%d %H:%M:%S}.{finished.microsecond // 1000:03d} +0000"
        text += (
            f"{end} [INFO] (0001:transaction): {{done:  1 / 1, running: 0}}\n"
            f"{end} [INFO] (main): Committed. {rows} records imported.\n"
        )
    return text
