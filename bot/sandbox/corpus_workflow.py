"""Failure corpus: where in the workflow it failed. call>/for_each>/loop>/if> bodies,
an ``sla:`` with ``fail: true``, an ``^error`` handler failing too, a ``_retry``
that ran out, the account's concurrent-attempt limit, and py> containers that
never started.

Task names follow Digdag's generators (ForEachOperatorFactory ``+for-<k>=<key>=
<v>=<value>``, LoopOperatorFactory ``+loop-<i>``, WorkflowExecutor ``^sla^fail``
with fail> "SLA violation"); the attempt limit text is WorkflowExecutor's
``Too many attempts running. Limit: <n>, Current: <n>``, which TD's API answers
with HTTP 400; container reasons are ECS stopped reasons as EcsCommandExecutor
passes them on (``Error messages from CommandExecutor: ...``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus_kit import RUNNER_CALL, py_case, py_failure, script
from bot.sandbox.corpus_log import (
    OPERATOR_MANAGER,
    failed_entry,
    log_entry,
    log_lines,
    operator_line,
    raw_lines,
    unexpected_entry,
)
from bot.sandbox.corpus_make import task_failure, trino_job

_STD = "treasure-data/digdag"
_DAYS = [f"2024-05-{d:02d}" for d in range(1, 8)]
_ATTEMPTS = "Too many attempts running. Limit: 200, Current: 200"


def _call_missing_table() -> FailureCase:
    case = trino_job(
        "call_child_missing_table",
        "call> child workflow: its aggregate reads a table the parent never built",
        "SELECT day, SUM(amount) FROM orders_enriched GROUP BY 1",
        "TABLE_NOT_FOUND: line 7:34: Table 'td-presto.sales.orders_enriched' does not exist",
        started_at="2024-06-01T02:00:00Z",
        database="sales",
        path=("run_child^sub", "aggregate"),
        retry_recovers=True,
        source=f"{_STD} call> runs the child under <task>^sub; Trino TABLE_NOT_FOUND",
    )
    return dataclasses.replace(case, host={"call>": "child_aggregate"})


def _for_each_division() -> FailureCase:
    case = trino_job(
        "for_each_day_division_by_zero",
        "for_each> over a week: the third day has no conversions",
        "SELECT campaign_id, SUM(cost) / SUM(conversions) AS cpa\n"
        "FROM campaign_daily\nWHERE day = '2024-05-03'\nGROUP BY 1",
        "DIVISION_BY_ZERO: Division by zero",
        started_at="2024-06-01T02:10:00Z",
        path=("per_day^sub", "for-0=day=2=2024-05-03"),
        source=f"{_STD} ForEachOperatorFactory task names; Trino DIVISION_BY_ZERO",
    )
    host = {"for_each>": {"day": _DAYS}, "_do": {"td>": "queries/cpa.sql"}}
    return dataclasses.replace(case, host=host)


def _loop_http_503() -> FailureCase:
    url = "https://api.partner.example/v1/pages"
    message = f"HTTP 5XX Server Error: GET {url}?page=3: 503 Service Unavailable"
    case = task_failure(
        "loop_page_http_503",
        "loop> over result pages: page 3 answers 503 (retry: false)",
        path=("pages^sub", "loop-3"),
        config={"http>": f"{url}?page=3", "retry": False},
        message=message,
        retry_recovers=True,
        source=f"{_STD} LoopOperatorFactory '+loop-%d'; HttpOperatorFactory 5XX text",
    )
    return dataclasses.replace(case, host={"loop>": 5, "_do": {"http>": url}})


def _if_branch_key_error() -> FailureCase:
    return py_case(
        "if_branch_py_key_error",
        "if> branch runs a py> that needs a secret the branch's _env forgot",
        path=("backfill^sub",),
        config={"py>": "scripts.backfill.main"},
        summary="'PARTNER_TOKEN' (KeyError)",
        frames=[
            RUNNER_CALL,
            (script("backfill"), 9, "main", "token = os.environ['PARTNER_TOKEN']"),
        ],
        final="KeyError: 'PARTNER_TOKEN'",
        source=f"{_STD} IfOperatorFactory (^sub); PyOperatorFactory reason",
    )


def _sla_fail() -> FailureCase:
    config = {"fail>": "SLA violation"}
    return FailureCase(
        key="sla_fail_slow_transform",
        title="sla: duration 02:00:00 with fail: true; transform ran 3 h",
        path=("^sla^fail",),
        config=config,
        error={"message": "SLA violation"},
        log=log_lines(operator_line(config), failed_entry("SLA violation")),
        host={"sla": {"duration": "02:00:00", "fail": True}},
        slow=(("transform",), 3.0),
        source=f"{_STD} WorkflowExecutor.addSlaMonitorTasks (^sla^fail, fail> 'SLA violation')",
    )


def _handler_fails_too() -> FailureCase:
    main = trino_job(
        "error_handler_fails_too",
        "td> fails on a renamed column; the _error webhook then fails as well",
        "SELECT user_id, net_amount FROM purchases",
        "COLUMN_NOT_FOUND: line 7:17: Column 'net_amount' cannot be resolved",
        started_at="2024-06-01T02:20:00Z",
        source=f"{_STD} _error handlers run as <group>^error; Trino COLUMN_NOT_FOUND",
        has_error_handler=True,
    )
    hook = "https://hooks.example.com/services/T0A1B2C3D/B0E4F5G6H/alerts"
    message = f"HTTP 4XX Client Error: POST {hook} - 410 Gone: channel_is_archived"
    handler = task_failure(
        "error_handler_fails_too_handler",
        "the ^error webhook posts to an archived Slack channel",
        path=("^error",),
        config={"http>": hook, "method": "POST"},
        message=message,
        source=f"{_STD} HttpOperatorFactory 4XX text",
    )
    return dataclasses.replace(main, siblings=(handler,))


def _retried(config: dict[str, Any], printed: str, reason: str, times: int) -> tuple[str, ...]:
    """``times`` executions of a py> task that each failed and were retried."""
    return log_lines(
        *(
            log_lines(
                raw_lines("Wait running a command task: status running"),
                raw_lines(printed),
                log_entry("ERROR", OPERATOR_MANAGER, f"Task failed, retrying\n{reason}"),
                operator_line(config),
            )
            for _ in range(times)
        )
    )


def _retry_exhausted() -> FailureCase:
    url = "https://api.partner.example/v2/export"
    reason = (
        "Python command failed with code 1\nError messages from python: HTTPSConnectionPool("
        "host='api.partner.example', port=443): Read timed out. (read timeout=60) (ReadTimeout)"
    )
    config = {"py>": "scripts.partner_sync.main", "_retry": 3}
    rounds = _retried(config, f"requests.exceptions.ReadTimeout: {url}", reason, 3)
    return FailureCase(
        key="py_retry_exhausted_timeout",
        title="py> with _retry: 3 times out against the partner API four times",
        path=("partner_sync",),
        config=config,
        error={"message": f"{reason}\n (runtime)"},
        log=log_lines(
            operator_line(config),
            rounds,
            unexpected_entry(reason, "java.lang.RuntimeException", ()),
        ),
        state_params={"retry_count": 3},
        source=f"{_STD} OperatorManager 'Task failed, retrying' and stateParams.retry_count",
    )


def _first_round_differs() -> FailureCase:
    """The cause sits in an earlier execution's log file: the last round failed on a
    container that never started, the rounds before on the script's own KeyError."""
    key_error = (
        "Python command failed with code 1\nError messages from python: 'PARTNER_TOKEN' (KeyError)"
    )
    no_network = (
        "Python command failed with code 1\nError messages from CommandExecutor: Timeout "
        "waiting for network interface provisioning to complete."
    )
    config = {"py>": "scripts.partner_pull.main", "_retry": 2}
    rounds = _retried(config, "KeyError: 'PARTNER_TOKEN'", key_error, 2)
    return FailureCase(
        key="py_retry_last_round_differs",
        title="py> with _retry: 2: two rounds hit a KeyError, the last a container that "
        "never started",
        path=("partner_pull",),
        config=config,
        error={"message": f"{no_network}\n (runtime)"},
        log=log_lines(
            operator_line(config),
            rounds,
            raw_lines("Wait running a command task: status provisioning"),
            unexpected_entry(no_network, "java.lang.RuntimeException", ()),
        ),
        state_params={"retry_count": 2},
        source=f"{_STD} one log file per execution; PyOperatorFactory reasons; ECS reason",
    )


