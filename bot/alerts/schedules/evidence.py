"""What a schedule round's findings carry beyond the book: one click to the evidence.

- An alert about no run (not started, schedule disabled, late before any session)
  links to its workflow: the workflow id of its schedule, as every schedule page
  read lists it (kept in memory; a finding whose schedule no page has shown since
  the process started costs one ``GET /api/schedules/{id}``).
- A late alert whose attempt is still running names the task it is running, and
  the TD job that task polls, from one ``GET /api/attempts/{id}/tasks`` (the same
  reading as running long's, ``running_tasks``).

TD is asked only for a finding some channel is about to claim (subscribed, not
muted, not alerted yet): each finding is decided once per slot or schedule, so no
quiet round pays anything. A failed read leaves the finding as it was: the alert
goes out without that piece.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.aio import bounded_map
from bot.alerts.findings import Finding, Late, LateState
from bot.alerts.running_long import running_tasks
from bot.alerts.silent import claim_key
from bot.silent.findings import schedule_subject_of
from bot.store import Store, Subscription, channels_covering
from bot.td import TDClient
from bot.td.errors import NotFound, TDError
from bot.td.models import Schedule

log = logging.getLogger(__name__)


class Evidence:
    def __init__(self, td: TDClient, store: Store, *, concurrency: int = 8) -> None:
        self._td = td
        self._store = store
        self._concurrency = concurrency
        self._workflow_ids: dict[str, str] = {}  # schedule id -> its workflow's id

    def learn(self, page: Sequence[Schedule]) -> None:
        """The workflow ids a schedule page lists."""
        for schedule in page:
            if schedule.workflow.id:
                self._workflow_ids[schedule.id] = schedule.workflow.id

    async def add(
        self, findings: Sequence[Finding], subscriptions: Sequence[Subscription], now: datetime
    ) -> list[Finding]:
        """The findings, each with what it lacks and some channel will show."""

        async def one(finding: Finding) -> Finding:
            if not await self._wanted(finding, subscriptions, now):
                return finding
            return await self._with_tasks(await self._with_workflow(finding))

        return await bounded_map(one, list(findings), self._concurrency)

    async def _wanted(
        self, finding: Finding, subscriptions: Sequence[Subscription], now: datetime
    ) -> bool:
        key = claim_key(finding.key)
        for sub in channels_covering(subscriptions, finding.project, finding.workflow):
            channel = sub.channel_id
            if await self._store.is_muted(channel, finding.project, finding.workflow, now):
                continue
            if await self._store.claim_of(channel, key) is None:
                return True
        return False

    async def _with_workflow(self, finding: Finding) -> Finding:
        subject = schedule_subject_of(finding.subject)
        if finding.attempt is not None or finding.workflow_id or subject is None:
            return finding
        schedule_id = subject.schedule_id
        if schedule_id not in self._workflow_ids:
            try:
                self.learn([await self._td.schedule(schedule_id)])
            except NotFound:
                return finding  # deleted meanwhile: the next page read forgets it
            except TDError as exc:
                log.warning("schedule %s: TD failed, alert without its link: %s", schedule_id, exc)
                return finding
        return replace(finding, workflow_id=self._workflow_ids.get(schedule_id))

    async def _with_tasks(self, finding: Finding) -> Finding:
        facts, attempt = finding.facts, finding.attempt
        if (
            not isinstance(facts, Late)
            or facts.state is not LateState.RUNNING
            or attempt is None
            or attempt.status.done
        ):
            return finding
        try:
            tasks = await self._td.tasks(attempt.id)
        except TDError as exc:  # NotFound too: a late alert still says it is late
            log.warning("late attempt %s: TD failed, alert without its task: %s", attempt.id, exc)
            return finding
        return replace(finding, facts=replace(facts, tasks=running_tasks(tasks)))
