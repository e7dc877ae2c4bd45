"""The schema. Every change here needs a migration in migrations/versions/.

``tests/store/test_migrations.py`` compares these tables with the migrated
database, so a change without a migration fails the suite.

Scope columns (``workflow`` of subscriptions and mutes) use ``""`` for "every
workflow" rather than NULL: both SQLite and PostgreSQL treat NULLs as distinct
in a unique constraint, which would let the same scope be stored twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from bot.store.values import ActionKind, ActionState, AlertKind, DeliveryState

ANY_WORKFLOW = ""

# Slack ids are ~11 characters and message ts values ~17; TD ids are decimal.
_ID = 64
_NAME = 255


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend.

    SQLite has no time zone type and hands back naive values; storing UTC
    and re-attaching it keeps comparisons (``until > now``) correct there too.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store needs timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _one_of(column: str, values: type[AlertKind | DeliveryState | ActionKind | ActionState]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(_ID), nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("created_by", String(_ID), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel_id", "project", "workflow"),
    CheckConstraint("threshold >= 1", name="threshold_positive"),
    Index(None, "project", "workflow"),
)

mutes = Table(
    "mutes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(_ID), nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("until", UTCDateTime, nullable=False),
    Column("created_by", String(_ID), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel_id", "project", "workflow"),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(_ID), nullable=False),
    Column("attempt_id", String(_ID), nullable=False),
    Column("session_id", String(_ID), nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("message_ts", String(_ID), nullable=True),
    Column("thread_ts", String(_ID), nullable=True),
    Column("tries", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("next_try_at", UTCDateTime, nullable=True),
    # Silent kinds: the finding or resolution as JSON, so a takeover words it the same.
    Column("payload", Text, nullable=True),
    UniqueConstraint("channel_id", "attempt_id"),
    CheckConstraint(_one_of("kind", AlertKind), name="kind"),
    CheckConstraint(_one_of("state", DeliveryState), name="state"),
    # pending_deliveries: undelivered rows by state, then by time.
    Index(None, "state", "claimed_at"),
    # The board and escalation join a thread's deliveries by its channel and session.
    Index(None, "channel_id", "session_id"),
)

threads = Table(
    "threads",
    metadata,
    Column("channel_id", String(_ID), nullable=False),
    Column("session_id", String(_ID), nullable=False),
    Column("parent_ts", String(_ID), nullable=False),
    Column("status", String(32), nullable=False),
    Column("attempt_id", String(_ID), nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The session's time as TD gave it (ISO 8601 with the workflow's offset: the run as
    # people name it), and the end of its first failed attempt. NULL in rows recorded
    # before 0009, in threads of no session, and (failed_at) while nothing has failed.
    Column("session_time", String(40), nullable=True),
    Column("failed_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("channel_id", "session_id"),
    # An @-mention in a thread names the thread by its parent ts.
    Index(None, "channel_id", "parent_ts"),
)

poll_state = Table(
    "poll_state",
    metadata,
    Column("key", String(_NAME), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

watched_attempts = Table(
    "watched_attempts",
    metadata,
    Column("attempt_id", String(_ID), primary_key=True),
    Column("session_id", String(_ID), nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=True),  # the attempt's createdAt
)

actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_key", String(_NAME), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("action", String(16), nullable=False),
    Column("target_id", String(_ID), nullable=False),
    Column("channel_id", String(_ID), nullable=True),
    Column("thread_ts", String(_ID), nullable=True),
    Column("state", String(16), nullable=False),
    Column("outcome", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    UniqueConstraint("action_key"),
    CheckConstraint(_one_of("action", ActionKind), name="action"),
    CheckConstraint(_one_of("state", ActionState), name="state"),
    Index(None, "target_id"),
    Index(None, "user_id", "created_at"),
    # The retention prune deletes by age alone.
    Index(None, "created_at"),
)

# Slack events already taken by a replica: the first insert of an event id wins.
slack_events = Table(
    "slack_events",
    metadata,
    Column("event_key", String(_NAME), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Index(None, "seen_at"),
)

# One row per rate-limited user: the GCRA "theoretical arrival time" of their
# next command (bot/store/ratelimits.py). A row whose time has passed is a full bucket.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket_key", String(_NAME), primary_key=True),
    Column("ready_at", UTCDateTime, nullable=False),
    Index(None, "ready_at"),
)

# An attempt started from Slack (a retry, a backfill) whose end is posted in the thread
# it was started from, once (bot/store/watches.py). `thread_ts` "" is the channel itself.
outcome_watches = Table(
    "outcome_watches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempt_id", String(_ID), nullable=False),
    Column("channel_id", String(_ID), nullable=False),
    Column("thread_ts", String(_ID), nullable=False),
    Column("started_by", String(_ID), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("posted_at", UTCDateTime, nullable=True),
    UniqueConstraint("attempt_id", "channel_id", "thread_ts"),
    Index(None, "posted_at", "created_at"),
)

# Slash commands acked but not yet answered (bot/store/commands.py): a replica that
# dies between the ack and the answer leaves its row for another replica to answer.
pending_commands = Table(
    "pending_commands",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("response_url", String(2000), nullable=False),
    Column("text", String(4000), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("channel_id", String(_ID), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("taken_at", UTCDateTime, nullable=False),  # the answering replica's lease start
    Column("tries", Integer, nullable=False),
    Index(None, "taken_at"),
)
