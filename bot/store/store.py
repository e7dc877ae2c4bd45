"""The store: one object over every repository of the bot's durable state.

Each aggregate has its own repository over one shared ``Database``;
``Store`` owns the engine and exposes each repository as an attribute
(``store.deliveries``) and its methods directly (``store.claim_alert``), so
callers need not know which repository holds what. A new aggregate is a new
module, one repository attribute here, and one line per method it exposes.
"""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.audit import Audit
from bot.store.baselines import Baselines
from bot.store.board import Board
from bot.store.commands import PendingCommands
from bot.store.database import Clock, Database, open_engine, wall_clock
from bot.store.deliveries import DEFAULT_LEASE, Deliveries
from bot.store.escalations import Escalations
from bot.store.ownership import Ownership
from bot.store.poll_state import PollState
from bot.store.ratelimits import RateLimits
from bot.store.report_cache import ReportCache
from bot.store.report_schedules import ReportSchedules
from bot.store.schedule_states import ScheduleStates
from bot.store.scopes import Scopes
from bot.store.seen import SeenEvents
from bot.store.slas import Slas
from bot.store.upkeep import Upkeep
from bot.store.watches import OutcomeWatches


class Store:
    """Open with ``await Store.open(url)``, which brings the schema to head first."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        lease: timedelta = DEFAULT_LEASE,
        clock: Clock = wall_clock,
        serialize: bool = False,
    ) -> None:
        self.database = Database(engine, clock=clock, serialize=serialize)
        self.scopes = Scopes(self.database)
        self.deliveries = Deliveries(self.database, lease=lease)
        self.audit = Audit(self.database)
        self.poll_state = PollState(self.database)
        self.seen_events = SeenEvents(self.database)
        self.pending_commands = PendingCommands(self.database)
        self.rate_limits = RateLimits(self.database)
        self.upkeep = Upkeep(self.database)
        self.ownership = Ownership(self.database)
        self.escalations = Escalations(self.database, lease=lease)
        self.watches = OutcomeWatches(self.database)
        self.board = Board(self.database)
        self.report_cache = ReportCache(self.database)
        self.report_schedules = ReportSchedules(self.database)
        self.slas = Slas(self.database)
        self.baselines = Baselines(self.database)
        self.schedule_states = ScheduleStates(self.database)

        # Bound methods rather than wrappers: each keeps its repository's
        # signature and docstring, with no second copy to drift.
        self.add_subscription = self.scopes.add_subscription
        self.remove_subscription = self.scopes.remove_subscription
        self.subscriptions = self.scopes.subscriptions
        self.channels_for = self.scopes.channels_for
        self.all_subscriptions = self.scopes.all_subscriptions
        self.set_mute = self.scopes.set_mute
        self.remove_mute = self.scopes.remove_mute
        self.mutes = self.scopes.mutes
        self.is_muted = self.scopes.is_muted

        self.claim_alert = self.deliveries.claim_alert
        self.mark_delivered = self.deliveries.mark_delivered
        self.mark_failed = self.deliveries.mark_failed
        self.pending_deliveries = self.deliveries.pending_deliveries
        self.claim_of = self.deliveries.claim_of
        self.get_thread = self.deliveries.get_thread
        self.thread_by_ts = self.deliveries.thread_by_ts
        self.set_thread = self.deliveries.set_thread

        self.claim_action = self.audit.claim_action
        self.finish_action = self.audit.finish_action
        self.actions = self.audit.actions

        self.get_cursor = self.poll_state.get_cursor
        self.set_cursor = self.poll_state.set_cursor
        self.record_poll_success = self.poll_state.record_poll_success
        self.last_poll_success = self.poll_state.last_poll_success
        self.watch_attempt = self.poll_state.watch_attempt
        self.unwatch_attempt = self.poll_state.unwatch_attempt
        self.watched_attempts = self.poll_state.watched_attempts
        self.leader_lock = self.poll_state.leader_lock

        self.set_owners = self.ownership.set_owners
        self.all_owners = self.ownership.all_owners
        self.owners_for = self.ownership.owners_for
        self.take_alert = self.ownership.take
        self.release_alert = self.ownership.release
        self.on_it = self.ownership.on_it

        self.set_escalation = self.escalations.set_rule
        self.escalation_rules = self.escalations.rules
        self.due_escalations = self.escalations.due
        self.claim_escalation = self.escalations.claim
        self.mark_escalated = self.escalations.mark_sent
        self.escalated_to = self.escalations.sent_to
        self.add_watch = self.watches.add
        self.open_watches = self.watches.open
        self.claim_watch = self.watches.claim
        self.watch_posted = self.watches.posted
        self.open_alerts = self.board.open_alerts
        self.subscriptions_in = self.board.subscriptions_in

        self.set_report_schedule = self.report_schedules.set
        self.report_schedule = self.report_schedules.of

        self.set_sla = self.slas.set_sla
        self.clear_sla = self.slas.clear_sla
        self.sla_for = self.slas.sla_for
        self.all_slas = self.slas.all_slas
        self.record_good_runs = self.baselines.record_good_runs
        self.good_runs_of = self.baselines.runs_of
        self.learned_workflows = self.baselines.learned_workflows
        self.seed_baseline = self.baselines.seed
        self.seeded_baselines = self.baselines.seeded
        self.good_run_counts = self.baselines.counts

    @classmethod
    async def open(
        cls, url: str, *, lease: timedelta = DEFAULT_LEASE, clock: Clock = wall_clock
    ) -> Store:
        engine, serialize = await open_engine(url)
        return cls(engine, lease=lease, clock=clock, serialize=serialize)

    async def close(self) -> None:
        await self.database.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
