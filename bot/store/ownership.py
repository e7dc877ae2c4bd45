"""Who owns a scope's alerts, and who is on an alert: owners and I'm on it.

Owners belong to the scope (a project, or one workflow of it), not to a
channel: every channel subscribed to the scope mentions them. An alert's "on
it" holder belongs to its thread (channel and session), the unit the alert
buttons act on. The tables live here, with their repository, so this aggregate
is one module and one migration (``0003_ownership``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, PrimaryKeyConstraint, Row, String, Table, Text, or_, select

from bot.store.database import Database, Repository
from bot.store.tables import ANY_WORKFLOW, UTCDateTime, metadata

_ID = 64
_NAME = 255

scope_owners = Table(
    "scope_owners",
    metadata,
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("owners", Text, nullable=False),  # Slack ids, space-separated, in the order given
    Column("set_by", String(_ID), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("project", "workflow"),
)

on_it = Table(
    "alert_on_it",
    metadata,
    Column("channel_id", String(_ID), nullable=False),
    Column("session_id", String(_ID), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("channel_id", "session_id"),
)


@dataclass(frozen=True)
class ScopeOwners:
    project: str
    workflow: str | None  # None: every workflow of the project
    owners: tuple[str, ...]  # Slack user (U…/W…) and user group (S…) ids
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class OnItHolder:
    channel_id: str
    session_id: str
    user_id: str
    since: datetime


class Ownership(Repository):
    """Scope owners and the holders of alerts."""

    async def set_owners(
        self,
        project: str,
        workflow: str | None,
        owners: Sequence[str],
        *,
        set_by: str,
        now: datetime | None = None,
    ) -> bool:
        """Replace the scope's owners (none: remove them); False when it had none to remove."""
        values = {"owners": " ".join(owners)} if owners else None
        return await set_scoped(self._db, scope_owners, project, workflow, values, set_by, now)

    async def all_owners(self) -> list[ScopeOwners]:
        t = scope_owners
        rows = await self._db.rows(select(t).order_by(t.c.project, t.c.workflow))
        return [_owners(row) for row in rows]

    async def owners_for(self, project: str, workflow: str) -> tuple[str, ...]:
        """Who an alert of ``project/workflow`` mentions: the workflow's, then the project's."""
        t = scope_owners
        statement = select(t).where(
            t.c.project == project, or_(t.c.workflow == workflow, t.c.workflow == ANY_WORKFLOW)
        )
        return owners_covering(map(_owners, await self._db.rows(statement)), project, workflow)

    async def take(
        self, channel_id: str, session_id: str, user_id: str, *, now: datetime | None = None
    ) -> OnItHolder:
        """``user_id`` is on the alert from now (taking it over from anyone who was)."""
        since = self._db.at(now)
        values = {"user_id": user_id, "since": since}
        t = on_it
        statement = (
            self._db.insert(t)
            .values(channel_id=channel_id, session_id=session_id, **values)
            .on_conflict_do_update(index_elements=[t.c.channel_id, t.c.session_id], set_=values)
        )
        await self._db.execute(statement)
        return OnItHolder(channel_id, session_id, user_id, since)

    async def release(self, channel_id: str, session_id: str) -> bool:
        t = on_it
        return await self._db.delete(t, t.c.channel_id == channel_id, t.c.session_id == session_id)

    async def on_it(self, channel_id: str, session_id: str) -> OnItHolder | None:
        t = on_it
        rows = await self._db.rows(
            select(t).where(t.c.channel_id == channel_id, t.c.session_id == session_id)
        )
        if not rows:
            return None
        row = rows[0]
        return OnItHolder(row.channel_id, row.session_id, row.user_id, row.since)


def owners_covering(scopes: Iterable[ScopeOwners], project: str, workflow: str) -> tuple[str, ...]:
    """``owners_for`` over owners already read (``all_owners``): the workflow's
    owners, then the project's, each once."""
    found = sorted(
        (o for o in scopes if o.project == project and o.workflow in (None, workflow)),
        key=lambda o: o.workflow is None,
    )
    return tuple(dict.fromkeys(owner for scope in found for owner in scope.owners))


def owners_of_scopes(scopes: Iterable[ScopeOwners], wanted: Iterable[tuple[str, str]]) -> list[str]:
    """Everyone a message about several ``(project, workflow)`` mentions (a digest), each
    once, in scope order."""
    known = list(scopes)
    found: dict[str, None] = {}
    for project, workflow in sorted(set(wanted)):
        found.update(dict.fromkeys(owners_covering(known, project, workflow)))
    return list(found)


def _owners(row: Row[Any]) -> ScopeOwners:
    return ScopeOwners(
        project=row.project,
        workflow=row.workflow or None,
        owners=tuple(row.owners.split()),
        set_by=row.set_by,
        set_at=row.set_at,
    )


async def set_scoped(
    db: Database,
    table: Table,
    project: str,
    workflow: str | None,
    values: dict[str, Any] | None,
    set_by: str,
    now: datetime | None,
) -> bool:
    """Set a scope's row of ``table`` (keyed by project and workflow), or remove it (None).

    False when there was nothing to remove.
    """
    key = workflow or ANY_WORKFLOW
    t = table
    if values is None:
        return await db.delete(t, t.c.project == project, t.c.workflow == key)
    values = {**values, "set_by": set_by, "set_at": db.at(now)}
    statement = (
        db.insert(t)
        .values(project=project, workflow=key, **values)
        .on_conflict_do_update(index_elements=[t.c.project, t.c.workflow], set_=values)
    )
    await db.execute(statement)
    return True
