"""Service levels per scope: how long a run may take (``runtime``) and by when after its
session time a scheduled session must have succeeded (``within``).

Like owners, limits belong to the scope (``*``, a project, or one workflow of it),
not to a channel. Each limit is looked up on its own: the workflow's, then the
project's, then ``*``'s, so ``sla sales runtime 2h`` and ``sla sales/daily within 3h``
both hold for ``sales/daily``. The table lives here with its repository
(migration ``0006_slas_baselines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, Row, String, Table, or_, select

from bot.store.database import Repository
from bot.store.ownership import set_scoped
from bot.store.tables import ANY_WORKFLOW, UTCDateTime, metadata
from bot.store.values import ALL_PROJECTS

_ID = 64
_NAME = 255

scope_slas = Table(
    "scope_slas",
    metadata,
    Column("project", String(_NAME), nullable=False),  # ALL_PROJECTS for `*`
    Column("workflow", String(_NAME), nullable=False),  # ANY_WORKFLOW: the whole project
    Column("runtime_seconds", Integer, nullable=True),
    Column("within_seconds", Integer, nullable=True),
    Column("set_by", String(_ID), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("project", "workflow"),
)


@dataclass(frozen=True)
class ScopeSla:
    """One scope's explicit limits, as set."""

    project: str  # ALL_PROJECTS for `*`
    workflow: str | None  # None: every workflow of the project
    runtime: timedelta | None
    within: timedelta | None
    set_by: str
    set_at: datetime

    @property
    def scope(self) -> str:
        if self.project == ALL_PROJECTS:
            return ALL_PROJECTS
        return self.project if self.workflow is None else f"{self.project}/{self.workflow}"


@dataclass(frozen=True)
class SlaLimits:
    """The limits in force for one workflow, each with the scope that set it."""

    runtime: timedelta | None = None
    runtime_scope: str | None = None
    within: timedelta | None = None
    within_scope: str | None = None


class Slas(Repository):
    """The explicit ``sla`` limits of every scope."""

    async def set_sla(
        self,
        project: str,
        workflow: str | None,
        *,
        runtime: timedelta | None = None,
        within: timedelta | None = None,
        set_by: str,
        now: datetime | None = None,
    ) -> None:
        """Set the given limit(s) of the scope; a limit not given keeps its value."""
        values: dict[str, Any] = {}
        if runtime is not None:
            values["runtime_seconds"] = _seconds(runtime)
        if within is not None:
            values["within_seconds"] = _seconds(within)
        if not values:
            raise ValueError("set_sla needs runtime or within")
        await set_scoped(self._db, scope_slas, project, workflow, values, set_by, now)

    async def clear_sla(self, project: str, workflow: str | None) -> bool:
        """Drop the scope's explicit limits; False when it had none."""
        return await set_scoped(self._db, scope_slas, project, workflow, None, "", None)

    async def all_slas(self) -> list[ScopeSla]:
        t = scope_slas
        rows = await self._db.rows(select(t).order_by(t.c.project, t.c.workflow))
        return [_sla(row) for row in rows]

    async def sla_for(self, project: str, workflow: str) -> SlaLimits:
        """The limits in force for ``project/workflow``, each from its narrowest scope."""
        t = scope_slas
        statement = select(t).where(
            or_(
                (t.c.project == project) & t.c.workflow.in_((workflow, ANY_WORKFLOW)),
                (t.c.project == ALL_PROJECTS) & (t.c.workflow == ANY_WORKFLOW),
            )
        )
        return limits_of([_sla(row) for row in await self._db.rows(statement)], project, workflow)


def limits_of(slas: list[ScopeSla], project: str, workflow: str | None) -> SlaLimits:
    """The limits in force for ``project/workflow`` among ``slas`` (any scopes);
    ``workflow`` None: for the project as a whole."""
    # Narrowest first: the workflow's, the project's, then `*`'s.
    ranked = sorted(
        (
            s
            for s in slas
            if (s.project == project and s.workflow in (workflow, None))
            or (s.project == ALL_PROJECTS and s.workflow is None)
        ),
        key=lambda s: (s.project == ALL_PROJECTS, s.workflow is None),
    )
    runtime = next((s for s in ranked if s.runtime is not None), None)
    within = next((s for s in ranked if s.within is not None), None)
    return SlaLimits(
        runtime=runtime.runtime if runtime else None,
        runtime_scope=runtime.scope if runtime else None,
        within=within.within if within else None,
        within_scope=within.scope if within else None,
    )


def _seconds(value: timedelta) -> int:
    seconds = int(value.total_seconds())
    if seconds <= 0:
        raise ValueError("a limit must be positive")
    return seconds


def _sla(row: Row[Any]) -> ScopeSla:
    return ScopeSla(
        project=row.project,
        workflow=row.workflow or None,
        runtime=None if row.runtime_seconds is None else timedelta(seconds=row.runtime_seconds),
        within=None if row.within_seconds is None else timedelta(seconds=row.within_seconds),
        set_by=row.set_by,
        set_at=row.set_at,
    )
