"""`/td sla | slas`: the limits that make a run "running long" or a session "late".

Limits belong to the scope, like owners; anyone in a channel may set them (as
`owner` and `escalate`): they change only what tdbot says, never TD. `slas`
lists, for this channel's subscriptions, the limits in force and each
workflow's learned runtime baseline (workflows of a project subscription are
those the bot has seen succeed: no TD request).
"""

from __future__ import annotations

from datetime import timedelta

from bot.alerts.subscriptions import SubscriptionService
from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services, Unavailable
from bot.answers.subscriptions import subscription_reply
from bot.commands import ListSlas, SetSla, SlaField, Subcommand, read_sla, read_slas
from bot.message import Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.silent.baseline import MIN_RUNS, learned, limit_of
from bot.store import ALL_PROJECTS, SlaLimits, Store, Subscription
from bot.store.baselines import KEEP
from bot.store.slas import limits_of

_MEANING = {
    SlaField.RUNTIME: "a run still running after {} is alerted as running long",
    SlaField.WITHIN: (
        "a scheduled session that has not succeeded {} after its session time is alerted as late"
    ),
}


def _service(services: Services) -> SubscriptionService:
    if services.subscriptions is None:
        raise Unavailable
    return services.subscriptions


def _span(value: timedelta) -> str:
    return fmt.duration(value.total_seconds())


async def set_sla(command: SetSla, ctx: RequestContext, services: Services) -> Message:
    service = _service(services)
    scope = command.scope
    if (unknown := await service.check_scope(scope)) is not None:
        return subscription_reply(unknown)
    project = scope.project or ALL_PROJECTS
    where = md.code(str(scope), 300)
    if command.limit is None:
        had = await service.store.clear_sla(project, scope.workflow)
        title = f"No limits for {scope}" if had else f"{scope} had no limits"
        left = limits_of(await service.store.all_slas(), project, scope.workflow)
        return Message(
            title=title,
            text=title,
            emoji=":stopwatch:",
            sections=(f"{where} has no explicit `sla` now: {_left(left)}.",),
        )
    field, value = command.limit
    await service.store.set_sla(
        project,
        scope.workflow,
        runtime=value if field is SlaField.RUNTIME else None,
        within=value if field is SlaField.WITHIN else None,
        set_by=ctx.user_id,
        now=service.now(),
    )
    meaning = _MEANING[field].format(_span(value))
    return Message(
        title=f"{field.value.capitalize()} limit for {scope}",
        text=f"{scope}: {meaning}",
        emoji=":stopwatch:",
        sections=(f"In {where}, {meaning}, in every channel subscribed to it.",),
    )


def _left(limits: SlaLimits) -> str:
    """What still applies once a scope's own limits are gone: a wider scope's, or none."""
    if limits.runtime is not None:
        runtime = (
            f"running long past {_span(limits.runtime)} ({_sla(limits.runtime_scope, 'runtime')})"
        )
    else:
        runtime = "running long falls back to each workflow's learned baseline"
    if limits.within is not None:
        within = f"late past {_span(limits.within)} ({_sla(limits.within_scope, 'within')})"
    else:
        within = "nothing is late"
    return f"{runtime}, and {within}"


def _sla(scope: str | None, field: str) -> str:
    return md.code(f"sla {scope or '?'} {field}", 300)


async def list_slas(_command: ListSlas, ctx: RequestContext, services: Services) -> Message:
    store = _service(services).store
    subs = await store.subscriptions(ctx.channel_id)
    if not subs:
        subscribe = md.code("/td subscribe <project>[/<workflow>]")
        text = f"This channel has no subscriptions: {subscribe} first."
        return Message(title="Limits", text=text, emoji=":stopwatch:", sections=(text,))
    slas = await store.all_slas()
    workflows = await _workflows(store, subs)
    runs = await store.good_runs_of(workflows)
    lines: list[str] = []
    for sub in subs:
        name = _scope(sub)
        limits = limits_of(slas, sub.project, sub.workflow)
        lines.append(f"• {md.code(name, 300)}: {_limits(limits)}")
        for project, workflow in workflows:
            if _covers(sub, project, workflow):
                limits = limits_of(slas, project, workflow)
                base = _baseline(runs.get((project, workflow), []), limits)
                shown = md.code(f"{project}/{workflow}", 300)
                lines.append(f"    ◦ {shown}: {base}")
    return Message(
        title="Limits",
        text=f"Limits in force for {fmt.plural(len(subs), 'subscription')} of this channel",
        emoji=":stopwatch:",
        sections=md.pack(lines),
        context=(
            "Without `sla runtime`, a run is running long past 1.5 × the p95 of its last "
            f"{KEEP} good runs (at least 5 min more), once {MIN_RUNS} were seen.",
        ),
    )


async def _workflows(store: Store, subs: list[Subscription]) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for sub in subs:
        if sub.workflow is not None:
            found[(sub.project, sub.workflow)] = None
        else:
            project = None if sub.project == ALL_PROJECTS else sub.project
            found.update(dict.fromkeys(await store.learned_workflows(project)))
    return list(found)


def _covers(sub: Subscription, project: str, workflow: str) -> bool:
    if sub.project == ALL_PROJECTS:
        return True
    return sub.project == project and sub.workflow in (None, workflow)


def _scope(sub: Subscription) -> str:
    if sub.project == ALL_PROJECTS:
        return "*"
    return sub.project if sub.workflow is None else f"{sub.project}/{sub.workflow}"


def _limits(limits: SlaLimits) -> str:
    runtime = (
        f"runtime {_span(limits.runtime)} ({_sla(limits.runtime_scope, 'runtime')})"
        if limits.runtime is not None
        else "runtime: learned per workflow"
    )
    within = (
        f"within {_span(limits.within)} ({_sla(limits.within_scope, 'within')})"
        if limits.within is not None
        else "within: none (never late)"
    )
    return f"{runtime} · {within}"


def _baseline(runs: list[timedelta], limits: SlaLimits) -> str:
    """The workflow's runtime limit in force, and what it learned meanwhile."""
    baseline = learned(runs)
    if baseline is None:
        learning = f"learning: {len(runs)} of {MIN_RUNS} good runs seen"
    else:
        learning = (
            f"p95 of its last {baseline.runs} good runs: {_span(baseline.p95)} "
            f"→ alerts after {_span(limit_of(baseline))}"
        )
    if limits.runtime is None:
        return learning
    explicit = f"runtime {_span(limits.runtime)} ({_sla(limits.runtime_scope, 'runtime')})"
    return f"{explicit} · not used: {learning}" if baseline else f"{explicit} · {learning}"


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "sla",
        "/td sla <project>[/<workflow>] | * runtime <duration> | within <duration> | off",
        "when a run of that scope is running long (runtime) or a scheduled session late (within)",
        "/td sla sales_etl/daily runtime 2h",
        read_sla,
        set_sla,
    ),
    Subcommand(
        "slas",
        "/td slas",
        "the limits in force for this channel's subscriptions, with each learned baseline",
        "/td slas",
        read_slas,
        list_slas,
    ),
)
