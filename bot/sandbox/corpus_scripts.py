"""Failure corpus: py>, sh>, http>, require>, fail>."""

from __future__ import annotations

from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus_kit import RUNNER, RUNNER_CALL, py_case, script
from bot.sandbox.corpus_log import (
    HTTP_OPERATOR,
    PY_FRAMES,
    SH_FRAMES,
    failed_entry,
    log_entry,
    log_lines,
    operator_line,
    raw_lines,
    stacktrace_of,
    unexpected_entry,
)

# ---------------------------------------------------------------------------
# F. py>
# ---------------------------------------------------------------------------


def _py_key_error_env() -> FailureCase:
    return py_case(
        "py_key_error_env",
        "py> reads an environment variable the workflow no longer sets",
        config={"py>": "scripts.sync_crm.main", "docker": {"image": "digdag/digdag-python:3.9"}},
        summary="'CRM_API_TOKEN' (KeyError)",
        frames=[
            RUNNER_CALL,
            (script("sync_crm"), 14, "main", "token = os.environ['CRM_API_TOKEN']"),
            ("/usr/local/lib/python3.9/os.py", 679, "__getitem__", "raise KeyError(key) from None"),
        ],
        final="KeyError: 'CRM_API_TOKEN'",
        executor_reason="No container information",
        stdout="sync_crm: starting for session 2024-06-01",
        retry_recovers=False,
    )


def _py_attribute_error_module() -> FailureCase:
    return py_case(
        "py_attribute_error_module",
        "py> names a function the module does not have",
        config={"py>": "scripts.export_segments.mian"},
        summary="Module 'scripts.export_segments' has no attribute 'mian' (AttributeError)",
        frames=[
            (
                RUNNER,
                128,
                "<module>",
                "raise AttributeError(\"Module '{}' has no attribute "
                "'{}'\".format(mod_name, method_name))",
            ),
        ],
        final="AttributeError: Module 'scripts.export_segments' has no attribute 'mian'",
        retry_recovers=False,
    )


def _py_trino_user_error() -> FailureCase:
    error = (
        'TrinoUserError(type=USER_ERROR, name=TABLE_NOT_FOUND, message="line 3:10: Table '
        "'td-presto.sales.orders_enriched' does not exist\", query_id=20240601_021500_05012_k7hx2)"
    )
    return py_case(
        "py_trino_user_error",
        "py> pytd query hits a table the upstream workflow did not build",
        config={"py>": "scripts.features.build", "database": "sales"},
        summary=f"{error} (TrinoUserError)",
        frames=[
            RUNNER_CALL,
            (script("features"), 22, "build", "df = client.query(SQL)['data']"),
            (
                "/usr/local/lib/python3.9/site-packages/pytd/client.py",
                240,
                "query",
                "res = engine.execute(header + query, **kwargs)",
            ),
            (
                "/usr/local/lib/python3.9/site-packages/trino/client.py",
                862,
                "process",
                'raise self._process_error(response["error"], response.get("id"))',
            ),
        ],
        final=f"trino.exceptions.TrinoUserError: {error}",
        stdout="features: querying sales.orders_enriched for 2024-06-01",
        retry_recovers=True,
    )


def _py_requests_503() -> FailureCase:
    url = "https://api.example-crm.com/v2/contacts/bulk"
    return py_case(
        "py_requests_503",
        "py> CRM push: the CRM API answers 503",
        config={"py>": "scripts.crm_push.main"},
        summary=f"503 Server Error: Service Unavailable for url: {url} (HTTPError)",
        frames=[
            RUNNER_CALL,
            (script("crm_push"), 41, "main", "resp.raise_for_status()"),
            (
                "/usr/local/lib/python3.9/site-packages/requests/models.py",
                1021,
                "raise_for_status",
                "raise HTTPError(http_error_msg, response=self)",
            ),
        ],
        final="requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
        + url,
        stdout="crm_push: 12,880 contacts in 13 batches\ncrm_push: batch 1/13",
        retry_recovers=True,
    )


def _py_requests_400() -> FailureCase:
    url = "https://api.adplatform.example/v3/audiences/upload?account=88123"
    return py_case(
        "py_requests_400",
        "py> audience upload rejected by the ad platform (bad payload)",
        config={"py>": "scripts.audiences.upload"},
        summary=f"400 Client Error: Bad Request for url: {url} (HTTPError)",
        frames=[
            RUNNER_CALL,
            (script("audiences"), 57, "upload", "r.raise_for_status()"),
            (
                "/usr/local/lib/python3.9/site-packages/requests/models.py",
                1021,
                "raise_for_status",
                "raise HTTPError(http_error_msg, response=self)",
            ),
        ],
        final=f"requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: {url}",
        stdout='audiences: response body: {"error": "schema_mismatch", "field": "hashed_email"}',
        retry_recovers=False,
    )


def _py_container_oom() -> FailureCase:
    config = {"py>": "scripts.model.score", "docker": {"image": "digdag/digdag-python:3.9"}}
    reason = (
        "Python command failed with code 137\n"
        "Error messages from CommandExecutor: "
        "OutOfMemoryError: Container killed due to memory usage"
    )
    return FailureCase(
        key="py_container_oom",
        title="py> container killed for memory while scoring a full table in pandas",
        path=("score",),
        config=config,
        error={"message": f"{reason} (runtime)", "stacktrace": stacktrace_of(PY_FRAMES)},
        log=log_lines(
            operator_line(config),
            raw_lines("Wait running a command task: status provisioning"),
            raw_lines("Wait running a command task: status running"),
            raw_lines("score: loading events since 2024-03-01\nscore: 48,211,904 rows fetched"),
            unexpected_entry(reason, "java.lang.RuntimeException", PY_FRAMES),
        ),
        retry_recovers=False,
    )


