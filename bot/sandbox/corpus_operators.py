"""Failure corpus: bq>, pg>/redshift>, emr>, param_get>, s3_wait>/gcs_wait>,
td_wait>, td_ddl>, td_partial_delete> and http> that cannot connect.

Operator texts come from digdag-standards (BqJobRunner, AbstractJdbcJobOperator's
``"%s [%s]"`` of DatabaseException, EmrOperatorFactory, ParamGetOperatorFactory,
PollingWaiter, TdWaitOperatorFactory, TdPartialDeleteOperatorFactory, OperatorManager
``Unknown task type``); the remote systems' own texts from BigQuery, PostgreSQL and
Redshift documentation.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus_kit import td_api_case
from bot.sandbox.corpus_log import OPERATOR_MANAGER, failed_entry, log_entry, log_lines
from bot.sandbox.corpus_make import task_failure, trino_job

_BQ_RUNNER = "io.digdag.standards.operator.gcp.BqJobRunner"
_STD = "treasure-data/digdag digdag-standards"


def _bq(key: str, title: str, reason: str, message: str, *, retry_recovers: bool) -> FailureCase:
    job = f"acme-analytics:US.digdag_s501234_p_lab_w_{key}_t_2300012347_a_412345678"
    errors = f'{{\n  "location" : "query",\n  "message" : "{message}",\n  "reason" : "{reason}"\n}}'
    config: dict[str, Any] = {"bq>": f"queries/{key}.sql", "dataset": "sales"}
    failed = f"BigQuery job failed: {job}"
    return FailureCase(
        key=key,
        title=title,
        path=("warehouse",),
        config=config,
        error={"message": failed, "errors": errors},
        log=log_lines(
            log_entry("INFO", OPERATOR_MANAGER, f"bq>: queries/{key}.sql"),
            log_entry("INFO", _BQ_RUNNER, f"Submitting BigQuery job: {job}"),
            log_entry("ERROR", _BQ_RUNNER, failed),
            log_entry("ERROR", _BQ_RUNNER, errors),
            failed_entry(failed),
        ),
        retry_recovers=retry_recovers,
        source=f"{_STD} BqJobRunner (errors property); BigQuery error reasons and messages",
    )


def _jdbc(key: str, title: str, operator: str, message: str, **extra: Any) -> FailureCase:
    return task_failure(
        key,
        title,
        path=("warehouse",),
        config={operator: f"queries/{key}.sql", "host": "warehouse.example.com"},
        message=message,
        source=f"{_STD} AbstractJdbcJobOperator ('%s [%s]' of DatabaseException)",
        **extra,
    )


OPERATOR_CASES: tuple[FailureCase, ...] = (
    _bq(
        "bq_resources_exceeded",
        "bq> ORDER BY over a whole table runs out of memory",
        "resourcesExceeded",
        "Resources exceeded during query execution: The query could not be executed in the "
        "allotted memory. Peak usage: 112% of limit.",
        retry_recovers=False,
    ),
    _bq(
        "bq_backend_error",
        "bq> job hits a BigQuery backend error",
        "backendError",
        "The job encountered an internal error during execution and was unable to complete "
        "successfully.",
        retry_recovers=True,
    ),
    _bq(
        "bq_table_not_found",
        "bq> reads a table the upstream load has not created yet",
        "notFound",
        "Not found: Table acme-analytics:sales.orders_20240601 was not found in location US",
        retry_recovers=True,
    ),
    _jdbc(
        "pg_relation_missing",
        "pg> query on a staging table that was renamed",
        "pg>",
        "Failed to execute given SQL script "
        '[ERROR: relation "staging.orders_daily" does not exist\n  Position: 22]',
        retry_recovers=True,
    ),
    _jdbc(
        "redshift_serializable_isolation",
        "redshift> INSERT loses a write-write conflict with a concurrent load",
        "redshift>",
        "Failed to execute an update statement [ERROR: 1023\n  Detail: Serializable isolation "
        "violation on table - 112933, transactions forming the cycle are: 8812350, 8812344 "
        "(pid:31422)]",
        retry_recovers=True,
    ),
    _jdbc(
        "pg_connection_refused",
        "pg> cannot reach the warehouse host",
        "pg>",
        "Failed to connect to the database [Connection to warehouse.example.com:5432 refused. "
        "Check that the hostname and port are correct and that the postmaster is accepting "
        "TCP/IP connections.]",
    ),
    _jdbc(
        "redshift_statement_timeout",
        "redshift> query cut by the cluster's statement_timeout",
        "redshift>",
        "Failed to execute given SQL script [ERROR: canceling statement due to statement timeout]",
    ),
    task_failure(
        "emr_unsupported_on_td",
        "emr> in a workflow pushed to TD, where the operator is not available",
        path=("spark",),
        config={"emr>": {"cluster": "j-1ABCDEFGHIJK", "steps": []}},
        message="Unknown task type: emr",
        words="config",
        java_class="io.digdag.client.config.ConfigException",
        source=f"{_STD} OperatorManager 'Unknown task type: '; TD docs: emr> unsupported",
    ),
    task_failure(
        "emr_step_failed",
        "emr> on self-hosted Digdag: a Spark step failed",
        path=("spark",),
        config={"emr>": {"cluster": "j-1ABCDEFGHIJK", "steps": [{"type": "spark"}]}},
        message="EMR job failed",
        before=log_entry(
            "ERROR",
            "io.digdag.standards.operator.aws.EmrOperatorFactory$EmrOperator",
            "EMR step 2/3: s-2X4B6D8F0H2J: state: FAILED, reason: null, details: null",
        ),
        source=f"{_STD} EmrOperatorFactory ('EMR job failed')",
    ),
    task_failure(
        "param_get_without_server",
        "param_get> on TD, which has no parameter server",
        path=("read_cursor",),
        config={"param_get>": {"last_id": "cursor"}},
        message="param_server.type is required to use this operator.",
        words="config",
        java_class="io.digdag.client.config.ConfigException",
        source=f"{_STD} ParamGetOperatorFactory",
    ),
    task_failure(
        "s3_wait_polling_timeout",
        "s3_wait> with timeout: 2h for a marker file that never came",
        path=("wait_orders",),
        config={"s3_wait>": "acme-landing/orders/dt=2024-06-01/_SUCCESS", "timeout": "2h"},
        message="Timeout happened",
        words="polling timeout",
        java_class="io.digdag.standards.operator.state.PollingTimeoutException",
        retry_recovers=True,
        source=f"{_STD} PollingWaiter ('Timeout happened'), S3WaitOperatorFactory",
    ),
    task_failure(
        "gcs_wait_polling_timeout",
        "gcs_wait> with timeout: the partner's export object never appeared",
        path=("wait_partner",),
        config={"gcs_wait>": "partner-drop/exports/2024-06-01.csv", "timeout": "3h"},
        message="Timeout happened",
        words="polling timeout",
        java_class="io.digdag.standards.operator.state.PollingTimeoutException",
        retry_recovers=True,
        source=f"{_STD} PollingWaiter, GcsWaitOperatorFactory",
    ),
    task_failure(
        "s3_wait_access_denied",
        "s3_wait> whose credentials may not read the bucket",
        path=("wait_orders",),
        config={"s3_wait>": "acme-landing/orders/dt=2024-06-01/_SUCCESS"},
        message="Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; "
        "Request ID: 4F1B8C2D7E9A3B6C)",
        words="amazon s3",
        java_class="com.amazonaws.services.s3.model.AmazonS3Exception",
        source=f"{_STD} S3WaitOperatorFactory (403 is deterministic: Aws.isDeterministicException)",
    ),
    task_failure(
        "td_wait_empty_row",
        "td_wait> whose condition query returns a row without columns",
        path=("wait_ready",),
        config={"td_wait>": "queries/ready.sql", "database": "sales"},
        message="Got empty row in result of query",
        source=f"{_STD} TdWaitOperatorFactory",
    ),
    trino_job(
        "td_wait_query_syntax",
        "td_wait> condition query has a typo",
        "SELECT COUNT(*) > 0\nFORM orders\nWHERE TD_INTERVAL(time, '-1d')",
        "Query 20240601_010000_00017_k7hx2 failed: line 8:1: mismatched input 'FORM'. "
        "Expecting: ',', 'EXCEPT', 'FETCH', 'FROM', 'GROUP', 'HAVING', 'INTERSECT', 'LIMIT', "
        "'OFFSET', 'ORDER', 'UNION', 'WHERE', 'WINDOW', <EOF>",
        started_at="2024-06-01T01:00:00Z",
        config={"td_wait>": "queries/td_wait_query_syntax.sql", "database": "sales"},
        path=("wait_ready",),
        source=f"{_STD} TdWaitOperatorFactory runs a TD job; Trino parser message",
    ),
    td_api_case(
        "td_ddl_rename_missing",
        "td_ddl> rename_tables from a table the previous step did not create",
        path=("swap",),
        config={"td_ddl>": "", "rename_tables": [{"from": "orders_tmp", "to": "orders"}]},
        api_error="[TARGET_NOT_FOUND] [404:Not Found] API request to "
        "/v3/table/rename/analytics/orders_tmp/orders has failed: Couldn't find "
        "UserTableReference with name = orders_tmp",
        class_words="td client http not found",
        retry_recovers=True,
        source=f"{_STD} TdDdlOperatorFactory; td-client-java TDClientException format",
    ),
    task_failure(
        "td_partial_delete_not_whole_hours",
        "td_partial_delete> with a from: that is not on the hour",
        path=("purge",),
        config={
            "td_partial_delete>": "events",
            "database": "web",
            "from": "2024-06-01T00:30:00+00:00",
            "to": "2024-06-02T00:00:00+00:00",
        },
        message="'from' and 'to' parameters must be whole hours",
        words="config",
        java_class="io.digdag.client.config.ConfigException",
        source=f"{_STD} TdPartialDeleteOperatorFactory",
    ),
    task_failure(
        "http_connection_refused",
        "http> to an internal service that is down",
        path=("notify",),
        config={"http>": "https://reports.internal.example/refresh", "method": "POST"},
        message="java.util.concurrent.ExecutionException: java.net.ConnectException: "
        "Connection refused",
        words="runtime",
        source=f"{_STD} HttpOperatorFactory (Jetty client ExecutionException propagated)",
    ),
)
