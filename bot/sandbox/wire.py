"""Records as TD serialises them: v3 snake_case, Workflow API camelCase (td-api.md 2, 3.2)."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox import jobs
from bot.sandbox.model import (
    Attempt,
    Database,
    Job,
    LogFile,
    Project,
    Schedule,
    Session,
    Table,
    Task,
    WorkflowDef,
)
from bot.sandbox.timefmt import instant, iso_z, v3_time, zoned

Json = dict[str, Any]

# ------------------------------------------------------------------ REST v3


def job(record: Job, console: str, *, debug: bool) -> Json:
    body: Json = {
        "job_id": str(record.id),
        "type": record.type,
        "status": record.status,
        "query": record.query,
        "database": record.database,
        "user_name": record.user_name,
        "url": f"{console}/app/jobs/{record.id}",
        "created_at": v3_time(record.created_at),
        "updated_at": v3_time(record.updated_at or record.created_at),
        "start_at": v3_time(record.start_at),
        "end_at": v3_time(record.end_at),
        "duration": record.duration,
        "cpu_time": record.cpu_time,
        "result_size": record.result_size,
        "num_records": record.num_records,
        "result": record.result,
        "priority": record.priority,
        "retry_limit": record.retry_limit,
        "hive_result_schema": (
            json.dumps(record.hive_result_schema) if record.hive_result_schema else None
        ),
        "organization": None,
        "linked_result_export_job_id": None,
        "result_export_target_job_id": None,
        "engine_version": record.engine_version,
    }
    if debug:
        body["debug"] = {"cmdout": jobs.cmdout(record), "stderr": record.stderr}
    return body


def job_status(record: Job) -> Json:
    return {
        "job_id": str(record.id),
        "status": record.status,
        "created_at": v3_time(record.created_at),
        "updated_at": v3_time(record.updated_at or record.created_at),
        "start_at": v3_time(record.start_at),
        "end_at": v3_time(record.end_at),
        "duration": record.duration,
        "cpu_time": record.cpu_time,
        "result_size": record.result_size,
        "num_records": record.num_records,
    }


def database(record: Database) -> Json:
    return {
        "id": str(record.id),
        "name": record.name,
        "count": len(record.tables),
        "created_at": v3_time(record.created_at),
        "updated_at": v3_time(record.updated_at),
        "organization": None,
        "permission": record.permission,
        "delete_protected": record.delete_protected,
        "datatank": False,
    }


def table(record: Table) -> Json:
    return {
        "id": record.id,
        "name": record.name,
        "type": "log",
        "count": record.count,
        "estimated_storage_size": record.estimated_storage_size,
        "counter_updated_at": iso_z(record.counter_updated_at)
        if record.counter_updated_at
        else None,
        "last_log_timestamp": (
            iso_z(record.last_log_timestamp) if record.last_log_timestamp else None
        ),
        "created_at": v3_time(record.created_at),
        "updated_at": v3_time(record.updated_at),
        "schema": json.dumps(record.schema),
        "expire_days": record.expire_days,
        "include_v": True,
        "delete_protected": False,
    }


def v3_error(short: str, message: str) -> Json:
    """The union of the keys TD's clients read (td-api.md 2.11)."""
    return {"error": short, "message": message, "text": message, "severity": "error"}


# ------------------------------------------------------------- Workflow API


def id_name(record_id: int, name: str) -> Json:
    return {"id": str(record_id), "name": name}


def project(record: Project) -> Json:
    latest = record.latest
    return {
        "id": str(record.id),
        "name": record.name,
        "revision": latest.name,
        "createdAt": instant(record.created_at),
        "updatedAt": instant(latest.created_at),
        "deletedAt": None,
        "archiveType": "s3",
        "archiveMd5": latest.archive_md5,
    }


def revisions(record: Project) -> list[Json]:
    return [
        {
            "revision": r.name,
            "createdAt": instant(r.created_at),
            "archiveType": "s3",
            "archiveMd5": r.archive_md5,
            "userInfo": {"td": {"user": {"email": r.user_email}}},
        }
        for r in reversed(record.revisions)
    ]


def workflow(record: WorkflowDef) -> Json:
    return {
        "id": str(record.id),
        "name": record.name,
        "project": id_name(record.project.id, record.project.name),
        "revision": record.revision,
        "timezone": record.timezone,
        "config": record.config,
    }


def _workflow_ref(record: Attempt) -> Json:
    return {"name": record.workflow.name, "id": str(record.workflow.id)}


def attempt(record: Attempt) -> Json:
    session = record.session
    return {
        "id": str(record.id),
        "index": record.index,
        "project": id_name(session.project.id, session.project.name),
        "workflow": _workflow_ref(record),
        "sessionId": str(session.id),
        "sessionUuid": session.uuid,
        "sessionTime": zoned(session.time, record.workflow.timezone),
        "retryAttemptName": record.retry_attempt_name,
        "done": record.done,
        "success": record.success,
        "cancelRequested": record.cancel_requested,
        "params": record.params,
        "createdAt": instant(record.created_at),
        "finishedAt": instant(record.finished_at),
        "status": record.status,
        "poolId": record.pool_id,
    }


def session(record: Session) -> Json:
    last = record.last_attempt
    return {
        "id": str(record.id),
        "project": id_name(record.project.id, record.project.name),
        "workflow": _workflow_ref(last),
        "sessionUuid": record.uuid,
        "sessionTime": zoned(record.time, last.workflow.timezone),
        "lastAttempt": {
            "id": str(last.id),
            "retryAttemptName": last.retry_attempt_name,
            "done": last.done,
            "success": last.success,
            "cancelRequested": last.cancel_requested,
            "params": last.params,
            "createdAt": instant(last.created_at),
            "finishedAt": instant(last.finished_at),
            "status": last.status,
            "poolId": last.pool_id,
        },
    }


def task(record: Task) -> Json:
    return {
        "id": str(record.id),
        "fullName": record.full_name,
        "parentId": str(record.parent.id) if record.parent else None,
        "config": record.config,
        "upstreams": [str(u.id) for u in record.upstreams],
        # Digdag's isGroup means "grouping only": an if> host with a generated child is not.
        "isGroup": record.is_group and record.operator is None,
        "state": record.state,
        "cancelRequested": record.cancel_requested,
        "exportParams": record.export_params,
        "storeParams": record.store_params,
        "stateParams": record.state_params,
        "updatedAt": instant(record.updated_at),
        "retryAt": instant(record.retry_at),
        "startedAt": instant(record.started_at),
        "error": record.error,
    }


def log_file(record: LogFile, direct: str | None) -> Json:
    return {
        "fileName": record.file_name,
        "fileSize": len(record.gz),
        "taskName": record.task_name,
        "fileTime": instant(record.time),
        "agentId": record.agent_id,
        "direct": direct,
    }


def schedule(record: Schedule) -> Json:
    current = record.project.workflows.get(record.workflow_name)
    return {
        "id": str(record.id),
        "project": id_name(record.project.id, record.project.name),
        "workflow": {
            "id": str(current.id) if current else None,
            "name": record.workflow_name,
        },
        "nextRunTime": instant(record.next_run_time),
        "nextScheduleTime": zoned(record.next_schedule_time, record.timezone),
        "disabledAt": instant(record.disabled_at),
    }


def schedule_summary(record: Schedule) -> Json:
    """RestScheduleSummary (skip/enable/disable): OSS fills updatedAt with the creation time."""
    created = instant(record.created_at)
    return schedule(record) | {"createdAt": created, "updatedAt": created}


def wf_error(message: str, status: int) -> Json:
    return {"message": message, "status": status}
