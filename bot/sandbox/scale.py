"""A large account for benchmarks: thousands of workflows, tens of thousands of attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.sandbox.catalogue import Flow, td
from bot.sandbox.life import Script
from bot.sandbox.model import WorkflowDef
from bot.sandbox.seed import HISTORY, World, add_schedule, define, new_project
from bot.sandbox.texts import stable_rng

PER_PROJECT = 20


@dataclass(frozen=True)
class Scale:
    """Extra bulk projects (``bulk_000``...) on top of the seeded account."""

    workflows: int = 2000
    attempts: int = 20000
    fail_rate: float = 0.03
    # How far back the account's life begins: the bulk runs spread over it, and the
    # seeded schedules run through it (longer than the seeded 4 days for reports).
    history: timedelta = HISTORY
    # Each bulk workflow also gets a daily schedule, at minute ``index % 1440`` of the
    # day, from two hours before ``now``: the silent-failure benchmark's 2,000
    # scheduled workflows (about 1.4 start per minute).
    schedules: bool = False

    def __post_init__(self) -> None:
        if self.workflows < 1 or self.attempts < 0 or not 0 <= self.fail_rate <= 1:
            raise ValueError("Scale needs workflows >= 1, attempts >= 0, 0 <= fail_rate <= 1")
        if self.history < HISTORY:
            raise ValueError(f"Scale needs a history of at least {HISTORY}")


def add_bulk(world: World, now: datetime, scale: Scale) -> None:
    """Define the bulk workflows and queue their past runs, spread over the history."""
    workflows: list[WorkflowDef] = []
    for number in range(0, scale.workflows, PER_PROJECT):
        project = new_project(
            world,
            f"bulk_{number // PER_PROJECT:03d}",
            now - timedelta(days=100),
            now - timedelta(days=20),
        )
        for index in range(number, min(number + PER_PROJECT, scale.workflows)):
            name = f"job_{index:05d}"
            dig = {
                "timezone": "UTC",
                "_export": {"td": {"database": "analytics"}},
                "+extract": td(f"bulk/{name}", "analytics"),
                "+publish": {"echo>": f"{name} done for ${{session_date}}"},
            }
            if scale.schedules:
                at = f"{index % 1440 // 60:02d}:{index % 60:02d}:00"
                dig["schedule"] = {"daily>": at}
                flow = Flow(name, {}, schedule=("daily", at))
                world.engine.at(
                    now - timedelta(hours=2), partial(add_schedule, world, project, flow)
                )
            workflows.append(define(world, project, name, dig))
            world.life.scripts[(project.id, name)] = Script(
                fail_rate=scale.fail_rate, incidents=("cluster_out_of_memory", "node_memory_limit")
            )
    span = (scale.history - timedelta(hours=1)).total_seconds()
    start = now - scale.history
    rng = stable_rng(world.seed, "bulk")
    for index, workflow in enumerate(workflows):
        # Each workflow gets its share of runs, one per slot of its own: no two share
        # a session time.
        runs = scale.attempts // len(workflows) + (index < scale.attempts % len(workflows))
        for slot in range(runs):
            offset = (slot + rng.uniform(0.0, 0.9)) * span / runs
            when = start + timedelta(seconds=int(offset))
            world.engine.at(when, partial(_run, world, workflow, when))


def _run(world: World, workflow: WorkflowDef, when: datetime) -> None:
    world.engine.submit(workflow, when, {}, world.life.outcome(workflow, when))