def _require_attempt_limit() -> FailureCase:
    message = f"io.digdag.core.repository.ResourceLimitExceededException: {_ATTEMPTS}"
    return task_failure(
        "require_too_many_attempts",
        "require> cannot start the upstream attempt: the account is at its attempt limit",
        path=("wait_ingest",),
        config={"require>": "daily_ingest", "project_name": "ingest"},
        message=message,
        retry_recovers=True,
        source=f"{_STD} RequireOperatorFactory (ResourceLimitExceededException wrapped); "
        "WorkflowExecutor 'Too many attempts running'",
    )


def _py_attempt_limit_400() -> FailureCase:
    body = f'{{"message":"{_ATTEMPTS}","status":400}}'
    return py_case(
        "py_start_attempt_400_too_many",
        "py> starts a downstream workflow through the API and gets 400 Too many attempts",
        path=("kick_downstream",),
        config={"py>": "scripts.kick.main"},
        summary=f"{body} (HTTPError)",
        frames=[
            RUNNER_CALL,
            (script("kick"), 27, "main", "raise HTTPError(resp.text, response=resp)"),
        ],
        final=f"requests.exceptions.HTTPError: {body}",
        retry_recovers=True,
        source="TD Workflow API PUT /api/attempts answers 400 with WorkflowExecutor's "
        "'Too many attempts running' (issue 11)",
    )


def _image_pull() -> FailureCase:
    return py_failure(
        "py_container_image_pull",
        "py> with docker image digdag-python:3.19, a tag that does not exist",
        path=("score",),
        config={"py>": "scripts.scores.main", "docker": {"image": "digdag/digdag-python:3.19"}},
        reason="Python command failed with code 1\nError messages from CommandExecutor: "
        "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to "
        "resolve ref docker.io/digdag/digdag-python:3.19: docker.io/digdag/digdag-python:3.19: "
        "not found",
        source=f"{_STD} EcsCommandExecutor container reasons; ECS stopped reason "
        "CannotPullContainerError",
    )


def _no_network() -> FailureCase:
    return py_failure(
        "py_container_never_started",
        "py> container never started: ECS could not attach a network interface in time",
        path=("score",),
        config={"py>": "scripts.scores.main"},
        reason="Python command failed with code 1\nError messages from CommandExecutor: "
        "Timeout waiting for network interface provisioning to complete.",
        retry_recovers=True,
        source=f"{_STD} EcsCommandExecutor (no exit code: status 1); ECS stopped reason text",
    )


WORKFLOW_CASES: tuple[FailureCase, ...] = (
    _call_missing_table(),
    _for_each_division(),
    _loop_http_503(),
    _if_branch_key_error(),
    _sla_fail(),
    _handler_fails_too(),
    _retry_exhausted(),
    _first_round_differs(),
    _require_attempt_limit(),
    _py_attempt_limit_400(),
    _image_pull(),
    _no_network(),
)
