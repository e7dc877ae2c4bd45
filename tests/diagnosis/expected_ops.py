"""Expected diagnoses of the issue-16 scenarios (corpus_trino_codes, corpus_hive_yarn,
corpus_transfer_more, corpus_operators, corpus_workflow), keyed by case key."""

from __future__ import annotations

from bot.diagnosis.categories import Category as C
from bot.diagnosis.categories import RetryAdvice as R
from tests.diagnosis.expectation import Expected as E

_WORK = "too much work per run"
_NEVER_RAN = "never ran"
_CLUSTER = "fault of the cluster"

OPS: dict[str, E] = {
    # Trino error names
    "trino_time_limit_typed_insufficient": E(
        C.TIME_LIMIT,
        R.NO,
        "Query exceeded the maximum execution time limit of 6.00h",
        says=_WORK,
        disagrees=True,
    ),
    "trino_cpu_limit": E(C.TIME_LIMIT, R.NO, "Exceeded CPU limit of 1.00d", says=_WORK),
    "trino_global_memory_limit": E(
        C.MEMORY_LIMIT,
        R.NO,
        "Query exceeded distributed user memory limit of 2TB",
        says="more memory than Trino allows",
    ),
    "trino_local_memory_java_framing": E(
        C.MEMORY_LIMIT,
        R.NO,
        "Query exceeded per-node memory limit of 34GB",
        says="more memory than Trino allows",
    ),
    "trino_remote_task_error": E(C.TRANSIENT_PLATFORM, R.YES, "REMOTE_TASK_ERROR", says=_CLUSTER),
    "trino_no_nodes_available": E(
        C.TRANSIENT_PLATFORM, R.YES, "No nodes available to run query", says=_NEVER_RAN
    ),
    "trino_insufficient_workers": E(
        C.TRANSIENT_PLATFORM, R.YES, "Insufficient active worker nodes", says=_NEVER_RAN
    ),
    "trino_query_queue_full": E(
        C.TRANSIENT_PLATFORM, R.YES, "Too many queued queries", says="queue room"
    ),
    "trino_page_transport_timeout": E(
        C.TRANSIENT_PLATFORM,
        R.YES,
        "Encountered too many errors talking to a worker node",
        says=_CLUSTER,
    ),
    "trino_subquery_multiple_rows": E(
        C.DATA_ERROR, R.NO, "Scalar sub-query has returned multiple rows", says="same data"
    ),
    # Hive on Tez / YARN
    "hive_yarn_physical_memory_kill": E(
        C.MEMORY_LIMIT, R.NO, "beyond the 'PHYSICAL' memory limit", says="YARN killed"
    ),
    "hive_yarn_running_beyond_physical": E(
        C.MEMORY_LIMIT, R.NO, "is running beyond physical memory limits", says="YARN killed"
    ),
    "hive_yarn_preempted": E(
        C.TRANSIENT_PLATFORM, R.YES, "Container preempted by scheduler", says="cluster event"
    ),
    "hive_tez_vertex_failed_no_cause": E(
        C.UNKNOWN,
        R.DEPENDS,
        "return code 2 from org.apache.hadoop.hive.ql.exec.tez.TezTask",
        says="cannot tell",
    ),
    "hive_invalid_column_reference": E(
        C.MISSING_COLUMN,
        R.NO,
        "Invalid table alias or column reference 'net_amount'",
        says="column its table does not have",
    ),
    # Loads and exports
    "result_export_bigquery_access_denied": E(
        C.EXPORT_FAILURE,
        R.AFTER_FIX,
        "Permission bigquery.tables.create denied",
        says="export target refused",
    ),
    "result_export_sheets_cell_limit": E(
        C.EXPORT_FAILURE, R.NO, "above the limit of 10000000 cells", says="does not fit"
    ),
    "result_export_sheets_not_found": E(
        C.EXPORT_FAILURE,
        R.AFTER_FIX,
        "Requested entity was not found",
        says="does not have the object",
    ),
    "result_export_s3_access_denied": E(
        C.EXPORT_FAILURE, R.AFTER_FIX, "Error Code: AccessDenied", says="export target refused"
    ),
    "result_export_salesforce_invalid_login": E(
        C.EXPORT_FAILURE,
        R.AFTER_FIX,
        "INVALID_LOGIN: Invalid username, password, security token",
        says="export target refused",
    ),
    "td_load_salesforce_request_limit": E(
        C.IMPORT_FAILURE,
        R.YES,
        "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded",
        says="quota",
    ),
    "td_load_postgres_pg_hba": E(
        C.IMPORT_FAILURE,
        R.AFTER_FIX,
        'no pg_hba.conf entry for host "52.4.2.1"',
        says="load's source refused",
    ),
    "td_load_csv_invalid_record": E(
        C.IMPORT_FAILURE,
        R.NO,
        "Invalid record at s3://acme-landing/orders/2024-06-01/part-0003.csv:1882",
        says="did not match",
    ),
    "table_export_s3_signature": E(
        C.EXPORT_FAILURE, R.AFTER_FIX, "SignatureDoesNotMatch", says="export target refused"
    ),
    # Other operators
    "bq_resources_exceeded": E(
        C.MEMORY_LIMIT,
        R.NO,
        "Resources exceeded during query execution",
        says="BigQuery ran out",
    ),
    "bq_backend_error": E(
        C.TRANSIENT_PLATFORM,
        R.YES,
        "encountered an internal error during execution",
        says="its own side",
    ),
    "bq_table_not_found": E(
        C.MISSING_TABLE,
        R.AFTER_UPSTREAM,
        "Not found: Table acme-analytics:sales.orders_20240601",
        says="does not exist (yet)",
    ),
    "pg_relation_missing": E(
        C.MISSING_TABLE,
        R.AFTER_UPSTREAM,
        'relation "staging.orders_daily" does not exist',
        says="the database does not have",
    ),
    "redshift_serializable_isolation": E(
        C.TRANSIENT_PLATFORM,
        R.YES,
        "Serializable isolation violation on table",
        says="concurrent one",
    ),
    "pg_connection_refused": E(
        C.CONNECTION_FAILURE,
        R.DEPENDS,
        "Connection to warehouse.example.com:5432 refused",
        says="could not be reached",
    ),
    "redshift_statement_timeout": E(
        C.TIME_LIMIT,
        R.NO,
        "canceling statement due to statement timeout",
        says="ran past the database's statement_timeout",
    ),
    "emr_unsupported_on_td": E(
        C.CONFIG_ERROR, R.AFTER_FIX, "Unknown task type: emr", says="does not run this operator"
    ),
    "emr_step_failed": E(C.UNKNOWN, R.DEPENDS, "EMR job failed", says="EMR step's logs"),
    "param_get_without_server": E(
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "param_server.type is required to use this operator",
        says="does not run this operator",
    ),
    "s3_wait_polling_timeout": E(
        C.UPSTREAM_WAIT, R.AFTER_UPSTREAM, "Timeout happened", says="never appeared"
    ),
    "gcs_wait_polling_timeout": E(
        C.UPSTREAM_WAIT, R.AFTER_UPSTREAM, "Timeout happened", says="never appeared"
    ),
    "s3_wait_access_denied": E(
        C.PERMISSION, R.AFTER_FIX, "Error Code: AccessDenied", says="may not list the bucket"
    ),
    "td_wait_empty_row": E(
        C.CONFIG_ERROR, R.AFTER_FIX, "Got empty row in result of query", says="true or false"
    ),
    "td_wait_query_syntax": E(
        C.SQL_SYNTAX, R.NO, "mismatched input 'FORM'", says="before reading any data"
    ),
    "td_ddl_rename_missing": E(
        C.MISSING_TABLE,
        R.AFTER_UPSTREAM,
        "Couldn't find UserTableReference with name = orders_tmp",
        says="TD has no table or database",
    ),
    "td_partial_delete_not_whole_hours": E(
        C.CONFIG_ERROR,
        R.AFTER_FIX,
        "'from' and 'to' parameters must be whole hours",
        says="definition or a parameter",
    ),
    "http_connection_refused": E(
        C.CONNECTION_FAILURE,
        R.DEPENDS,
        "java.net.ConnectException: Connection refused",
        says="could not be reached",
    ),
    # Where in the workflow
    "call_child_missing_table": E(
        C.MISSING_TABLE,
        R.AFTER_UPSTREAM,
        "Table 'td-presto.sales.orders_enriched' does not exist",
        iteration="call> child_aggregate",
    ),
    "for_each_day_division_by_zero": E(
        C.DATA_ERROR, R.NO, "Division by zero", iteration="per_day: day=2024-05-03"
    ),
    "loop_page_http_503": E(
        C.HTTP_ERROR, R.YES, "503 Service Unavailable", iteration="pages: iteration i=3"
    ),
    "if_branch_py_key_error": E(
        C.PYTHON_EXCEPTION,
        R.NO,
        "'PARTNER_TOKEN' (KeyError)",
        says="raised an exception of its own",
        iteration="if> ",
    ),
    "sla_fail_slow_transform": E(
        C.SLA_MISSED,
        R.DEPENDS,
        "SLA violation",
        says="cannot make the deadline",
        disagrees=True,
        slow_task="+transform",
    ),
    "error_handler_fails_too": E(C.MISSING_COLUMN, R.NO, "Column 'net_amount' cannot be resolved"),
    "error_handler_fails_too_handler": E(
        C.HTTP_ERROR,
        R.AFTER_FIX,
        "410 Gone: channel_is_archived",
        handles="+aggregate",
    ),
    "py_retry_exhausted_timeout": E(
        C.HTTP_ERROR,
        R.DEPENDS,
        "Read timed out. (read timeout=60)",
        says="already re-ran it 3 time(s)",
    ),
    "py_retry_last_round_differs": E(
        C.PYTHON_EXCEPTION,
        R.NO,
        "'PARTNER_TOKEN' (KeyError)",
        says="raised an exception of its own",
    ),
    "require_too_many_attempts": E(
        C.CONCURRENCY_LIMIT,
        R.YES,
        "Too many attempts running. Limit: 200, Current: 200",
        says="once running attempts drain",
    ),
    "py_start_attempt_400_too_many": E(
        C.CONCURRENCY_LIMIT,
        R.YES,
        "Too many attempts running",
        says="once running attempts drain",
        disagrees=True,
    ),
    "py_container_image_pull": E(
        C.CONFIG_ERROR, R.AFTER_FIX, "CannotPullContainerError", says="never started"
    ),
    "py_container_never_started": E(
        C.TRANSIENT_PLATFORM,
        R.YES,
        "Timeout waiting for network interface provisioning",
        says="never started",
    ),
}
