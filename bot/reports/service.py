"""``ReportService``: a report of some scopes over the last N days, from the cached history.

The scopes' feeds are brought up to date first (``History``), then the cache
is streamed through ``Tally`` in workflow order; the slowest workflow's runs
are read once more for its duration trend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.commands import Scope
from bot.reports.history import CONCURRENCY, Feed, History
from bot.reports.model import Period, Report, TrendPoint, WorkflowStats
from bot.reports.stats import Tally, runs_of, slowest
from bot.store import ALL_PROJECTS, Store
from bot.store.report_cache import Scope as StoredScope
from bot.store.report_cache import from_epoch
from bot.td import TDClient


def scope_label(scopes: Sequence[Scope]) -> str:
    return ", ".join(str(s) for s in scopes)


class ReportService:
    def __init__(
        self,
        td: TDClient,
        store: Store,
        *,
        timezone: str,
        clock: Callable[[], datetime],
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._td = td
        self._store = store
        self.timezone = timezone
        self.clock = clock
        self.history = History(td, store.report_cache, clock=clock, concurrency=concurrency)

    async def channel_scopes(self, channel_id: str) -> list[Scope]:
        """The channel's subscriptions as report scopes (none: not subscribed)."""
        found = []
        for sub in await self._store.subscriptions(channel_id):
            if sub.project == ALL_PROJECTS:
                found.append(Scope(None))
            else:
                found.append(Scope(sub.project, sub.workflow))
        return list(dict.fromkeys(found))

    async def set_schedule(self, channel_id: str, cadence: str | None, user_id: str) -> bool:
        """Post the channel's report ``daily``/``weekly`` (None: stop); whether it changed."""
        return await self._store.set_report_schedule(
            channel_id, cadence, set_by=user_id, now=self.clock()
        )

    async def schedule_of(self, channel_id: str) -> str | None:
        """The cadence the channel's report is posted at (``daily``/``weekly``), None: none."""
        found = await self._store.report_schedule(channel_id)
        return found.cadence if found is not None else None

    async def report(self, scopes: Sequence[Scope], days: int) -> Report:
        period = Period(self.clock(), days)
        await self.history.refresh(await self._feeds(scopes), period.previous_start)
        stored = [_stored(s) for s in scopes]
        tally = Tally(period, self.timezone)
        async for chunk in self._store.report_cache.stream(stored, period.previous_start):
            tally.add(chunk)
        tally.finish()
        workflows = tuple(sorted(tally.workflows, key=lambda w: w.name))
        return Report(
            scope=scope_label(scopes),
            period=period,
            timezone=self.timezone,
            totals=tally.totals(),
            workflows=workflows,
            days=tally.days(),
            trend=await self._trend(workflows, period),
        )

    async def _feeds(self, scopes: Sequence[Scope]) -> list[Feed]:
        if any(s.everything for s in scopes):
            return [Feed(p.name) async for p in self._td.iter_projects()]
        whole = {s.project for s in scopes if s.workflow is None}
        feeds = [Feed(p) for p in sorted(p for p in whole if p is not None)]
        feeds.extend(
            Feed(s.project, s.workflow)
            for s in scopes
            if s.project is not None and s.workflow is not None and s.project not in whole
        )
        return list(dict.fromkeys(feeds))

    async def _trend(
        self, workflows: Sequence[WorkflowStats], period: Period
    ) -> tuple[WorkflowStats, tuple[TrendPoint, ...]] | None:
        """The slowest workflow's successful runs over both periods, oldest first."""
        top = slowest(workflows, 1)
        if not top:
            return None
        flow = top[0]
        rows = await self._store.report_cache.of_workflow(
            flow.project, flow.workflow, period.previous_start
        )
        before, end = period.previous_start.timestamp(), period.end.timestamp()
        points = tuple(
            TrendPoint(from_epoch(run.started), run.duration)
            for run in runs_of(rows)
            if run.duration is not None and before <= run.started < end
        )
        return flow, tuple(sorted(points, key=lambda p: p.started))


def _stored(scope: Scope) -> StoredScope:
    return (scope.project, scope.workflow)
