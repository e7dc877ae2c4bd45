"""What a diagnosis of each corpus case must conclude: the test oracle, keyed by case key.

The sandbox states only world facts (what TD shows, whether a retry recovers); the
expected judgement lives here so ``bot/sandbox`` holds no diagnosis oracle. New
scenarios add their expectations in ``expected_*.py`` modules, merged below.
"""

from __future__ import annotations

from bot.diagnosis.categories import Category, RetryAdvice
from tests.diagnosis.expectation import Expected
from tests.diagnosis.expected_ops import OPS

CORE: dict[str, Expected] = {
    "presto_syntax_query_failed": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "mismatched input 'FROM'"
    ),
    "presto_syntax_cmdout_null": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "mismatched input ')'"
    ),
    "presto_syntax_trino_exception": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "mismatched input 'SELECT'"
    ),
    "presto_missing_table_on_cmdout": Expected(
        Category.MISSING_TABLE,
        RetryAdvice.AFTER_UPSTREAM,
        "Table 'td-presto.staging.orders_20240601' does not exist",
    ),
    "presto_missing_column": Expected(
        Category.MISSING_COLUMN, RetryAdvice.NO, "Column 'discount_amt' cannot be resolved"
    ),
    "presto_type_mismatch": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "Cannot apply operator: varchar = integer"
    ),
    "presto_node_memory_limit": Expected(
        Category.MEMORY_LIMIT, RetryAdvice.NO, "Query exceeded per-node memory limit of 20GB"
    ),
    "presto_cluster_out_of_memory": Expected(
        Category.TRANSIENT_PLATFORM,
        RetryAdvice.YES,
        "Query killed because the cluster is out of memory",
    ),
    "presto_time_limit": Expected(
        Category.TIME_LIMIT,
        RetryAdvice.NO,
        "Query exceeded the maximum execution time limit of 6.00h",
    ),
    "presto_division_by_zero": Expected(Category.DATA_ERROR, RetryAdvice.NO, "Division by zero"),
    "presto_cast_failure": Expected(
        Category.DATA_ERROR, RetryAdvice.NO, "Cannot cast '12 pcs' to BIGINT"
    ),
    "presto_access_denied": Expected(
        Category.PERMISSION,
        RetryAdvice.AFTER_FIX,
        "Access Denied: Cannot insert into table td-presto.finance.daily_summary",
    ),
    "presto_job_killed": Expected(
        Category.JOB_KILLED, RetryAdvice.YES, "failed with status KILLED"
    ),
    "presto_retry_same_job": Expected(
        Category.TRANSIENT_PLATFORM,
        RetryAdvice.YES,
        "Encountered too many errors talking to a worker node",
    ),
    "nested_function_not_registered": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "Function 'td_time_fromat' not registered"
    ),
    "error_handler_insert_mismatch": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "Insert query has mismatched column types"
    ),
    "hive_table_not_found": Expected(
        Category.MISSING_TABLE, RetryAdvice.AFTER_UPSTREAM, "Table not found 'shipments_20240601'"
    ),
    "hive_tez_oom": Expected(
        Category.MEMORY_LIMIT, RetryAdvice.NO, "java.lang.OutOfMemoryError: Java heap space"
    ),
    "hive_parse_exception": Expected(
        Category.SQL_SYNTAX, RetryAdvice.NO, "cannot recognize input near 'FROM'"
    ),
    "td_submit_forbidden": Expected(
        Category.PERMISSION,
        RetryAdvice.AFTER_FIX,
        "[403:Forbidden] API request to /v3/job/issue/presto/finance",
    ),
    "td_unknown_pool": Expected(
        Category.CONFIG_ERROR,
        RetryAdvice.AFTER_FIX,
        "Presto resource pool with name 'etl_large' does not exist",
    ),
    "td_database_not_found": Expected(
        Category.MISSING_TABLE,
        RetryAdvice.AFTER_UPSTREAM,
        "Couldn't find UserDatabase with name = sales_stg",
    ),
    "td_load_mysql_link_failure": Expected(
        Category.IMPORT_FAILURE,
        RetryAdvice.DEPENDS,
        "CommunicationsLinkFailure: Communications link failure",
    ),
    "td_load_s3_no_such_key": Expected(
        Category.IMPORT_FAILURE, RetryAdvice.AFTER_UPSTREAM, "The specified key does not exist"
    ),
    "result_export_connection_refused": Expected(
        Category.EXPORT_FAILURE, RetryAdvice.DEPENDS, "Connection refused (Connection refused)"
    ),
    "result_export_password_failed": Expected(
        Category.EXPORT_FAILURE,
        RetryAdvice.AFTER_FIX,
        'password authentication failed for user "td_export"',
    ),
    "table_export_secret_missing": Expected(
        Category.CONFIG_ERROR,
        RetryAdvice.AFTER_FIX,
        "Secret not found for key: 'secret_access_key'",
    ),
    "py_key_error_env": Expected(
        Category.PYTHON_EXCEPTION,
        RetryAdvice.NO,
        "Error messages from python: 'CRM_API_TOKEN' (KeyError)",
    ),
    "py_attribute_error_module": Expected(
        Category.PYTHON_EXCEPTION,
        RetryAdvice.NO,
        "Module 'scripts.export_segments' has no attribute 'mian'",
    ),
    "py_trino_user_error": Expected(
        Category.MISSING_TABLE,
        RetryAdvice.AFTER_UPSTREAM,
        "Table 'td-presto.sales.orders_enriched' does not exist",
    ),
    "py_requests_503": Expected(
        Category.HTTP_ERROR, RetryAdvice.YES, "503 Server Error: Service Unavailable"
    ),
    "py_requests_400": Expected(
        Category.HTTP_ERROR, RetryAdvice.AFTER_FIX, "400 Client Error: Bad Request"
    ),
    "py_container_oom": Expected(
        Category.MEMORY_LIMIT,
        RetryAdvice.NO,
        "OutOfMemoryError: Container killed due to memory usage",
    ),
    "py_value_error_hostile": Expected(
        Category.PYTHON_EXCEPTION, RetryAdvice.NO, "could not convert string to float"
    ),
    "sh_exit_code_2": Expected(
        Category.SHELL_EXIT,
        RetryAdvice.NO,
        "ls: cannot access '/tmp/export/orders_*.csv': No such file or directory",
    ),
    "http_post_5xx": Expected(Category.HTTP_ERROR, RetryAdvice.YES, "503 Service Unavailable"),
    "http_4xx_token_in_url": Expected(
        Category.HTTP_ERROR, RetryAdvice.AFTER_FIX, "422 Unprocessable Entity"
    ),
    "require_upstream_failed": Expected(
        Category.UPSTREAM_WAIT,
        RetryAdvice.AFTER_UPSTREAM,
        "Dependent workflow failed. Session id: 98700011, attempt id: 412300099",
    ),
    "fail_quality_gate": Expected(
        Category.DATA_ERROR,
        RetryAdvice.NO,
        "Row count check failed: orders has 0 rows for 2024-06-01 (expected at least 1000)",
    ),
    "for_each_task_limit": Expected(
        Category.ATTEMPT_LIMIT, RetryAdvice.NO, "Too many tasks. Limit: 1000"
    ),
    "loop_subtask_limit": Expected(
        Category.ATTEMPT_LIMIT, RetryAdvice.NO, "Too many loop subtasks. Limit: 1000"
    ),
    "config_missing_param": Expected(
        Category.CONFIG_ERROR, RetryAdvice.AFTER_FIX, "Parameter 'database' is required but not set"
    ),
    "attempt_killed_by_person": Expected(
        Category.KILLED_BY_PERSON, RetryAdvice.YES, "is canceled."
    ),
    "wait_canceled_after_25h": Expected(
        Category.KILLED_BY_TIMEOUT,
        RetryAdvice.AFTER_UPSTREAM,
        "acme-landing/orders/dt=2024-06-01/_SUCCESS",
    ),
    "multi_failure_publish": Expected(
        Category.HTTP_ERROR, RetryAdvice.YES, "Read timed out. (read timeout=30)"
    ),
    "multi_failure_publish_warehouse": Expected(
        Category.EXPORT_FAILURE,
        RetryAdvice.AFTER_FIX,
        "Access denied for user 'td_export'@'10.20.30.40'",
    ),
    "multi_failure_publish_rollup": Expected(
        Category.CONFIG_ERROR,
        RetryAdvice.AFTER_FIX,
        "Couldn't find Schedule with name = daily_rollup_v2",
    ),
}

