"""The schedule watcher: every ``TDBOT_SCHEDULE_SECONDS``, on one replica at a time,
read what is needed of TD's schedules, decide late / not started / schedule
disabled, and hand the findings to ``SilentAlerts``.

Cost. ``GET /api/schedules`` pages are 100 schedules each (fixed), so reading all
2,000 schedules of a large account every round would be 20 requests per round,
4 per poll at the default settings, on top of the poll's one. A round reads
instead: everything on its first run (to know each schedule's state and next
slot); the page of each schedule whose slot is past its run time plus the grace
with no session seen (to confirm it has not started, or find it disabled); and
the rest of its request budget as a rolling sweep through the list (skipping pages
with no schedule of a subscribed workflow), which is how a schedule disabled since
the last sweep is found. The budget keeps the whole
TD client (polls, rounds, anything else on it) at ``requests_per_poll`` requests
per poll on average (default 3) since the first round ended: a round may spend
what that average allows for the polls gone by, less everything the client sent
meanwhile (so a round that overspent, confirming many late attempts, leaves less
to the next), and always reads at least one page, so the sweep moves on however
busy the poll is. Slots and their sessions come from the attempt
feed for free (``observe``, run by the poller on every poll). One
``GET /api/attempts/{id}`` confirms a slot's attempt before it is called late, or
started after being queued. With several replicas a round sees only its own
process's requests, so its budget is an upper bound there. What a finding about
to be claimed still lacks (its workflow's id, a late run's running task) is read
by ``evidence.Evidence``, inside the same budget. Before the sweep, up to
``seeds_per_round`` of the budget (at least one read while any is waiting) seeds
new subscriptions' running-long baselines from TD's history (``seeding.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.aio import bounded_map
from bot.alerts.findings import Finding, Resolved
from bot.alerts.outgoing import DeliveryReport
from bot.alerts.schedules.book import Book, learn_attempt, learn_schedule
from bot.alerts.schedules.detect import Decisions, Watched, Within, decide
from bot.alerts.schedules.evidence import Evidence
from bot.alerts.seeding import BaselineSeeder
from bot.store import ALL_PROJECTS, Slot, Store
from bot.store.schedule_states import ALERT_COLUMNS, SESSION_COLUMNS
from bot.store.slas import limits_of
from bot.td import TDClient
from bot.td._schedules import SCHEDULES_PAGE
from bot.td.errors import NotFound
from bot.td.models import Attempt, Schedule

log = logging.getLogger(__name__)

LOCK = "schedules"
SWEEP_CURSOR = "schedules.sweep_after"  # the schedule id the rolling sweep reads after


class Reporter(Protocol):
    """``bot.alerts.silent.SilentAlerts``."""

    async def report(
        self, findings: Sequence[Finding], resolved: Sequence[Resolved]
    ) -> DeliveryReport: ...


@dataclass(frozen=True)
class WatchConfig:
    schedule_seconds: float = 300.0
    poll_seconds: float = 60.0
    start_grace: timedelta = timedelta(minutes=30)
    requests_per_poll: float = 3.0  # the TD client's average, rounds included
    concurrency: int = 8
    seeds_per_round: int = 2  # history reads for new baselines, out of the round's budget

    @property
    def polls_per_round(self) -> float:  # the first round's budget: one round's share
        return max(1.0, self.schedule_seconds / self.poll_seconds)


@dataclass(frozen=True)
class RoundReport:
    leader: bool
    td_requests: int = 0
    pages: int = 0
    findings: int = 0
    resolved: int = 0
    delivery: DeliveryReport | None = None
    seeded: int = 0  # baselines seeded from TD's history


class ScheduleWatcher:
    def __init__(
        self,
        td: TDClient,
        store: Store,
        silent: Reporter,
        *,
        config: WatchConfig | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.config = config or WatchConfig()
        self._td = td
        self._store = store
        self._silent = silent
        self._clock = clock
        self._seeder = BaselineSeeder(td, store)
        # After the first round: when it ended, and the client's request count then.
        self._since: tuple[datetime, int] | None = None
        self._evidence = Evidence(td, store, concurrency=self.config.concurrency)

    # ------------------------------------------------------ the attempt feed

    async def observe(self, attempts: Sequence[Attempt]) -> None:
        """Attempts the poller saw this poll (new, or finished): sessions of slots, and
        the slots that follow. Runs inside the poll, before its cursor moves on."""
        if not attempts:
            return
        states = await self._store.schedule_states.schedules_of(
            (a.project.name, a.workflow.name) for a in attempts
        )
        if not states:
            return
        slots = await self._store.schedule_states.slots_of(s.schedule_id for s in states)
        book = Book.of(states, slots)
        for attempt in sorted(attempts, key=lambda a: int(a.id)):
            learn_attempt(book, attempt)
        new = [book.slots[k] for k in book.new_slots]
        seen = [book.slots[k] for k in book.changed_slots - book.new_slots]
        await self._store.schedule_states.put_slots(new, update=())
        await self._store.schedule_states.put_slots(seen, update=SESSION_COLUMNS)

    # ------------------------------------------------------------- the round

    async def __call__(self) -> None:
        """The scheduled job: one round, never raising (the next round tries again)."""
        try:
            await self.round()
        except Exception as exc:
            log.warning("schedule round failed: %s", exc, exc_info=True)

    async def round(self) -> RoundReport:
        async with self._store.leader_lock(LOCK) as leader:
            if not leader:
                return RoundReport(leader=False)
            return await self._round()

    async def _round(self) -> RoundReport:
        before = self._td.request_count
        now = self._clock()
        repo = self._store.schedule_states
        book = Book.of(await repo.schedules(), await repo.slots())
        slas = await self._store.all_slas()

        def within(project: str, workflow: str) -> tuple[timedelta, str] | None:
            limits = limits_of(slas, project, workflow)
            if limits.within is None or limits.within_scope is None:
                return None
            return limits.within, limits.within_scope

        subscriptions = await self._store.scopes.all_subscriptions()

        def watched(project: str, workflow: str) -> bool:
            return any(
                s.project == ALL_PROJECTS
                or (s.project == project and s.workflow in (None, workflow))
                for s in subscriptions
            )

        pages = await self._read_due(book, now, watched)
        attempts = await self._confirm_attempts(book, now, within, watched)
        budget = self._allowance(now, before) - (self._td.request_count - before)
        seeds = await self._seeder.seed(
            subscriptions,
            {(s.project, s.workflow) for s in book.states.values()},
            reads=min(self.config.seeds_per_round, max(budget - 1, 1)),
            now=now,
        )
        # What is left of the round's budget goes to the rolling sweep.
        budget -= seeds.read
        if pages == 0 or budget > 0:
            raw = await self._store.get_cursor(SWEEP_CURSOR)
            pages += await self._sweep(
                book, now, int(raw) if raw else None, pages=max(budget, 1), watched=watched
            )

        decisions: Decisions = decide(
            book,
            now,
            grace=self.config.start_grace,
            within=within,
            watched=watched,
            attempts=attempts,
        )
        findings = await self._evidence.add(decisions.findings, subscriptions, now)
        delivery = await self._silent.report(findings, decisions.resolved)
        # Recorded after the report: a round that dies in between reports them again,
        # which the claims make harmless.
        await repo.put_schedules([book.states[i] for i in book.changed_states])
        await repo.put_slots([book.slots[k] for k in book.new_slots], update=ALERT_COLUMNS)
        await repo.put_slots(
            [book.slots[k] for k in book.changed_slots - book.new_slots], update=ALERT_COLUMNS
        )
        await repo.drop_slots(list(book.dropped))
        if self._since is None:
            self._since = (self._clock(), self._td.request_count)
        return RoundReport(
            leader=True,
            td_requests=self._td.request_count - before,
            pages=pages,
            findings=len(decisions.findings),
            resolved=len(decisions.resolved),
            delivery=delivery,
            seeded=seeds.seeded,
        )

    def _allowance(self, now: datetime, sent: int) -> int:
        """TD requests this round may send: the average's share of the polls since the
        first round ended, less all the client sent since (one round's share at first)."""
        config = self.config
        if self._since is None:
            return int(config.requests_per_poll * config.polls_per_round)
        started, count = self._since
        polls = (now - started).total_seconds() / config.poll_seconds
        return int(config.requests_per_poll * polls - (sent - count))

    # ------------------------------------------------------------- reading

    async def _read_due(self, book: Book, now: datetime, watched: Watched) -> int:
        """Everything on the first round; later, the page of each schedule whose slot is
        past its run time plus the grace with no session seen. Returns the pages read."""
        if not book.states:
            return await self._sweep(book, now, None, pages=None)
        grace = self.config.start_grace
        due = sorted(
            {
                slot.schedule_id
                for slot in book.slots.values()
                if slot.session_id is None
                and watched(slot.project, slot.workflow)
                and now > slot.run_time + grace
                and not slot.not_started_subject
                and (state := book.states.get(slot.schedule_id)) is not None
                and state.enabled
                and state.read_at <= slot.run_time + grace
            },
            key=int,
        )
        pages = 0
        covered_to = 0
        for schedule_id in due:
            if int(schedule_id) <= covered_to:
                continue
            end = await self._page(book, now, int(schedule_id) - 1 or None)
            pages += 1
            covered_to = end if end is not None else 2**63
        return pages

    async def _sweep(
        self,
        book: Book,
        now: datetime,
        after: int | None,
        *,
        pages: int | None,
        watched: Watched | None = None,
    ) -> int:
        """Read pages from ``after`` on (``pages`` of them, or to the end); the cursor
        wraps to the start after the last page. With ``watched``, pages holding no
        schedule of a subscribed workflow are skipped, but never the tail, where new
        schedules appear (ids only grow)."""
        read = 0
        while pages is None or read < pages:
            start = after if watched is None else sweep_start(book, after, watched)
            end = await self._page(book, now, start)
            read += 1
            after = end
            if end is None:
                break
        await self._store.set_cursor(SWEEP_CURSOR, str(after or ""), now=now)
        return read

    async def _page(self, book: Book, now: datetime, after: int | None) -> int | None:
        """One page after ``after``: learn what it lists, forget what it should have
        listed and did not. Returns the last id it covers (None: the list ended)."""
        page: list[Schedule] = await self._td.schedules_page(after)
        self._evidence.learn(page)
        for schedule in page:
            learn_schedule(book, schedule, now)
        full = len(page) >= SCHEDULES_PAGE
        end = max(int(s.id) for s in page) if full else None
        listed = {s.id for s in page}
        gone = [
            i
            for i in book.states
            if int(i) > (after or 0) and (end is None or int(i) <= end) and i not in listed
        ]
        if gone:
            await self._store.schedule_states.forget_schedules(gone)
            for schedule_id in gone:
                book.forget(schedule_id)
        return end

    async def _confirm_attempts(
        self, book: Book, now: datetime, within: Within, watched: Watched
    ) -> dict[str, Attempt]:
        """The attempts of slots about to be called late, or started after waiting in
        TD's queue: read again, as the feed follows only some attempts to their end."""

        def due(slot: Slot) -> bool:
            if (
                slot.attempt_id is None
                or slot.succeeded
                or not watched(slot.project, slot.workflow)
            ):
                return False
            if not slot.started:
                return now > slot.run_time + self.config.start_grace
            limit = within(slot.project, slot.workflow)
            return (
                slot.late_subject is None
                and limit is not None
                and now > slot.session_time + limit[0]
            )

        wanted = sorted({s.attempt_id for s in book.slots.values() if due(s) and s.attempt_id})
        found = await bounded_map(self._attempt, wanted, self.config.concurrency)
        attempts = {a.id: a for a in found if a is not None}
        confirmed = []
        for slot in list(book.slots.values()):
            fresh = attempts.get(slot.attempt_id or "")
            if fresh is not None:
                slot = slot.seen(fresh.session_id, fresh.id, fresh.status.value)
                book.slots[(slot.schedule_id, slot.session_time)] = slot
                confirmed.append(slot)
        await self._store.schedule_states.put_slots(confirmed, update=SESSION_COLUMNS)
        return attempts

    async def _attempt(self, attempt_id: str) -> Attempt | None:
        try:
            return await self._td.attempt(attempt_id)
        except NotFound:
            return None


def sweep_start(book: Book, after: int | None, watched: Watched) -> int | None:
    """Where the sweep's next page starts: just before the next schedule of a subscribed
    workflow after ``after``, or after the last known schedule (the tail) when none is."""
    floor = after or 0
    ahead = [
        int(i) for i, s in book.states.items() if int(i) > floor and watched(s.project, s.workflow)
    ]
    if ahead:
        return (min(ahead) - 1) or None
    last = max((int(i) for i in book.states), default=0)
    return max(floor, last) or None
