"""The bot's durable state: subscriptions, mutes, exactly-once alert deliveries,
alert threads, the poll cursor, the action audit, the poller's leader lock,
and (for several replicas) Slack event ids and per-user rate limits.

SQLite (aiosqlite) by default, PostgreSQL (psycopg 3) for several replicas.
``await Store.open(url)`` migrates the schema to head before use. ``Store`` is the
façade over one repository per aggregate (``Scopes``, ``Deliveries``, ``Audit``,
``PollState``), each also usable on its own over a ``Database``.
"""

from bot.store.audit import Audit
from bot.store.baselines import Baselines, GoodRun
from bot.store.board import Board, OpenAlert, OpenAlerts
from bot.store.commands import PendingCommand, PendingCommands
from bot.store.database import Clock, Database, wall_clock
from bot.store.deliveries import DEFAULT_LEASE, Deliveries
from bot.store.engine import async_url
from bot.store.escalations import PAGERDUTY, Due, EscalationClaim, EscalationRule, Escalations
from bot.store.ownership import (
    OnItHolder,
    Ownership,
    ScopeOwners,
    owners_covering,
    owners_of_scopes,
)
from bot.store.poll_state import PollState
from bot.store.ratelimits import RateLimits
from bot.store.schedule_states import ScheduleState, ScheduleStates, Slot
from bot.store.scopes import Scopes, channels_covering, specificity
from bot.store.seen import SeenEvents
from bot.store.slas import ScopeSla, SlaLimits, Slas
from bot.store.store import Store
from bot.store.upkeep import Pruned, Upkeep
from bot.store.values import (
    ALL_PROJECTS,
    FAILURE_KINDS,
    SILENT_KINDS,
    ActionKind,
    ActionRecord,
    ActionState,
    AlertKind,
    Claim,
    DeliveryState,
    Mute,
    OutcomeWatch,
    Subscription,
    ThreadRef,
    WatchedAttempt,
)
from bot.store.watches import OutcomeWatches

__all__ = [
    "ALL_PROJECTS",
    "DEFAULT_LEASE",
    "FAILURE_KINDS",
    "PAGERDUTY",
    "SILENT_KINDS",
    "ActionKind",
    "ActionRecord",
    "ActionState",
    "AlertKind",
    "Audit",
    "Baselines",
    "Board",
    "Claim",
    "Clock",
    "Database",
    "Deliveries",
    "DeliveryState",
    "Due",
    "EscalationClaim",
    "EscalationRule",
    "Escalations",
    "GoodRun",
    "Mute",
    "OnItHolder",
    "OpenAlert",
    "OpenAlerts",
    "OutcomeWatch",
    "OutcomeWatches",
    "Ownership",
    "PendingCommand",
    "PendingCommands",
    "PollState",
    "Pruned",
    "RateLimits",
    "ScheduleState",
    "ScheduleStates",
    "ScopeOwners",
    "ScopeSla",
    "Scopes",
    "SeenEvents",
    "SlaLimits",
    "Slas",
    "Slot",
    "Store",
    "Subscription",
    "ThreadRef",
    "Upkeep",
    "WatchedAttempt",
    "async_url",
    "channels_covering",
    "owners_covering",
    "owners_of_scopes",
    "specificity",
    "wall_clock",
]
