"""Build the seeded account: projects, schedules, databases, then days of history.

History is not written directly: the schedules and scripted events of the last
few days are run through the same engine that runs ``advance``, so past and
future look alike (and ids grow with time).
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from bot.sandbox.catalogue import PROJECTS, TABLES, Flow
from bot.sandbox.clock import Clock
from bot.sandbox.engine import Engine
from bot.sandbox.life import Life, Script
from bot.sandbox.model import Database, Project, Revision, Schedule, Store, Table, WorkflowDef
from bot.sandbox.texts import stable_rng, uuid_text
from bot.sandbox.timefmt import zone
from bot.sandbox.tree import compile_tree

ACCOUNT_ID = 31245
USER_NAME = "analyst@example.com"
HISTORY = timedelta(days=4)


@dataclass
class World:
    """Everything behind one sandbox: the records, the executor and the script of life."""

    seed: int
    store: Store
    engine: Engine
    life: Life
    case_attempts: dict[str, int] = field(default_factory=dict)


def new_world(seed: int, now: datetime, history: timedelta = HISTORY) -> World:
    """An empty account whose clock stands ``history`` before ``now``."""
    store = Store(account_id=ACCOUNT_ID, user_name=USER_NAME)
    clock = Clock(now - history)
    engine = Engine(store, clock, seed)
    return World(seed, store, engine, Life(engine, seed))


def new_project(world: World, name: str, created: datetime, revised: datetime) -> Project:
    store = world.store
    project = Project(store.ids.next("project"), name, store.account_id, created)
    project.revisions.append(_revision(world, project, revised))
    store.projects[project.id] = project
    return project


def _revision(world: World, project: Project, at: datetime) -> Revision:
    rng = stable_rng(world.seed, "revision", project.name, at)
    md5 = base64.b64encode(rng.randbytes(16)).decode()
    user = rng.choice(("analyst@example.com", "de-team@example.com", "ops@example.com"))
    return Revision(uuid_text(rng), at, md5, user)


def define(world: World, project: Project, name: str, dig: dict[str, Any]) -> WorkflowDef:
    """A workflow definition of the project's latest revision."""
    store = world.store
    timezone = dig.get("timezone", "UTC")
    workflow = WorkflowDef(
        store.ids.next("workflow"),
        project,
        name,
        project.latest.name,
        timezone,
        dig,
        compile_tree(name, dig),
    )
    store.workflows[workflow.id] = workflow
    project.workflows[name] = workflow
    return workflow


def push_revision(world: World, project: Project, digs: dict[str, dict[str, Any]]) -> None:
    """A new revision with these definitions (``td wf push``): new workflow ids."""
    project.revisions.append(_revision(world, project, world.engine.clock.now()))
    for name, dig in digs.items():
        define(world, project, name, dig)


def add_schedule(world: World, project: Project, flow: Flow) -> Schedule:
    if flow.schedule is None:
        raise ValueError(f"{flow.name} has no schedule")
    kind, at = flow.schedule
    parts = [int(p) for p in at.split(":")]
    offset = (
        parts[0] * 3600 + parts[1] * 60 + parts[2] if kind == "daily" else parts[0] * 60 + parts[1]
    )
    now = world.engine.clock.now()
    local = now.astimezone(zone(flow.timezone)).replace(tzinfo=None, microsecond=0)
    if kind == "daily":
        base = local.replace(hour=0, minute=0, second=0)
    else:
        base = local.replace(minute=0, second=0)
    schedule = Schedule(
        world.store.ids.next("schedule"),
        project,
        flow.name,
        kind,
        offset,
        flow.timezone,
        base.replace(tzinfo=zone(flow.timezone)),
        created_at=project.latest.created_at,
    )
    while schedule.next_run_time <= now:
        schedule.advance()
    world.store.schedules[schedule.id] = schedule
    world.life.schedules.arm(schedule)
    return schedule


def seed_projects(world: World, now: datetime) -> None:
    for name, flows in PROJECTS.items():
        rng = stable_rng(world.seed, "project", name)
        created = now - timedelta(days=rng.randrange(60, 400), seconds=rng.randrange(86400))
        revised = now - timedelta(days=rng.randrange(6, 40), seconds=rng.randrange(86400))
        project = new_project(world, name, created, revised)
        for flow in flows:
            define(world, project, flow.name, flow.dig())
        for flow in flows:
            if flow.schedule is not None:
                add_schedule(world, project, flow)
    _script_life(world, now)


def _day(now: datetime, timezone: str, days_ago: int) -> date:
    return (now.astimezone(zone(timezone)) - timedelta(days=days_ago)).date()


