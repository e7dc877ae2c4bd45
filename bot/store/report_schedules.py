"""Scheduled reports: which channel gets one (daily or weekly), and each post, once.

A post is one row per (channel, slot), the slot naming the cadence and the
scheduled local date (``weekly:2024-06-03``). Every replica's cron job plans the
slot's rows (the first insert wins); posting one is claimed first (one winner;
a claim older than the lease is taken again, its holder may have died, after a
look for its post by mark) and recorded once posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    or_,
    select,
    update,
)

from bot.store.database import Repository
from bot.store.tables import UTCDateTime, metadata

_ID = 64
CADENCES = ("daily", "weekly")

report_schedules = Table(
    "report_schedules",
    metadata,
    Column("channel_id", String(_ID), primary_key=True),
    Column("cadence", String(16), nullable=False),
    Column("set_by", String(_ID), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    CheckConstraint("cadence IN ('daily', 'weekly')", name="cadence"),
)

report_posts = Table(
    "report_posts",
    metadata,
    Column("channel_id", String(_ID), nullable=False),
    Column("slot", String(32), nullable=False),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("tries", Integer, nullable=False),
    Column("posted_at", UTCDateTime, nullable=True),
    Column("message_ts", String(_ID), nullable=True),
    PrimaryKeyConstraint("channel_id", "slot"),
    Index(None, "posted_at", "planned_at"),
)


@dataclass(frozen=True)
class ReportSchedule:
    channel_id: str
    cadence: str  # daily | weekly
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class PostClaim:
    channel_id: str
    slot: str
    tries: int  # > 1: taken over from a holder that may have posted it

    @property
    def maybe_posted(self) -> bool:
        return self.tries > 1


class ReportSchedules(Repository):
    async def set(
        self, channel_id: str, cadence: str | None, *, set_by: str, now: datetime | None = None
    ) -> bool:
        """Schedule (``daily``/``weekly``) or stop (None); whether anything changed."""
        t = report_schedules
        if cadence is None:
            return await self._db.delete(t, t.c.channel_id == channel_id)
        if cadence not in CADENCES:
            raise ValueError(f"cadence must be one of {CADENCES}, got {cadence!r}")
        values = {"cadence": cadence, "set_by": set_by, "set_at": self._db.at(now)}
        insert = self._db.insert(t).values(channel_id=channel_id, **values)
        statement = insert.on_conflict_do_update(
            index_elements=[t.c.channel_id],
            set_=values,
            where=t.c.cadence != cadence,
        ).returning(t.c.channel_id)
        return bool(await self._db.rows(statement))

    async def of(self, channel_id: str) -> ReportSchedule | None:
        t = report_schedules
        rows = await self._db.rows(select(t).where(t.c.channel_id == channel_id))
        if not rows:
            return None
        r = rows[0]
        return ReportSchedule(r.channel_id, r.cadence, r.set_by, r.set_at)

    async def plan(
        self, cadence: str, slot: str, *, scheduled_by: datetime, now: datetime | None = None
    ) -> int:
        """A post of ``slot`` for every channel scheduled at ``cadence`` by ``scheduled_by``;
        how many were new (another replica may have planned them first)."""
        at = self._db.at(now)
        s, p = report_schedules, report_posts
        channels = await self._db.rows(
            select(s.c.channel_id).where(
                s.c.cadence == cadence, s.c.set_at <= self._db.at(scheduled_by)
            )
        )
        if not channels:
            return 0
        rows = [
            {"channel_id": c.channel_id, "slot": slot, "planned_at": at, "tries": 0}
            for c in channels
        ]
        insert = self._db.insert(p).values(rows)
        statement = insert.on_conflict_do_nothing(index_elements=[p.c.channel_id, p.c.slot])
        return len(await self._db.rows(statement.returning(p.c.channel_id)))

    async def unposted(self, since: datetime) -> list[tuple[str, str]]:
        """(channel, slot) of the posts planned since ``since`` and not posted yet."""
        p = report_posts
        statement = (
            select(p.c.channel_id, p.c.slot)
            .where(p.c.posted_at.is_(None), p.c.planned_at >= self._db.at(since))
            .order_by(p.c.planned_at, p.c.channel_id)
        )
        return [(r.channel_id, r.slot) for r in await self._db.rows(statement)]

    async def claim(
        self, channel_id: str, slot: str, *, lease: timedelta, now: datetime | None = None
    ) -> PostClaim | None:
        """The post is ours to make; None when it is posted or another holder has it."""
        at = self._db.at(now)
        p = report_posts
        statement = (
            update(p)
            .where(
                p.c.channel_id == channel_id,
                p.c.slot == slot,
                p.c.posted_at.is_(None),
                or_(p.c.claimed_at.is_(None), p.c.claimed_at <= at - lease),
            )
            .values(claimed_at=at, tries=p.c.tries + 1)
            .returning(p.c.tries)
        )
        taken = await self._db.rows(statement)
        return PostClaim(channel_id, slot, taken[0].tries) if taken else None

    async def posted(
        self, claim: PostClaim, message_ts: str | None, *, now: datetime | None = None
    ) -> None:
        p = report_posts
        await self._db.execute(
            update(p)
            .where(p.c.channel_id == claim.channel_id, p.c.slot == claim.slot)
            .values(posted_at=self._db.at(now), message_ts=message_ts)
        )

    async def posts(self, channel_ids: Sequence[str]) -> list[tuple[str, str, str | None]]:
        """(channel, slot, message ts) of the posts made to these channels (tests, the demo)."""
        p = report_posts
        statement = (
            select(p.c.channel_id, p.c.slot, p.c.message_ts)
            .where(p.c.channel_id.in_(channel_ids), p.c.posted_at.is_not(None))
            .order_by(p.c.planned_at)
        )
        return [(r.channel_id, r.slot, r.message_ts) for r in await self._db.rows(statement)]