def _py_value_error_hostile() -> FailureCase:
    """Slack control sequences and credentials in script output and traceback source lines."""
    value = "<!channel> <!here> ping <@U024BE7LH> now <https://evil.example|click>"
    call = (
        'rows = fetch(apikey="1234/0123456789abcdef0123456789abcdef01234567", '
        'aws_key="AKIAIOSFODNN7EXAMPLE", dsn="https://user:secret@host/", '
        'pg="host=crm-db.internal dbname=crm user=etl password=hunter2")'
    )
    return py_case(
        "py_value_error_hostile",
        "py> campaign budgets: a row with Slack mentions and hard-coded credentials in the trace",
        config={"py>": "scripts.campaigns.main"},
        summary=f"could not convert string to float: '{value}' (ValueError)",
        frames=[
            RUNNER_CALL,
            (script("campaigns"), 18, "main", call),
            (script("campaigns"), 31, "fetch", 'budget = float(row["budget"])'),
        ],
        final=f"ValueError: could not convert string to float: '{value}'",
        stdout=(
            "campaigns: connecting with dsn=https://user:secret@host/ password=hunter2\n"
            f"campaigns: preview: {value}"
        ),
        retry_recovers=False,
    )


# ---------------------------------------------------------------------------
# G. sh>, http>, require>, fail>
# ---------------------------------------------------------------------------


def _sh_exit_code_2() -> FailureCase:
    config = {"sh>": "./scripts/publish.sh"}
    missing = "ls: cannot access '/tmp/export/orders_*.csv': No such file or directory"
    message = "Command failed with code 2"
    return FailureCase(
        key="sh_exit_code_2",
        title="sh> publish script exits 2: the export files it expects are not there",
        path=("publish",),
        config=config,
        error={"message": f"{message} (runtime)", "stacktrace": stacktrace_of(SH_FRAMES)},
        log=log_lines(
            operator_line(config),
            raw_lines(
                "+ set -euo pipefail\n"
                "+ mkdir -p /tmp/export\n"
                "+ td export:result 2187650077 /tmp/export\n"
                "+ ls /tmp/export/orders_*.csv\n" + missing
            ),
            unexpected_entry(message, "java.lang.RuntimeException", SH_FRAMES),
        ),
        retry_recovers=False,
    )


def _http_post_5xx() -> FailureCase:
    url = "https://api.partner.example/v1/refresh"
    config = {"http>": url, "method": "POST", "content": {"date": "2024-06-01"}}
    # POST is not retried by default, so a 5xx fails the task at once.
    message = f"HTTP 5XX Server Error: POST {url}: 503 Service Unavailable"
    return FailureCase(
        key="http_post_5xx",
        title="http> POST to a partner API answered 503",
        path=("notify",),
        config=config,
        error={"message": message},
        log=log_lines(
            operator_line(config),
            log_entry("INFO", HTTP_OPERATOR, f"Sending HTTP request: POST {url}"),
            log_entry(
                "INFO",
                HTTP_OPERATOR,
                f"Received HTTP response: POST {url}: HttpContentResponse[HTTP/1.1 503 Service "
                "Unavailable - 162 bytes]",
            ),
            failed_entry(message),
        ),
        retry_recovers=True,
    )


def _http_4xx_token_in_url() -> FailureCase:
    url = (
        "https://reports.partner.example/v2/daily"
        "?access_token=tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0&date=2024-06-01"
    )
    config = {"http>": url, "method": "GET", "store_content": True}
    message = (
        f"HTTP 4XX Client Error: GET {url} - 422 Unprocessable Entity: "
        '{"error":"invalid_date_range","message":"date must be before today in UTC"}'
    )
    return FailureCase(
        key="http_4xx_token_in_url",
        title="http> GET with a token in the query string answered 422",
        path=("fetch_report",),
        config=config,
        error={"message": message},
        log=log_lines(
            operator_line(config),
            log_entry("INFO", HTTP_OPERATOR, f"Sending HTTP request: GET {url}"),
            log_entry(
                "INFO",
                HTTP_OPERATOR,
                f"Received HTTP response: GET {url}: HttpContentResponse[HTTP/1.1 422 "
                "Unprocessable Entity - 78 bytes]",
            ),
            failed_entry(message),
        ),
        retry_recovers=False,
    )


def _require_upstream_failed() -> FailureCase:
    config = {"require>": "daily_ingest", "project_name": "ingest"}
    message = "Dependent workflow failed. Session id: 98700011, attempt id: 412300099"
    return FailureCase(
        key="require_upstream_failed",
        title="require> on the ingest workflow, whose attempt failed",
        path=("wait_ingest",),
        config=config,
        error={"message": message},
        log=log_lines(operator_line(config), failed_entry(message)),
        task_runs_hours=2.5,
        retry_recovers=True,
    )


def _fail_quality_gate() -> FailureCase:
    message = "Row count check failed: orders has 0 rows for 2024-06-01 (expected at least 1000)"
    config = {"fail>": message}
    return FailureCase(
        key="fail_quality_gate",
        title="fail> data-quality gate inside if>: no orders loaded",
        path=("check^sub",),
        config=config,
        error={"message": message},
        log=log_lines(operator_line(config), failed_entry(message)),
        retry_recovers=False,
    )


SCRIPT_CASES: tuple[FailureCase, ...] = (
    _py_key_error_env(),
    _py_attribute_error_module(),
    _py_trino_user_error(),
    _py_requests_503(),
    _py_requests_400(),
    _py_container_oom(),
    _py_value_error_hostile(),
    _sh_exit_code_2(),
    _http_post_5xx(),
    _http_4xx_token_in_url(),
    _require_upstream_failed(),
    _fail_quality_gate(),
)
