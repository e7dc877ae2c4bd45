"""Failure corpus: loads and exports to the systems TD connects to (BigQuery, Google
Sheets, S3, Salesforce, PostgreSQL) and embulk's own data errors.

Connector texts are the target APIs' own error messages (BigQuery, Sheets and S3
error documentation, Salesforce's API fault codes, PostgreSQL's FATAL lines) and
embulk's ``DataException`` from its CSV parser; TD's wrapping around them is inferred.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.corpus_kit import (
    embulk_cmdout,
    export_cmdout,
    presto_started,
    submitted,
    td_job_case,
)
from bot.sandbox.corpus_log import JOB, TD_LOAD_OPERATOR, TD_OPERATOR

_S3_IDS = "Request ID: 9K2MZQ4R7T1B3C5D; S3 Extended Request ID: c3VtbWFyeS1pZC1ub3QtYS1zZWNyZXQ="


def _result_to(
    key: str,
    title: str,
    connection: str,
    target: str,
    stderr: str,
    *,
    source: str,
    retry_recovers: bool = False,
) -> FailureCase:
    """td> with ``result_connection``: the query ran, writing the result failed."""
    sql = submitted("SELECT customer_id, segment, score\nFROM customer_scores")
    config = {"td>": f"queries/{key}.sql", "database": "crm", "result_connection": connection}
    return td_job_case(
        key,
        title,
        path=("publish",),
        config=config,
        job=JobSpec(
            "presto",
            "error",
            sql,
            "crm",
            export_cmdout(sql, "2024-06-01T05:00:00Z", "20240601_050000_03311_k7hx2", target),
            stderr,
        ),
        started=presto_started(sql),
        retry_recovers=retry_recovers,
        source=source,
    )


def _export_job(
    key: str, title: str, config: dict[str, Any], stderr: str, *, source: str
) -> FailureCase:
    """td_result_export> / td_table_export>: an export job of its own."""
    operator = next(k for k in config if k.endswith(">"))
    kind = "result export" if operator == "td_result_export>" else "table export"
    return td_job_case(
        key,
        title,
        path=("export",),
        config=config,
        job=JobSpec(kind.replace(" ", "_"), "error", {"config": {}}, "crm", None, stderr),
        started=(TD_OPERATOR, f"Started {kind} job id={JOB}"),
        source=source,
    )


def _load(
    key: str,
    title: str,
    plugin: str,
    source_type: str,
    stderr: str,
    *,
    source: str,
    retry_recovers: bool = False,
) -> FailureCase:
    config = {"td_load>": f"config/{key}.yml", "database": "ingest", "table": key}
    return td_job_case(
        key,
        title,
        path=("ingest",),
        config=config,
        job=JobSpec(
            "bulkload",
            "error",
            {"config": {"in": {"type": source_type}}},
            "ingest",
            embulk_cmdout(plugin, "2024-06-01 01:00:04"),
            stderr,
        ),
        started=(TD_LOAD_OPERATOR, f"Started bulk load job id={JOB}"),
        retry_recovers=retry_recovers,
        source=source,
    )


TRANSFER_MORE_CASES: tuple[FailureCase, ...] = (
    _result_to(
        "result_export_bigquery_access_denied",
        "td> result export to BigQuery: the service account may not create tables",
        "bq_marketing",
        "bigquery://acme-analytics/marketing/segments",
        "com.google.cloud.bigquery.BigQueryException: Access Denied: Dataset "
        "acme-analytics:marketing: Permission bigquery.tables.create denied on dataset "
        "acme-analytics:marketing (or it may not exist).",
        source="BigQuery error messages (accessDenied); TD's wrapping inferred",
    ),
    _result_to(
        "result_export_sheets_cell_limit",
        "td> result export to Google Sheets: the result is larger than a workbook may be",
        "gsheets_ops",
        "google_sheets://ops-dashboard/segments",
        "com.google.api.client.googleapis.json.GoogleJsonResponseException: 400 Bad Request\n"
        "This action would increase the number of cells in the workbook above the limit of "
        "10000000 cells.",
        source="Google Sheets API error text (10 million cell limit)",
    ),
    _export_job(
        "result_export_sheets_not_found",
        "td_result_export> to a Google Sheet that was deleted",
        {"td_result_export>": "", "job_id": "2187600001", "result_connection": "gsheets_ops"},
        "com.google.api.client.googleapis.json.GoogleJsonResponseException: 404 Not Found\n"
        "Requested entity was not found.",
        source="Google APIs 404 NOT_FOUND message; digdag td_result_export> operator",
    ),
    _export_job(
        "result_export_s3_access_denied",
        "td_result_export> to S3: the bucket policy refuses TD's key",
        {"td_result_export>": "", "job_id": "2187600002", "result_connection": "s3_archive"},
        "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; "
        f"Status Code: 403; Error Code: AccessDenied; {_S3_IDS})",
        source="AWS SDK AmazonS3Exception format; S3 error code AccessDenied",
    ),
    _result_to(
        "result_export_salesforce_invalid_login",
        "td> result export to Salesforce: the integration user's password expired",
        "sfdc_prod",
        "salesforce://acme.my.salesforce.com/Contact",
        "com.sforce.soap.partner.fault.LoginFault: INVALID_LOGIN: Invalid username, password, "
        "security token; or user locked out.",
        source="Salesforce API fault code INVALID_LOGIN",
    ),
    _load(
        "td_load_salesforce_request_limit",
        "td_load> from Salesforce: the org's daily API request limit is used up",
        "embulk-input-salesforce (0.4.2)",
        "salesforce",
        "org.embulk.exec.PartialExecutionException: com.sforce.ws.SoapFaultException: "
        "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
        retry_recovers=True,
        source="Salesforce API fault code REQUEST_LIMIT_EXCEEDED",
    ),
    _load(
        "td_load_postgres_pg_hba",
        "td_load> from PostgreSQL: TD's egress IP is not allowed by pg_hba.conf",
        "embulk-input-postgresql (0.13.2)",
        "postgresql",
        "org.embulk.exec.PartialExecutionException: org.postgresql.util.PSQLException: FATAL: "
        'no pg_hba.conf entry for host "52.4.2.1", user "td_loader", database "shop", SSL off',
        source="PostgreSQL auth failure text (ClientAuthentication); embulk-input-jdbc",
    ),
    _load(
        "td_load_csv_invalid_record",
        "td_load> from S3 CSV: a row with a letter O in a number column",
        "embulk-input-s3 (0.6.1)",
        "s3",
        "org.embulk.exec.PartialExecutionException: org.embulk.spi.DataException: Invalid "
        "record at s3://acme-landing/orders/2024-06-01/part-0003.csv:1882: "
        "2024-06-01,A-1001,12.5O,JPY",
        source="embulk CsvParserPlugin DataException('Invalid record at %s:%d: %s')",
    ),
    _export_job(
        "table_export_s3_signature",
        "td_table_export> with a rotated AWS secret key",
        {
            "td_table_export>": "",
            "database": "web",
            "table": "access_log",
            "s3_bucket": "acme-archive",
            "s3_path_prefix": "access_log/2024-06-01",
            "file_format": "jsonl.gz",
        },
        "com.amazonaws.services.s3.model.AmazonS3Exception: The request signature we "
        "calculated does not match the signature you provided. Check your key and signing "
        "method. (Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch; "
        f"{_S3_IDS})",
        source="S3 error code SignatureDoesNotMatch message",
    ),
)
