"""The seeded account's projects, workflows (as .dig JSON), databases and tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Dig = dict[str, Any]


def td(file: str, database: str | None = None, **extra: Any) -> Dig:
    config: Dig = {"td>": f"queries/{file}.sql"}
    if database is not None:
        config["database"] = database
    return config | extra


def py(module: str, **extra: Any) -> Dig:
    return {"py>": module, "docker": {"image": "digdag/digdag-python:3.9"}} | extra


def http(url: str, method: str = "POST", **extra: Any) -> Dig:
    return {"http>": url, "method": method} | extra


def load(source: str, database: str, table: str) -> Dig:
    return {"td_load>": f"config/{source}.yml", "database": database, "table": table}


def group(parallel: bool = False, **children: Dig) -> Dig:
    config: Dig = {"_parallel": True} if parallel else {}
    return config | {f"+{name}": child for name, child in children.items()}


@dataclass(frozen=True)
class Flow:
    """A workflow of the seeded account: its tasks, time zone and schedule."""

    name: str
    tasks: Dig  # the .dig's task part: "+name": {...}
    timezone: str = "UTC"
    schedule: tuple[str, str] | None = None  # ("daily", "HH:MM:SS") | ("hourly", "MM:SS")
    database: str = "analytics"
    extra: Dig = field(default_factory=dict)

    def dig(self) -> Dig:
        config: Dig = {"timezone": self.timezone}
        if self.schedule is not None:
            kind, at = self.schedule
            config["schedule"] = {f"{kind}>": at}
        config["_export"] = {"td": {"database": self.database}} | self.extra
        return config | self.tasks


SLACK_HOOK = "https://hooks.example.com/services/T0A1B2C3D/B0E4F5G6H/notify"

PROJECTS: dict[str, tuple[Flow, ...]] = {
    "ingest": (
        Flow(
            "daily_ingest",
            {
                "+load_orders": load("s3_orders", "raw", "orders_raw"),
                "+load_customers": load("s3_customers", "raw", "customers_raw"),
                "+dedupe": td("dedupe_orders", "sales", insert_into="orders"),
            },
            schedule=("daily", "01:00:00"),
            database="raw",
        ),
        Flow(
            "hourly_events",
            {
                "+import": load("s3_events", "raw", "events"),
                "+compact": td("compact_events", "raw"),
            },
            schedule=("hourly", "05:00"),
            database="raw",
        ),
        Flow("s3_sync", {"+sync": py("scripts.s3_sync.main")}, schedule=("daily", "00:30:00")),
    ),
    "sales_daily": (
        Flow(
            "sales_daily",
            {
                "+wait_ingest": {"require>": "daily_ingest", "project_name": "ingest"},
                "+aggregate": td("aggregate", "sales", insert_into="daily_sales"),
                "+export": td("export", "sales", result_connection="sales_mysql"),
                "+notify": http(SLACK_HOOK),
            },
            timezone="Asia/Tokyo",
            schedule=("daily", "09:00:00"),
            database="sales",
        ),
        Flow(
            "sales_hourly",
            {"+rollup": td("hourly_rollup", "sales")},
            schedule=("hourly", "15:00"),
            database="sales",
        ),
        Flow(
            "sales_weekly_report",
            {"+weekly": td("weekly_report", "sales"), "+mail": http(SLACK_HOOK)},
            timezone="Asia/Tokyo",
            schedule=("daily", "10:00:00"),
            database="sales",
        ),
    ),
    "marketing_attribution": (
        Flow(
            "attribution_model",
            {
                "+prepare": group(
                    True,
                    touchpoints=td("touchpoints", "marketing"),
                    conversions=td("conversions", "marketing"),
                ),
                "+model": py("scripts.attribution.fit", _env={"MODEL": "markov"}),
                "+publish": td("publish_attribution", "marketing", insert_into="attribution"),
            },
            schedule=("daily", "03:00:00"),
            database="marketing",
        ),
        Flow(
            "campaign_touchpoints",
            {
                "+extract": td("extract_touchpoints", "marketing"),
                "+enrich": td("enrich", "marketing"),
            },
            schedule=("daily", "02:00:00"),
            database="marketing",
        ),
        Flow(
            "spend_sync",
            {"+fetch": py("scripts.spend.fetch"), "+load": td("load_spend", "marketing")},
            schedule=("daily", "04:00:00"),
            database="marketing",
        ),
    ),
    "cdp_audiences": (
        Flow(
            "build_segments",
            {
                "+profiles": td("profiles", "cdp", create_table="profiles_daily"),
                "+segments": group(
                    True,
                    high_value=td("high_value", "cdp"),
                    churn_risk=td("churn_risk", "cdp"),
                    lapsed=td("lapsed", "cdp"),
                ),
            },
            timezone="Asia/Tokyo",
            schedule=("daily", "06:00:00"),
            database="cdp",
        ),
        Flow(
            "sync_audiences",
            {"+export": td("audience_export", "cdp"), "+activate": http(SLACK_HOOK)},
            timezone="Asia/Tokyo",
            schedule=("daily", "07:30:00"),
            database="cdp",
        ),
        Flow(
            "activation_export",
            {"+segments_export": td("segments_export", "cdp", result_connection="ads_s3")},
            timezone="Asia/Tokyo",
            schedule=("daily", "08:00:00"),
            database="cdp",
        ),
        Flow(
            "profile_refresh",
            {"+refresh": td("profile_refresh", "cdp")},
            timezone="Asia/Tokyo",
            schedule=("hourly", "40:00"),
            database="cdp",
        ),
    ),
    "finance_reports": (
        Flow(
            "daily_revenue",
            {
                "+revenue": td("revenue", "finance", insert_into="revenue_daily"),
                "+ledger": td("ledger", "finance"),
                "+notify": http(SLACK_HOOK),
            },
            schedule=("daily", "05:00:00"),
            database="finance",
            extra={"revenue_column": "amount"},
        ),
        Flow(
            "ledger_export",
            {"+export": td("ledger_export", "finance", result_connection="finance_sftp")},
            schedule=("daily", "06:00:00"),
            database="finance",
        ),
        Flow(
            "fx_rates",
            {
                "+fetch": http("https://api.example-fx.com/v1/latest?base=USD", "GET"),
                "+store": td("store_fx", "finance"),
            },
            schedule=("daily", "00:10:00"),
            database="finance",
        ),
    ),
    "ml_features": (
        Flow(
            "train_features",
            {
                "+features": td("features", "ml", engine="hive", create_table="features_daily"),
                "+train": py("scripts.train.fit"),
            },
            schedule=("daily", "04:30:00"),
            database="ml",
        ),
        Flow(
            "score_customers",
            {"+score": py("scripts.score.run"), "+write": td("write_scores", "ml")},
            schedule=("daily", "08:00:00"),
            database="ml",
        ),
        Flow("feature_backfill", {"+backfill": td("feature_backfill", "ml", engine="hive")}),
    ),
    "data_quality": (
        Flow(
            "dq_checks",
            {
                "+row_counts": td("row_counts", "sales", store_last_results=True),
                "+check": {
                    "if>": "${td.last_results.cnt == 0}",
                    "_do": {"fail>": "orders for ${session_date} look empty"},
                },
                "+report": http(SLACK_HOOK),
            },
            schedule=("daily", "07:00:00"),
            database="sales",
        ),
        Flow(
            "freshness_monitor",
            {"+freshness": td("freshness", "raw")},
            schedule=("hourly", "50:00"),
            database="raw",
        ),
    ),
    "crm_sync": (
        Flow(
            "salesforce_export",
            {"+extract": td("sf_extract", "sales"), "+push": http(SLACK_HOOK)},
            schedule=("daily", "05:30:00"),
            database="sales",
        ),
        Flow(
            "hubspot_sync",
            {"+contacts": py("scripts.hubspot.sync")},
            schedule=("daily", "06:30:00"),
            database="sales",
        ),
    ),
    "web_analytics": (
        Flow(
            "pageviews_hourly",
            {"+aggregate": td("pageviews", "web")},
            schedule=("hourly", "10:00"),
            database="web",
        ),
        Flow(
            "sessions_rollup",
            {
                "+sessionize": td("sessionize", "web", engine="hive"),
                "+rollup": td("sessions_rollup", "web"),
            },
            schedule=("daily", "02:30:00"),
            database="web",
        ),
        Flow(
            "bot_filter",
            {"+filter": td("bot_filter", "web")},
            timezone="Asia/Tokyo",
            schedule=("daily", "03:30:00"),
            database="web",
        ),
    ),
}

# (database, table, schema). finance.payments has no net_amount: the failing revision's
# SQL asks for a column that is not there, and the schema shows it.
TABLES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("sales", "orders", (("order_id", "string"), ("customer_id", "string"), ("amount", "double"))),
    ("sales", "order_items", (("order_id", "string"), ("sku", "string"), ("quantity", "long"))),
    ("sales", "customers", (("customer_id", "string"), ("segment", "string"))),
    ("sales", "daily_sales", (("day", "string"), ("cnt", "long"), ("total_amount", "double"))),
    ("raw", "events", (("event_name", "string"), ("value", "double"), ("td_client_id", "string"))),
    ("raw", "orders_raw", (("payload", "string"),)),
    ("raw", "customers_raw", (("payload", "string"),)),
    ("marketing", "touchpoints", (("channel", "string"), ("cost", "double"))),
    ("marketing", "conversions", (("channel", "string"), ("value", "double"))),
    ("marketing", "attribution", (("channel", "string"), ("credit", "double"))),
    ("cdp", "profiles", (("td_client_id", "string"), ("segment", "string"), ("score", "double"))),
    ("cdp", "profiles_daily", (("segment", "string"), ("users", "long"))),
    (
        "finance",
        "payments",
        (("payment_id", "string"), ("currency", "string"), ("amount", "double")),
    ),
    ("finance", "revenue_daily", (("day", "string"), ("revenue", "double"))),
    ("finance", "ledger", (("entry_id", "string"), ("account", "string"), ("amount", "double"))),
    ("web", "pageviews", (("path", "string"), ("duration_ms", "long"), ("td_client_id", "string"))),
    ("web", "web_sessions", (("country", "string"), ("user_id", "string"))),
    ("web", "web_events", (("user_id", "string"), ("event", "string"))),
    ("ml", "features", (("model", "string"), ("weight", "double"))),
    ("ml", "features_daily", (("customer_id", "string"), ("f1", "double"), ("f2", "double"))),
    ("retail", "receipts", (("region", "string"), ("basket", "double"))),
    ("retail", "region_daily", (("region", "string"), ("day", "long"), ("basket", "double"))),
    ("ingest", "daily_import", (("source", "string"), ("rows", "long"))),
    ("analytics", "summary", (("metric", "string"), ("value", "double"))),
    ("sample_datasets", "www_access", (("host", "string"), ("path", "string"), ("code", "long"))),
    ("sample_datasets", "nasdaq", (("symbol", "string"), ("open", "double"), ("close", "double"))),
)
