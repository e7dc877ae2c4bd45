"""One poll: find what finished at TD, decide the alerts, claim them, deliver them.

Order is what makes it crash-safe. Claims are written before the cursor moves,
so a poll that dies after claiming re-reads the same attempts and finds its
claims taken (no repeat), while the claims themselves come back through
``pending_deliveries`` when their lease runs out (no loss). Everything runs
under the store's leader lock, so of several replicas one polls at a time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.alerts.delivery import Deliverer
from bot.alerts.diagnoser import Diagnoser
from bot.alerts.escalation import Escalator
from bot.alerts.feed import PAGE_SIZE, read_feed
from bot.alerts.ops import AlertPathWatch
from bot.alerts.outgoing import DeliveryReport, Outgoing
from bot.alerts.pacing import ChannelPacer, backoff_seconds
from bot.alerts.plan import Subscribers, plan_alerts
from bot.alerts.running_long import RunningLongWatch
from bot.alerts.sender import DeliveryConfig
from bot.alerts.silent import SilentAlerts
from bot.alerts.silent_steps import SilentItem
from bot.notify import Notifier
from bot.ops.metrics import Metrics
from bot.store import Store, wall_clock
from bot.td import TDClient
from bot.td.errors import RateLimited, TDError
from bot.td.models import Attempt

log = logging.getLogger(__name__)

CURSOR_KEY = "alerts.attempt_cursor"


@dataclass(frozen=True)
class PollerConfig:
    poll_seconds: float = 60.0
    digest_over: int = 5  # more new threads than this for a channel in one poll: a digest
    diagnose_concurrency: int = 8
    watch_concurrency: int = 8
    page_size: int = PAGE_SIZE
    outage_backoff_cap: float = 600.0  # seconds between polls at most while TD is down
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)


@dataclass(frozen=True)
class PollReport:
    leader: bool  # False: another replica held the lock, nothing was done
    td_requests: int = 0
    pages: int = 0
    finished: int = 0  # attempts seen finishing
    claimed: int = 0
    delivery: DeliveryReport | None = None


class Poller:
    """Polls TD for failed attempts and posts their alerts through ``notifier``.

    ``poll_once`` does one poll and raises what TD raised; ``tick`` (what the
    scheduler runs) adds the backoff after failures and never raises.
    """

    def __init__(
        self,
        td: TDClient,
        store: Store,
        notifier: Notifier,
        *,
        console: str | None = None,
        config: PollerConfig | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = wall_clock,
        pacer: ChannelPacer | None = None,
        ops_channel: str | None = None,
        escalator: Escalator | None = None,
        silent: SilentAlerts | None = None,
        observe: Callable[[Sequence[Attempt]], Awaitable[None]] | None = None,
    ) -> None:
        """``observe``: told every attempt the poll saw start or end (the schedule
        watcher learns slots from them), before the cursor moves on."""
        self.config = config or PollerConfig()
        self._td = td
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._diagnoser = Diagnoser(
            td, console=console, concurrency=self.config.diagnose_concurrency
        )
        self._deliverer = Deliverer(
            td=td,
            store=store,
            notifier=notifier,
            diagnoser=self._diagnoser,
            pacer=pacer or ChannelPacer(),
            console=console,
            clock=clock,
            config=self.config.delivery,
            metrics=metrics,
            on_recovered=escalator.recovered if escalator is not None else None,
        )
        self._escalator = escalator
        self._silent = silent
        self._observe = observe
        self._running_long = RunningLongWatch(td, store)
        self._failures = 0
        self._resume_at = 0.0  # time.monotonic() before which ticks are skipped
        self._watch = (
            AlertPathWatch(store, notifier, ops_channel, clock=clock) if ops_channel else None
        )
        self.last_success: datetime | None = None
        if metrics is not None:
            metrics.poll_lag.set_function(self._lag)

    @property
    def failing(self) -> bool:
        """The last poll failed (TD or the store is down): for /healthz."""
        return self._failures > 0

    async def tick(self) -> None:
        """One scheduled poll, unless backing off after failures."""
        if time.monotonic() < self._resume_at:
            self._count("backoff")
            return
        try:
            await self.poll_once()
        except Exception as exc:  # the scheduler must keep running whatever broke
            await self._note_failure(exc)
            self._failures += 1
            delay = backoff_seconds(
                self._failures, base=self.config.poll_seconds, cap=self.config.outage_backoff_cap
            )
            if isinstance(exc, RateLimited) and exc.retry_after:
                delay = max(delay, exc.retry_after)
            self._resume_at = time.monotonic() + delay
            outcome = "td_error" if isinstance(exc, TDError) else "error"
            self._count(outcome)
            log.warning(
                "alert poll failed (%d in a row), next try in %.0fs: %s",
                self._failures,
                delay,
                exc,
                exc_info=not isinstance(exc, TDError),
            )
        else:
            self._failures = 0
            self._resume_at = 0.0

    async def poll_once(self) -> PollReport:
        async with self._store.leader_lock() as leader:
            if not leader:
                self._count("not_leader")
                # The leader's last success is the alert path's: poll lag then
                # means the same on every replica, not "never" on the followers.
                self.last_success = await self._store.last_poll_success() or self.last_success
                return PollReport(leader=False)
            report = await self._poll()
            if self._watch is not None:
                await self._watch.succeeded()
        self._count("ok")
        return report

    async def _note_failure(self, error: Exception) -> None:
        """Tell the operators' channel once the alert path is broken (one replica says it)."""
        if self._watch is None:
            return
        try:
            async with self._store.leader_lock("alert-path") as leader:
                if leader:
                    await self._watch.failed(error)
        except Exception:  # the store is down too: this process's own view must do
            await self._watch.failed(error)

    async def _poll(self) -> PollReport:
        requests_before = self._td.request_count
        now = self._clock()
        store = self._store
        raw_cursor = await store.get_cursor(CURSOR_KEY)
        watched = await store.watched_attempts()
        feed = await read_feed(
            self._td,
            int(raw_cursor) if raw_cursor else None,
            watched,
            page_size=self.config.page_size,
            concurrency=self.config.watch_concurrency,
        )
        subscribers = Subscribers(store)
        plan = await plan_alerts(
            feed.finished,
            store=store,
            subscribers=subscribers,
            diagnoser=self._diagnoser,
            now=now,
            digest_over=self.config.digest_over,
        )
        fresh: list[Outgoing] = []
        for alert in plan.alerts:
            a = alert.attempt
            claim = await store.claim_alert(
                alert.channel,
                a.id,
                a.session_id,
                a.project.name,
                a.workflow.name,
                alert.kind,
                now=now,
            )
            if claim is not None:
                fresh.append(Outgoing(claim, a, plan.diagnoses.get(a.id)))
        # Only attempts someone may be alerted about are worth a request later.
        for a in feed.started:
            if await subscribers.of(a):
                await store.watch_attempt(
                    a.id,
                    session_id=a.session_id,
                    project=a.project.name,
                    workflow=a.workflow.name,
                    now=now,
                    created_at=a.created_at,
                )
        silent: list[SilentItem] = []
        if self._silent is not None:
            # Claimed before the watches and the cursor move on, like the failures.
            found, ended = await self._running_long.check(feed, watched, subscribers, now)
            silent = await self._silent.claim(found, ended)
        if self._observe is not None:
            await self._observe([*feed.started, *feed.finished])
        for attempt_id in feed.done_watched:
            await store.unwatch_attempt(attempt_id)
        if feed.cursor is not None:
            await store.set_cursor(CURSOR_KEY, str(feed.cursor), now=now)

        delivery = await self._deliverer.deliver(fresh)
        # Claims of earlier polls (and of replicas that died) whose time has come.
        retried = await self._deliverer.deliver(await self._deliverer.taken_over(self._clock()))
        delivery.add(retried)
        if self._silent is not None:
            delivery.add(await self._silent.deliver(silent))

        if self._escalator is not None:
            delivery.escalated = await self._escalator.run(self._deliverer.sender)

        self.last_success = self._clock()
        await store.record_poll_success(self.last_success)
        return PollReport(
            leader=True,
            td_requests=self._td.request_count - requests_before,
            pages=feed.pages,
            finished=len(feed.finished),
            claimed=len(fresh),
            delivery=delivery,
        )

    def _lag(self) -> float:
        if self.last_success is None:
            return float("nan")
        return max(0.0, (self._clock() - self.last_success).total_seconds())

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.polls.labels(outcome).inc()