def _script_life(world: World, now: datetime) -> None:
    """The stories of the last days (listed in the docs of ``bot.sandbox``)."""
    store = world.store
    scripts = world.life.scripts

    def key(project: str, workflow: str) -> tuple[int, str]:
        found = store.project_by_name(project)
        if found is None:
            raise KeyError(project)
        return found.id, workflow

    def day(days_ago: int, timezone: str = "UTC") -> date:
        return _day(now, timezone, days_ago)

    # A transient Trino failure retried automatically 12 minutes later: attempt 2 succeeds.
    scripts[key("ingest", "daily_ingest")] = Script(
        fail_on={day(1): "cluster_out_of_memory"}, auto_retry_minutes=12
    )
    scripts[key("ingest", "hourly_events")] = Script(
        fail_rate=0.03, incidents=("worker_node_errors",), auto_retry_minutes=6
    )
    scripts[key("sales_daily", "sales_hourly")] = Script(
        fail_rate=0.05, incidents=("cluster_out_of_memory",), auto_retry_minutes=8
    )
    scripts[key("cdp_audiences", "profile_refresh")] = Script(
        fail_rate=0.02, incidents=("cluster_out_of_memory",), auto_retry_minutes=5
    )
    scripts[key("web_analytics", "pageviews_hourly")] = Script(
        fail_rate=0.04,
        incidents=("worker_node_errors", "cluster_out_of_memory"),
        auto_retry_minutes=10,
    )
    scripts[key("data_quality", "freshness_monitor")] = Script(
        fail_rate=0.03, incidents=("node_memory_limit",)
    )
    # Yesterday's model fit hung; someone killed the run 40 minutes in.
    scripts[key("marketing_attribution", "attribution_model")] = Script(
        slow_on={day(1): (("model",), 3 * 3600)}, kill_on={day(1): 2400}
    )
    # Today's Hive feature build is still running, hours after it started.
    scripts[key("ml_features", "train_features")] = Script(
        slow_on={day(0): (("features",), 10 * 3600)}
    )
    scripts[key("crm_sync", "salesforce_export")] = Script(fail_on={day(2): "webhook_token_404"})
    scripts[key("crm_sync", "hubspot_sync")] = Script(fail_on={day(1): "crm_api_key_401"})
    scripts[key("data_quality", "dq_checks")] = Script(
        fail_on={day(1): "quality_gate_mention", day(0): "quality_gate_mention"}
    )
    # A push three days ago renamed the revenue column: every run since fails the same way.
    finance = store.project_by_name("finance_reports")
    if finance is None:
        raise KeyError("finance_reports")
    pushed = datetime.combine(day(3), time(12), tzinfo=UTC)
    scripts[(finance.id, "daily_revenue")] = Script(
        failing_since=pushed, failing_with="net_amount_missing"
    )
    flows = {flow.name: flow for flow in PROJECTS["finance_reports"]}
    digs = {name: flow.dig() for name, flow in flows.items()}
    digs["daily_revenue"]["_export"] = {
        "td": {"database": "finance"},
        "revenue_column": "net_amount",
    }
    world.engine.at(pushed, partial(push_revision, world, finance, digs))


def seed_databases(world: World, now: datetime) -> None:
    store = world.store
    for db_name, table_name, schema in TABLES:
        rng = stable_rng(world.seed, "table", db_name, table_name)
        database = store.databases.get(db_name)
        if database is None:
            created = now - timedelta(days=rng.randrange(200, 900))
            database = Database(store.ids.next("database"), db_name, created, created)
            store.databases[db_name] = database
        created = database.created_at + timedelta(days=rng.randrange(1, 100))
        count = rng.randrange(1_000, 900_000_000)
        imported = now - timedelta(seconds=rng.randrange(60, 86400))
        database.tables.append(
            Table(
                id=store.ids.next("table"),
                name=table_name,
                schema=[[column, kind] for column, kind in schema],
                count=count,
                estimated_storage_size=count * rng.randrange(20, 200),
                created_at=created,
                updated_at=imported,
                counter_updated_at=imported,
                last_log_timestamp=imported - timedelta(seconds=rng.randrange(1, 3600)),
                expire_days=rng.choice((None, None, 30, 90)),
            )
        )
        database.updated_at = max(database.updated_at, imported)


def account_key(seed: int) -> str:
    """TD's key shape: ``<account id>/<40 hex>`` (td-api.md 2.1)."""
    return f"{ACCOUNT_ID}/{random.Random(seed).randbytes(20).hex()}"
