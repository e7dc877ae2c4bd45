"""TD jobs behind td>, td_run> and td_load> tasks, and jobs issued over REST v3."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.model import Job, Store, Task
from bot.sandbox.texts import (
    bulkload_cmdout,
    hive_cmdout,
    presto_cmdout,
    sql_for,
    trino_query_id,
    wrap_sql,
)

JOB_OPERATORS = frozenset({"td>", "td_run>", "td_load>"})
_RESULT_SCHEMA = [["day", "varchar"], ["cnt", "bigint"], ["total", "double"]]


def task_database(task: Task) -> str:
    """The task's ``database``, else the one exported by the workflow (``_export.td``)."""
    database = task.config.get("database")
    if isinstance(database, str):
        return database
    exported = task.attempt.workflow.config.get("_export", {})
    td = exported.get("td", {}) if isinstance(exported, dict) else {}
    value = td.get("database") if isinstance(td, dict) else None
    return value if isinstance(value, str) else "analytics"


def session_date(task: Task) -> str:
    return task.attempt.session.time.strftime("%Y-%m-%d")


def submitted_sql(task: Task) -> str:
    """What td> sends for this task: header comments, td>'s own lines, the statement."""
    attempt = task.attempt
    source = str(task.config.get("td>") or task.config.get("td_run>") or task.full_name)
    sql = sql_for(source, task_database(task), session_date(task))
    if isinstance(task.config.get("insert_into"), str):
        sql = f'INSERT INTO "{task.config["insert_into"]}"\n{sql}'
    elif isinstance(task.config.get("create_table"), str):
        name = task.config["create_table"]
        sql = f'DROP TABLE IF EXISTS "{name}";\nCREATE TABLE "{name}" AS\n{sql}'
    return wrap_sql(
        sql,
        project_id=attempt.session.project.id,
        project=attempt.session.project.name,
        workflow=attempt.workflow.name,
        session=attempt.session.id,
        attempt=attempt.id,
        task=task.full_name,
    )


def job_kind(task: Task) -> str:
    if task.operator == "td_load>":
        return "bulkload"
    return "hive" if task.config.get("engine") == "hive" else "presto"


def start_task_job(store: Store, task: Task, now: datetime, rng: random.Random) -> Job:
    """The running job a healthy TD-job task polls."""
    kind = job_kind(task)
    query: str | dict[str, Any]
    if kind == "bulkload":
        source = str(task.config.get("td_load>"))
        query = {
            "config": {
                "in": {
                    "type": "s3",
                    "bucket": "acme-landing",
                    "path_prefix": f"{task.config.get('table', 'events')}/dt={session_date(task)}/",
                },
                "out": {"mode": "append"},
            },
            "source": source,
        }
    elif task.operator == "td_run>":
        query = sql_for(str(task.config["td_run>"]), task_database(task), session_date(task))
    else:
        query = submitted_sql(task)
    job = new_job(store, kind, query, task_database(task), now, rng)
    job.task = task
    task.job = job
    start_job(job, now + timedelta(seconds=1), rng)
    return job


def new_job(
    store: Store,
    kind: str,
    query: str | dict[str, Any],
    database: str,
    now: datetime,
    rng: random.Random,
) -> Job:
    job = Job(
        id=store.ids.next("job"),
        type=kind,
        query=query,
        database=database,
        user_name=store.user_name,
        created_at=now,
        updated_at=now,
        query_id=trino_query_id(now, rng),
        engine_version="stable" if kind in ("presto", "trino") else None,
    )
    store.add_job(job)
    return job


def start_job(job: Job, at: datetime, rng: random.Random) -> None:
    job.status = "running"
    job.start_at = at
    job.updated_at = at
    job.render_cmdout = True


def finish_job(job: Job, at: datetime, rng: random.Random) -> None:
    """A successful end: full cmdout, counters, a result for plain SELECTs."""
    started = job.start_at or job.created_at
    query = job.query if isinstance(job.query, str) else ""
    selects = job.type != "bulkload" and "INSERT INTO" not in query and "CREATE TABLE" not in query
    rows = rng.randrange(1, 40) if selects else rng.randrange(1_000, 5_000_000)
    job.status = "success"
    job.end_at = max(at, started)
    job.updated_at = job.end_at
    job.num_records = rows
    job.cpu_time = int((job.end_at - started).total_seconds() * rng.uniform(800, 12000))
    job.result_size = rows * rng.randrange(12, 40) if selects else 0
    job.hive_result_schema = [list(c) for c in _RESULT_SCHEMA] if selects else None
    job.render_cmdout = True
    job.stderr = None


def start_job_if_queued(job: Job, at: datetime, rng: random.Random) -> None:
    if job.status == "queued":  # not killed meanwhile
        start_job(job, at, rng)


def finish_job_if_running(job: Job, at: datetime, rng: random.Random) -> None:
    if job.status == "running":
        finish_job(job, at, rng)


def cmdout(job: Job) -> str | None:
    """``debug.cmdout``: the stored text, or a healthy job's progress output."""
    if not job.render_cmdout:
        return job.cmdout
    finished = job.end_at if job.status == "success" else None
    return _cmdout(job, finished, rows=job.num_records or 0, rng=random.Random(job.id))


def _cmdout(job: Job, finished: datetime | None, *, rows: int, rng: random.Random) -> str:
    started = job.start_at or job.created_at
    query = job.query if isinstance(job.query, str) else ""
    if job.type == "bulkload":
        return bulkload_cmdout(started=started, finished=finished, rows=rows)
    if job.type == "hive":
        return hive_cmdout(started=started, finished=finished, query=query, rows=rows, rng=rng)
    return presto_cmdout(
        started=started, finished=finished, query=query, query_id=job.query_id, rows=rows, rng=rng
    )


def result_rows(job: Job) -> list[list[Any]]:
    """The rows of a finished SELECT, stable for the job (dates count back from its start)."""
    if job.status != "success" or not job.hive_result_schema or not job.num_records:
        return []
    rng = random.Random(job.id)
    start = (job.start_at or job.created_at).date()
    return [
        [
            (start - timedelta(days=i)).isoformat(),
            rng.randrange(10, 100_000),
            round(rng.uniform(10, 1e6), 2),
        ]
        for i in range(job.num_records)
    ]
