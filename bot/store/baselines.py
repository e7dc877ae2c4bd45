"""How long each workflow's recent successful runs took: what a running attempt is
compared with when its scope sets no ``sla runtime``.

Filled from the attempts the alert poll already sees finish (no TD request of
its own), and once per workflow from TD's history when a subscription is new
(``seed``, marked in ``baseline_seeds`` so no replica or restart reads it again);
only the newest ``KEEP`` runs of a workflow are kept. The tables live here with
their repository (migrations ``0006_slas_baselines``, ``0010_baseline_seeds``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Index, Integer, String, Table, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.database import Repository
from bot.store.tables import UTCDateTime, metadata

KEEP = 20
"""Good runs kept per workflow."""

_ID = 64
_NAME = 255

good_runs_table = Table(
    "good_runs",
    metadata,
    Column("attempt_id", String(_ID), primary_key=True),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("seconds", Integer, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Index(None, "project", "workflow", "finished_at"),
)

baseline_seeds_table = Table(
    "baseline_seeds",
    metadata,
    Column("project", String(_NAME), primary_key=True),
    Column("workflow", String(_NAME), primary_key=True),
    Column("good_runs", Integer, nullable=False),  # how many TD's history gave
    Column("seeded_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class GoodRun:
    """A successful attempt and how long it ran (createdAt to finishedAt)."""

    attempt_id: str
    project: str
    workflow: str
    took: timedelta
    finished_at: datetime


class Baselines(Repository):
    async def record_good_runs(self, runs: Sequence[GoodRun]) -> None:
        """Remember these runs (again: no change), keeping each workflow's newest ``KEEP``."""
        if not runs:
            return
        async with self._db.transaction() as conn:
            await self._keep(conn, runs)

    async def seed(
        self, project: str, workflow: str, runs: Sequence[GoodRun], *, now: datetime | None = None
    ) -> bool:
        """Record the good runs read from TD's history and mark the workflow seeded, in
        one transaction; False when it was marked already (the runs change nothing then)."""
        s = baseline_seeds_table
        async with self._db.transaction() as conn:
            marked = await conn.execute(
                self._db.insert(s)
                .values(
                    project=project,
                    workflow=workflow,
                    good_runs=len(runs),
                    seeded_at=self._db.at(now),
                )
                .on_conflict_do_nothing(index_elements=[s.c.project, s.c.workflow])
                .returning(s.c.project)
            )
            if marked.first() is None:
                return False
            await self._keep(conn, runs)
        return True

    async def seeded(self) -> set[tuple[str, str]]:
        """Every (project, workflow) already seeded from TD's history."""
        s = baseline_seeds_table
        return {
            (r.project, r.workflow) for r in await self._db.rows(select(s.c.project, s.c.workflow))
        }

    async def counts(self) -> dict[tuple[str, str], int]:
        """How many good runs are kept of each (project, workflow) that has any."""
        t = good_runs_table
        statement = select(t.c.project, t.c.workflow, func.count().label("runs")).group_by(
            t.c.project, t.c.workflow
        )
        return {(r.project, r.workflow): r.runs for r in await self._db.rows(statement)}

    async def _keep(self, conn: AsyncConnection, runs: Sequence[GoodRun]) -> None:
        if not runs:
            return
        t = good_runs_table
        rows = [
            {
                "attempt_id": r.attempt_id,
                "project": r.project,
                "workflow": r.workflow,
                "seconds": max(0, round(r.took.total_seconds())),
                "finished_at": self._db.at(r.finished_at),
            }
            for r in runs
        ]
        await conn.execute(
            self._db.insert(t).values(rows).on_conflict_do_nothing(index_elements=[t.c.attempt_id])
        )
        for project, workflow in sorted({(r.project, r.workflow) for r in runs}):
            scope = and_(t.c.project == project, t.c.workflow == workflow)
            newest = (
                select(t.c.attempt_id)
                .where(scope)
                .order_by(t.c.finished_at.desc(), t.c.attempt_id.desc())
                .limit(KEEP)
            )
            await conn.execute(delete(t).where(scope, t.c.attempt_id.not_in(newest)))

    async def learned_workflows(self, project: str | None = None) -> list[tuple[str, str]]:
        """The (project, workflow) pairs with good runs kept (of ``project``; None: all)."""
        t = good_runs_table
        statement = select(t.c.project, t.c.workflow).distinct()
        if project is not None:
            statement = statement.where(t.c.project == project)
        rows = await self._db.rows(statement.order_by(t.c.project, t.c.workflow))
        return [(r.project, r.workflow) for r in rows]

    async def runs_of(
        self, workflows: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[timedelta]]:
        """The kept run times of each (project, workflow), newest first (absent: none yet)."""
        keys = sorted(set(workflows))
        if not keys:
            return {}
        t = good_runs_table
        statement = (
            select(t.c.project, t.c.workflow, t.c.seconds)
            .where(or_(*(and_(t.c.project == p, t.c.workflow == w) for p, w in keys)))
            .order_by(t.c.finished_at.desc(), t.c.attempt_id.desc())
        )
        found: dict[tuple[str, str], list[timedelta]] = defaultdict(list)
        for row in await self._db.rows(statement):
            found[(row.project, row.workflow)].append(timedelta(seconds=row.seconds))
        return dict(found)
