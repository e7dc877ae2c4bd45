"""Subscriptions and mutes: which channels hear about which workflows, and when not."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, or_, select

from bot.store import tables
from bot.store.database import Repository, aware
from bot.store.tables import ANY_WORKFLOW
from bot.store.values import ALL_PROJECTS, Mute, Subscription


class Scopes(Repository):
    """The subscriptions and mutes of channels, each scoped to a project or workflow."""

    # ------------------------------------------------------------ subscriptions

    async def add_subscription(
        self,
        channel_id: str,
        project: str,
        workflow: str | None = None,
        *,
        created_by: str,
        threshold: int = 1,
        now: datetime | None = None,
    ) -> bool:
        """Subscribe; False when the channel already has this scope (left unchanged)."""
        if threshold < 1:
            raise ValueError(f"threshold must be at least 1, got {threshold}")
        project, workflow_key = _scope(project, workflow)
        t = tables.subscriptions
        statement = (
            self._db.insert(t)
            .values(
                channel_id=channel_id,
                project=project,
                workflow=workflow_key,
                threshold=threshold,
                created_by=created_by,
                created_at=self._db.at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.channel_id, t.c.project, t.c.workflow])
            .returning(t.c.id)
        )
        return bool(await self._db.rows(statement))

    async def remove_subscription(
        self, channel_id: str, project: str, workflow: str | None = None
    ) -> bool:
        return await self._remove(tables.subscriptions, channel_id, project, workflow)

    async def subscriptions(self, channel_id: str) -> list[Subscription]:
        t = tables.subscriptions
        statement = (
            select(t).where(t.c.channel_id == channel_id).order_by(t.c.project, t.c.workflow)
        )
        return [subscription(row) for row in await self._db.rows(statement)]

    async def channels_for(self, project: str, workflow: str) -> list[Subscription]:
        """The channels to alert for a run of ``project/workflow``.

        One subscription per channel: the most specific one that covers the
        workflow (workflow over project over ``*``), since its threshold rules.
        """
        _scope(project, workflow)
        t = tables.subscriptions
        rows = await self._db.rows(select(t).where(_covers(t, project, workflow)))
        return channels_covering(map(subscription, rows), project, workflow)

    async def all_subscriptions(self) -> list[Subscription]:
        """Every channel's subscriptions in one read (a poll's alerts look them up with
        ``channels_covering``; the schedule watcher's round reads them once too)."""
        t = tables.subscriptions
        statement = select(t).order_by(t.c.channel_id, t.c.project, t.c.workflow)
        return [subscription(row) for row in await self._db.rows(statement)]

    # -------------------------------------------------------------------- mutes

    async def set_mute(
        self,
        channel_id: str,
        project: str,
        workflow: str | None = None,
        *,
        until: datetime,
        created_by: str,
        now: datetime | None = None,
    ) -> Mute:
        """Mute a scope until ``until``; muting it again replaces the end time."""
        at = self._db.at(now)
        until = aware(until)
        if until <= at:
            raise ValueError("a mute must end in the future")
        project, workflow_key = _scope(project, workflow)
        t = tables.mutes
        values = {"until": until, "created_by": created_by, "created_at": at}
        statement = (
            self._db.insert(t)
            .values(channel_id=channel_id, project=project, workflow=workflow_key, **values)
            .on_conflict_do_update(
                index_elements=[t.c.channel_id, t.c.project, t.c.workflow], set_=values
            )
        )
        await self._db.execute(statement)
        return Mute(channel_id, project, workflow, until, created_by, at)

    async def remove_mute(self, channel_id: str, project: str, workflow: str | None = None) -> bool:
        return await self._remove(tables.mutes, channel_id, project, workflow)

    async def mutes(self, channel_id: str, now: datetime | None = None) -> list[Mute]:
        """The channel's mutes still in force at ``now``."""
        t = tables.mutes
        statement = (
            select(t)
            .where(t.c.channel_id == channel_id, t.c.until > self._db.at(now))
            .order_by(t.c.until, t.c.project, t.c.workflow)
        )
        return [_mute(row) for row in await self._db.rows(statement)]

    async def is_muted(
        self, channel_id: str, project: str, workflow: str, now: datetime | None = None
    ) -> bool:
        """Whether a mute in force at ``now`` covers ``project/workflow`` in the channel."""
        _scope(project, workflow)
        t = tables.mutes
        statement = select(t.c.id).where(
            t.c.channel_id == channel_id,
            t.c.until > self._db.at(now),
            _covers(t, project, workflow),
        )
        return bool(await self._db.rows(statement.limit(1)))

    async def _remove(self, t: Table, channel_id: str, project: str, workflow: str | None) -> bool:
        project, workflow_key = _scope(project, workflow)
        return await self._db.delete(
            t, t.c.channel_id == channel_id, t.c.project == project, t.c.workflow == workflow_key
        )


def _scope(project: str, workflow: str | None) -> tuple[str, str]:
    """Validate a (project, workflow) scope and give its stored form."""
    if not project:
        raise ValueError("project must not be empty")
    if workflow == ANY_WORKFLOW:
        raise ValueError("workflow must be None (every workflow) or a name")
    if project == ALL_PROJECTS and workflow is not None:
        raise ValueError(f"{ALL_PROJECTS!r} covers every workflow: give no workflow")
    return project, workflow or ANY_WORKFLOW


def _covers(t: Table, project: str, workflow: str) -> ColumnElement[bool]:
    """Rows of a scope table (subscriptions, mutes) that cover ``project/workflow``."""
    return or_(
        t.c.project == ALL_PROJECTS,
        and_(t.c.project == project, t.c.workflow.in_([ANY_WORKFLOW, workflow])),
    )


def channels_covering(
    subs: Iterable[Subscription], project: str, workflow: str
) -> list[Subscription]:
    """``channels_for`` over subscriptions already read: per channel, the most
    specific one that covers ``project/workflow``, by channel id."""
    best: dict[str, Subscription] = {}
    for sub in subs:
        if sub.project != ALL_PROJECTS and (
            sub.project != project or sub.workflow not in (None, workflow)
        ):
            continue
        held = best.get(sub.channel_id)
        if held is None or specificity(sub) > specificity(held):
            best[sub.channel_id] = sub
    return sorted(best.values(), key=lambda sub: sub.channel_id)


def specificity(sub: Subscription) -> int:
    """How narrow a subscription is: 0 every project, 1 a project, 2 one workflow."""
    if sub.project == ALL_PROJECTS:
        return 0
    return 1 if sub.workflow is None else 2


def subscription(r: Row[Any]) -> Subscription:
    return Subscription(
        r.channel_id, r.project, r.workflow or None, r.threshold, r.created_by, r.created_at
    )


def _mute(r: Row[Any]) -> Mute:
    return Mute(r.channel_id, r.project, r.workflow or None, r.until, r.created_by, r.created_at)
