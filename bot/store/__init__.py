"""The bot's durable state: subscriptions, mutes, exactly-once alert deliveries,
alert threads, the poll cursor, the action audit, the poller's leader lock,
and (for several replicas) Slack event ids and per-user rate limits.

SQLite (aiosqlite) by default, PostgreSQL (psycopg 3) for several replicas.
``await Store.open(url)`` migrates the schema to head before use.
"""

from bot.store.engine import async_url
from bot.store.ratelimits import RateLimits
from bot.store.seen import SeenEvents
from bot.store.store import DEFAULT_LEASE, Clock, Store, wall_clock
from bot.store.upkeep import Pruned, Upkeep
from bot.store.values import (
    ALL_PROJECTS,
    ActionKind,
    ActionRecord,
    ActionState,
    AlertKind,
    Claim,
    DeliveryState,
    Mute,
    Subscription,
    ThreadRef,
    WatchedAttempt,
)

__all__ = [
    "ALL_PROJECTS",
    "DEFAULT_LEASE",
    "ActionKind",
    "ActionRecord",
    "ActionState",
    "AlertKind",
    "Claim",
    "Clock",
    "DeliveryState",
    "Mute",
    "Pruned",
    "RateLimits",
    "SeenEvents",
    "Store",
    "Subscription",
    "ThreadRef",
    "Upkeep",
    "WatchedAttempt",
    "async_url",
    "wall_clock",
]