# The everyday incidents of the seeded workflows (bot/sandbox/incidents.py).
INCIDENTS: dict[str, Expected] = {
    "cluster_out_of_memory": Expected(
        Category.TRANSIENT_PLATFORM,
        RetryAdvice.YES,
        "Query killed because the cluster is out of memory",
    ),
    "worker_node_errors": Expected(
        Category.TRANSIENT_PLATFORM,
        RetryAdvice.YES,
        "Encountered too many errors talking to a worker node",
    ),
    "node_memory_limit": Expected(
        Category.MEMORY_LIMIT, RetryAdvice.NO, "Query exceeded per-node memory limit of 20GB"
    ),
    "net_amount_missing": Expected(
        Category.MISSING_COLUMN, RetryAdvice.NO, "Column 'net_amount' cannot be resolved"
    ),
    "webhook_token_404": Expected(
        Category.HTTP_ERROR, RetryAdvice.AFTER_FIX, "404 Not Found: no_service"
    ),
    "crm_api_key_401": Expected(
        Category.PYTHON_EXCEPTION, RetryAdvice.NO, "401 Client Error: Unauthorized"
    ),
    "quality_gate_mention": Expected(Category.DATA_ERROR, RetryAdvice.NO, "look empty (0 rows)"),
}

EXPECTED: dict[str, Expected] = {**CORE, **OPS}
