"""The diagnosis lab: every FailureCase realised as a failed attempt of its own workflow.

Each case's workflow ran fine twice on an older revision with other params, then
failed on the latest revision: "what changed since the last good run" finds the
revision, the ``_export`` block and the params.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.sandbox.cases import FailureCase
from bot.sandbox.catalogue import SLACK_HOOK, http, td
from bot.sandbox.engine import SUCCESS
from bot.sandbox.life import Script, case_outcome, fitted_outcome, free_session_time, squeezed
from bot.sandbox.model import Attempt, Project
from bot.sandbox.seed import World, define, new_project, push_revision
from bot.sandbox.texts import stable_rng

LAB_PROJECT = "diagnosis_lab"
_FIRST_GOOD = timedelta(hours=90)
_SECOND_GOOD = timedelta(hours=78)
_PUSHED = timedelta(hours=60)
_FAILED = timedelta(hours=26)
_SPACING = timedelta(minutes=9)


def lab_dig(case: FailureCase, timezone: str, *, revision: int) -> dict[str, Any]:
    """The .dig of a case's workflow: a healthy step, the case's task(s), a last step."""
    leaves = {case.path: case.config} | {s.path: s.config for s in case.siblings}
    database = case.config.get("database")
    database = database if isinstance(database, str) else "analytics"
    exported: dict[str, Any] = {"database": database}
    if revision == 2 and "database" not in case.config:
        # The newer revision no longer exports a database; tasks must name their own.
        exported = {}
    dig: dict[str, Any] = {
        "timezone": timezone,
        "_export": {"td": exported, "lookback_days": 1 if revision == 1 else 3},
    }
    if case.has_error_handler:
        dig["_error"] = http(SLACK_HOOK, content={"text": "${workflow_name} failed"})
    if not any(path[0] == "prepare" for path in leaves):
        dig["+prepare"] = td("prepare", database)
    for path, config in leaves.items():
        _insert(dig, path, config)
    if len(leaves) > 1:
        _parallel_at(dig, _common_prefix(list(leaves)))
    dig["+report"] = {"echo>": "${workflow_name} finished for ${session_date}"}
    return dig


def _insert(dig: dict[str, Any], path: tuple[str, ...], config: dict[str, Any]) -> None:
    node = dig
    for depth, element in enumerate(path):
        last = depth == len(path) - 1
        base, caret, suffix = element.partition("^")
        if caret:
            # The host task (if>, for_each>...) generates the failing task at run time.
            host: dict[str, Any] = {"if>": "${td.last_results.cnt == 0}"} if suffix == "sub" else {}
            node.setdefault(f"+{base}", host | {"_do": dict(config)})
            return
        if last:
            node.setdefault(f"+{element}", dict(config))
        else:
            node = node.setdefault(f"+{element}", {})


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0][:-1]
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path) - 1) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def _parallel_at(dig: dict[str, Any], prefix: tuple[str, ...]) -> None:
    node = dig
    for element in prefix:
        node = node[f"+{element}"]
    node["_parallel"] = True


def seed_lab(world: World, now: datetime, cases: tuple[FailureCase, ...]) -> Project:
    """The lab project; its runs are queued as events that happen during the history."""
    engine = world.engine
    project = new_project(world, LAB_PROJECT, now - timedelta(days=180), now - timedelta(days=10))
    newer: dict[str, dict[str, Any]] = {}
    for i, case in enumerate(cases):
        timezone = "Asia/Tokyo" if i % 3 == 2 else "UTC"
        old = define(world, project, case.key, lab_dig(case, timezone, revision=1))
        newer[case.key] = lab_dig(case, timezone, revision=2)
        world.life.scripts[(project.id, case.key)] = Script(case=case)
        for ago in (_FIRST_GOOD, _SECOND_GOOD):
            start = now - ago + i * timedelta(minutes=2)
            params = _params(world, case, start, 1)
            engine.at(start, partial(engine.submit, old, start, params, SUCCESS))
        start = now - _FAILED + i * _SPACING - timedelta(hours=case.task_runs_hours)
        engine.at(start, partial(_failing_run, world, project, case, start))
    engine.at(now - _PUSHED, partial(push_revision, world, project, newer))
    return project


def _params(world: World, case: FailureCase, start: datetime, revision: int) -> dict[str, Any]:
    params: dict[str, Any] = {"target_date": start.strftime("%Y-%m-%d"), "full_refresh": False}
    if revision == 2:
        rng = stable_rng(world.seed, "params", case.key)
        params |= {"full_refresh": True, "sample_rate": rng.choice((0.1, 0.25, 0.5))}
    return params


def _failing_run(world: World, project: Project, case: FailureCase, start: datetime) -> None:
    workflow = project.workflows[case.key]
    params = _params(world, case, start, 2)
    attempt = world.engine.submit(workflow, start, params, case_outcome(case))
    world.case_attempts[case.key] = attempt.id


def _plain_failures(cases: tuple[FailureCase, ...]) -> list[FailureCase]:
    """Cases that end one task in ``error`` (no kill), usable anywhere."""
    return [c for c in cases if c.state == "error" and not c.attempt_killed and not c.siblings]


def multi_failure_attempt(world: World, cases: tuple[FailureCase, ...], failing: int) -> Attempt:
    """A lab attempt whose ``failing`` leaves all fail, each the way one corpus case does."""
    if failing < 1:
        raise ValueError("an attempt needs at least one failing task")
    pool = _plain_failures(cases)
    parts = [
        replace(pool[i % len(pool)], path=("parts", f"part_{i + 1:02d}"), siblings=())
        for i in range(failing)
    ]
    main = replace(parts[0], key=f"multi_failure_{failing}", siblings=tuple(parts[1:]))
    project = _lab(world)
    workflow = project.workflows.get(main.key) or define(
        world, project, main.key, lab_dig(main, "UTC", revision=2)
    )
    now = world.engine.clock.now()
    attempt = world.engine.submit(workflow, now, {}, case_outcome(main, time_scale=0.0))
    world.engine.run_until(now)
    return attempt


def inject_failures(
    world: World, cases: tuple[FailureCase, ...], count: int, *, skip: str = LAB_PROJECT
) -> list[Attempt]:
    """``count`` failed attempts at once, spread over the account's workflows."""
    pool = _plain_failures(cases)
    workflows = [
        w for p in world.store.projects.values() if p.name != skip for w in p.workflows.values()
    ]
    now = world.engine.clock.now()
    made = []
    for i in range(count):
        workflow = workflows[i % len(workflows)]
        case = pool[i % len(pool)]
        when = free_session_time(world.engine, workflow, now)
        outcome = squeezed(workflow.tree, fitted_outcome(workflow.tree, case), 0.0)
        made.append(world.engine.submit(workflow, when, {}, outcome))
    world.engine.run_until(now)
    return made


def _lab(world: World) -> Project:
    project = world.store.project_by_name(LAB_PROJECT)
    if project is None:
        raise LookupError("the sandbox has no diagnosis lab")
    return project


def run_case_now(world: World, case: FailureCase, params: dict[str, Any]) -> Attempt:
    """A new lab workflow for ``case`` whose run, started now with ``params``, fails like it.

    For scenarios the corpus does not hold, e.g. a failure whose texts echo the
    run's own session params.
    """
    project = next(p for p in world.store.projects.values() if p.name == LAB_PROJECT)
    if case.key in project.workflows:
        raise ValueError(f"the lab already has a workflow {case.key!r}")
    workflow = define(world, project, case.key, lab_dig(case, "UTC", revision=1))
    now = world.engine.clock.now()
    attempt = world.engine.submit(workflow, now, params, case_outcome(case))
    world.case_attempts[case.key] = attempt.id
    return attempt
