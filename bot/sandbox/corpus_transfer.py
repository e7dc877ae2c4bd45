"""Failure corpus: Loads and exports."""

from __future__ import annotations

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    embulk_cmdout,
    export_cmdout,
    presto_started,
    submitted,
    td_job_case,
)
from bot.sandbox.corpus_log import (
    AGENT_FRAMES,
    JOB,
    TD_LOAD_OPERATOR,
    log_lines,
    operator_line,
    stacktrace_of,
    unexpected_entry,
)

# ---------------------------------------------------------------------------
# D. Loads and exports
# ---------------------------------------------------------------------------


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
    return td_job_case(
        "td_load_mysql_link_failure",
        "td_load> from MySQL: the source database is unreachable",
        path=("ingest",),
        config=config,
        job=JobSpec(
            "bulkload",
            "error",
            {"config": {"in": {"type": "mysql", "host": "orders-db.internal", "table": "orders"}}},
            "ingest",
            embulk_cmdout("embulk-input-mysql (0.13.2)", "2024-06-01 02:05:01"),
            stderr,
        ),
        started=(TD_LOAD_OPERATOR, f"Started bulk load job id={JOB}"),
        retry_recovers=True,
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
    return td_job_case(
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
            embulk_cmdout("embulk-input-s3 (0.6.1)", "2024-06-01 01:00:04"),
            stderr,
            id_in=("log",),
        ),
        started=(TD_LOAD_OPERATOR, f"Started bulk load session job name=s3_orders_daily, id={JOB}"),
        retry_recovers=True,
    )


def _result_export_connection_refused() -> FailureCase:
    body = "SELECT customer_id, segment, score\nFROM customer_scores\nWHERE score > 0.7"
    sql = submitted(body)
    qid = "20240601_030011_11020_k7hx2"
    stderr = (
        "java.sql.SQLNonTransientConnectionException: Could not create connection to database "
        "server. Attempted reconnect 3 times. Giving up.\n"
        "Caused by: com.mysql.cj.exceptions.CJCommunicationsException: "
        "Communications link failure\n"
        "Caused by: java.net.ConnectException: Connection refused (Connection refused)"
    )
    return td_job_case(
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
            export_cmdout(sql, "2024-06-01T03:00:11Z", qid, "mysql://crm-db.example.com:3306/crm"),
            stderr,
        ),
        started=presto_started(sql),
        retry_recovers=True,
    )


def _result_export_password_failed() -> FailureCase:
    body = "SELECT day, channel, revenue\nFROM revenue_daily\nWHERE day = '2024-06-01'"
    sql = submitted(body, header=3)
    qid = "20240601_040002_12088_k7hx2"
    return td_job_case(
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
            export_cmdout(sql, "2024-06-01T04:00:02Z", qid, "postgresql://bi-db.example.com/bi"),
            "org.postgresql.util.PSQLException: FATAL: password authentication failed for user "
            '"td_export"',
            id_in=("store_params",),
        ),
        started=presto_started(sql),
        retry_recovers=False,
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
        *AGENT_FRAMES,
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
        error={"message": f"{message} (secret not found)", "stacktrace": stacktrace_of(frames)},
        log=log_lines(
            operator_line(config),
            unexpected_entry(message, "io.digdag.spi.SecretNotFoundException", frames),
        ),
        retry_recovers=False,
    )


TRANSFER_CASES: tuple[FailureCase, ...] = (
    _td_load_mysql_link_failure(),
    _td_load_s3_no_such_key(),
    _result_export_connection_refused(),
    _result_export_password_failed(),
    _table_export_secret_missing(),
)
