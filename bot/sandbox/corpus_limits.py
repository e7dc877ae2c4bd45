"""Failure corpus: Limits, configuration, attempt-level endings and a multi-failure attempt."""

from __future__ import annotations

import dataclasses

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    RUNNER_CALL,
    TASK_LIMIT_FRAMES,
    config_case,
    export_cmdout,
    job_state,
    presto_cmdout,
    presto_started,
    py_case,
    script,
    submitted,
    td_api_case,
    td_job_case,
)
from bot.sandbox.corpus_log import (
    OPERATOR_MANAGER,
    TASK,
    log_entry,
    log_lines,
    operator_line,
    stacktrace_of,
)

# ---------------------------------------------------------------------------
# E/H. Limits and configuration
# ---------------------------------------------------------------------------


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
            "stacktrace": stacktrace_of(TASK_LIMIT_FRAMES),
        },
        # The executor refuses the subtasks server-side: the task log stops after the start line.
        log=operator_line(config),
        retry_recovers=False,
    )


def _loop_subtask_limit() -> FailureCase:
    message = "Too many loop subtasks. Limit: 1000"
    return config_case(
        "loop_subtask_limit",
        "loop> per minute of the day: over the operator's subtask limit",
        path=("per_minute",),
        config={"loop>": 1440, "_do": {"td>": "queries/minute.sql"}},
        message=message,
        operator_frame="io.digdag.standards.operator.LoopOperatorFactory$LoopOperator.runTask"
        "(LoopOperatorFactory.java:71)",
        retry_recovers=False,
    )


def _config_missing_param() -> FailureCase:
    message = "Parameter 'database' is required but not set"
    return config_case(
        "config_missing_param",
        "td> without a database: the _export block that set it was removed",
        path=("aggregate",),
        config={"td>": "queries/aggregate.sql", "engine": "presto"},
        message=message,
        operator_frame="io.digdag.standards.operator.td.TdOperatorFactory$TdOperator.<init>"
        "(TdOperatorFactory.java:142)",
        retry_recovers=False,
    )


# ---------------------------------------------------------------------------
# I. Attempt-level endings
# ---------------------------------------------------------------------------


def _attempt_killed_by_person() -> FailureCase:
    body = "SELECT * FROM events\nWHERE TD_TIME_RANGE(time, '2024-01-01', '2024-06-01')"
    sql = submitted(body)
    config = {"td>": "queries/backfill.sql", "database": "web"}
    job = JobSpec(
        "presto",
        "killed",
        sql,
        "web",
        presto_cmdout(sql, "2024-06-01T02:00:31Z"),
        None,
    )
    return FailureCase(
        key="attempt_killed_by_person",
        title="Someone killed the attempt while td> ran; cleanup killed its job",
        path=("backfill",),
        config=config,
        error={},
        log=log_lines(
            operator_line(config),
            log_entry("INFO", *presto_started(sql)),
            log_entry("WARN", OPERATOR_MANAGER, f"Task {TASK} is canceled."),
        ),
        job=job,
        state="canceled",
        state_params=job_state("attempt_killed_by_person", 9),
        attempt_killed=True,
        task_runs_hours=0.4,
        retry_recovers=True,
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
        log=log_lines(
            operator_line(config),
            log_entry("WARN", OPERATOR_MANAGER, f"Task {TASK} is canceled."),
        ),
        state="canceled",
        attempt_killed=True,
        task_runs_hours=25.0,
        retry_recovers=True,
    )


# ---------------------------------------------------------------------------
# Multi-failure attempt: three failing leaves of different kinds
# ---------------------------------------------------------------------------


def _publish_warehouse() -> FailureCase:
    body = "SELECT * FROM region_daily WHERE day = '2024-06-01'"
    sql = submitted(body)
    qid = "20240601_050012_21801_k7hx2"
    return td_job_case(
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
            export_cmdout(sql, "2024-06-01T05:00:12Z", qid, "mysql://dwh.example.com:3306/dwh"),
            "java.sql.SQLException: Access denied for user 'td_export'@'10.20.30.40' "
            "(using password: YES)",
        ),
        started=presto_started(sql),
        retry_recovers=False,
    )


def _publish_rollup() -> FailureCase:
    return td_api_case(
        "multi_failure_publish_rollup",
        "td_run> names a saved query that was renamed",
        path=("publish", "rollup"),
        config={"td_run>": "daily_rollup_v2"},
        api_error="[TARGET_NOT_FOUND] [404:Not Found] API request to "
        "/v3/schedule/run/daily_rollup_v2/1717200000 has failed: "
        "Couldn't find Schedule with name = daily_rollup_v2",
        class_words="td client http not found",
        retry_recovers=False,
    )


def _multi_failure_publish() -> FailureCase:
    base = py_case(
        "multi_failure_publish",
        "Three parallel publish tasks fail differently; this one: CRM read timeout",
        path=("publish", "crm"),
        config={"py>": "scripts.crm_push.main"},
        summary="HTTPSConnectionPool(host='api.example-crm.com', port=443): Read timed out. "
        "(read timeout=30) (ReadTimeout)",
        frames=[
            RUNNER_CALL,
            (
                script("crm_push"),
                39,
                "main",
                "resp = session.post(URL, json=batch, timeout=30)",
            ),
            (
                "/usr/local/lib/python3.9/site-packages/requests/adapters.py",
                532,
                "send",
                "raise ReadTimeout(e, request=request)",
            ),
        ],
        final="requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.example-crm.com', "
        "port=443): Read timed out. (read timeout=30)",
        retry_recovers=True,
    )
    return dataclasses.replace(base, siblings=(_publish_warehouse(), _publish_rollup()))


LIMIT_CASES: tuple[FailureCase, ...] = (
    _for_each_task_limit(),
    _loop_subtask_limit(),
    _config_missing_param(),
    _attempt_killed_by_person(),
    _wait_canceled_after_25h(),
    _multi_failure_publish(),
)
