"""The report cache: attempts read from TD's history, and how far each feed was read.

A finished attempt never changes and a new one (a retry included) gets a higher
id, so a feed (``/api/attempts`` of one project, or of one workflow) is read
from the newest attempt down to what the cache already holds; attempts still
unfinished when read are read again later. Times are kept as epoch seconds
(TD's times have no fractions): a report streams hundreds of thousands of rows,
and integers compare and load far faster than datetimes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
    and_,
    delete,
    false,
    or_,
    select,
    true,
    tuple_,
)

from bot.store.database import Repository
from bot.store.tables import ANY_WORKFLOW, UTCDateTime, metadata

_NAME = 255
_CHUNK = 5000  # rows per executemany
# What the retention prune keeps: the longest report (90 days) and the 90 days before it.
REPORT_HISTORY_KEPT = timedelta(days=181)

report_attempts = Table(
    "report_attempts",
    metadata,
    Column("attempt_id", BigInteger, primary_key=True, autoincrement=False),
    Column("session_id", BigInteger, nullable=False),
    Column("attempt_index", Integer, nullable=False),
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),
    Column("status", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
    # A report reads a scope's attempts workflow by workflow, session by session.
    Index(None, "project", "workflow", "session_id", "attempt_id"),
    Index(None, "created_at"),
)

report_feeds = Table(
    "report_feeds",
    metadata,
    Column("project", String(_NAME), nullable=False),
    Column("workflow", String(_NAME), nullable=False),  # "": every workflow of the project
    Column("top_id", BigInteger, nullable=False),  # the newest attempt read
    Column("bottom_id", BigInteger, nullable=False),  # the oldest attempt read
    Column("covered_since", BigInteger, nullable=False),  # all created since then are here
    Column("refreshed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("project", "workflow"),
)

Scope = tuple[str | None, str | None]
"""(project, workflow): (None, None) is every project, (p, None) every workflow of p."""


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """One attempt as the cache keeps it."""

    attempt_id: int
    session_id: int
    index: int  # 1 for a session's first attempt
    project: str
    workflow: str
    status: str  # TD's status as written
    created_at: int  # epoch seconds
    finished_at: int | None

    @property
    def done(self) -> bool:
        return self.status in ("success", "error", "killed")

    @property
    def failed(self) -> bool:
        return self.status in ("error", "killed")


@dataclass(frozen=True)
class FeedState:
    project: str
    workflow: str | None  # None: the whole project
    top_id: int
    bottom_id: int
    covered_since: datetime  # every attempt created at or after it is cached
    refreshed_at: datetime


def epoch(when: datetime) -> int:
    return int(when.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class ReportCache(Repository):
    async def feed(self, project: str, workflow: str | None) -> FeedState | None:
        f = report_feeds
        rows = await self._db.rows(
            select(f).where(f.c.project == project, f.c.workflow == (workflow or ANY_WORKFLOW))
        )
        if not rows:
            return None
        r = rows[0]
        return FeedState(
            r.project,
            r.workflow or None,
            r.top_id,
            r.bottom_id,
            from_epoch(r.covered_since),
            r.refreshed_at,
        )

    async def save(
        self, attempts: Sequence[AttemptRow], feed: FeedState, *, gone: Sequence[int] = ()
    ) -> None:
        """Keep ``attempts`` (newer reads replace older ones) and where ``feed`` now stands;
        drop the attempts ``gone`` from TD."""
        t, f = report_attempts, report_feeds
        insert = self._db.insert(t)
        # One statement run over many rows (executemany): compiling a VALUES list with
        # a bound parameter per cell costs more than the insert itself.
        upsert = insert.on_conflict_do_update(
            index_elements=[t.c.attempt_id],
            set_={"status": insert.excluded.status, "finished_at": insert.excluded.finished_at},
        )
        async with self._db.transaction() as conn:
            if gone:
                await conn.execute(delete(t).where(t.c.attempt_id.in_(gone)))
            for at in range(0, len(attempts), _CHUNK):
                await conn.execute(upsert, [_values(a) for a in attempts[at : at + _CHUNK]])
            state = {
                "top_id": feed.top_id,
                "bottom_id": feed.bottom_id,
                "covered_since": epoch(feed.covered_since),
                "refreshed_at": self._db.at(feed.refreshed_at),
            }
            insert = self._db.insert(f).values(
                project=feed.project, workflow=feed.workflow or ANY_WORKFLOW, **state
            )
            await conn.execute(
                insert.on_conflict_do_update(index_elements=[f.c.project, f.c.workflow], set_=state)
            )

    async def unfinished(self, project: str, workflow: str | None) -> list[tuple[int, int]]:
        """(id, created, epoch seconds) of the feed's attempts unfinished when read."""
        t = report_attempts
        statement = select(t.c.attempt_id, t.c.created_at).where(
            t.c.project == project,
            t.c.status.not_in(("success", "error", "killed")),
            true() if workflow is None else t.c.workflow == workflow,
        )
        return [(r.attempt_id, r.created_at) for r in await self._db.rows(statement)]

    async def stream(
        self, scopes: Sequence[Scope], since: datetime, *, chunk: int = 2000
    ) -> AsyncIterator[list[AttemptRow]]:
        """The scopes' attempts created since ``since``, in (project, workflow, session,
        id) order, ``chunk`` rows at a time (a report never holds them all). Each chunk is
        its own short read (keyset paging): on SQLite a transaction holds the write lock,
        which the alert poller must not wait seconds for. Turning a chunk's rows into
        objects holds the event loop, and an ack arriving meanwhile waits: about 30 ms
        for 5,000 rows, 13 ms for 2,000 (15% more time in all), 7 ms for 1,000 (45%
        more): ``bench/report_stall.py``."""
        t = report_attempts
        order = (t.c.project, t.c.workflow, t.c.session_id, t.c.attempt_id)
        base = select(t).where(t.c.created_at >= epoch(since), _in_scopes(scopes))
        after: tuple[str, str, int, int] | None = None
        while True:
            statement = base if after is None else base.where(tuple_(*order) > tuple_(*after))
            rows = await self._db.rows(statement.order_by(*order).limit(chunk))
            if not rows:
                return
            found = [_row(r) for r in rows]
            yield found
            last = found[-1]
            after = (last.project, last.workflow, last.session_id, last.attempt_id)
            if len(rows) < chunk:
                return

    async def of_workflow(self, project: str, workflow: str, since: datetime) -> list[AttemptRow]:
        t = report_attempts
        statement = (
            select(t)
            .where(t.c.project == project, t.c.workflow == workflow)
            .where(t.c.created_at >= epoch(since))
            .order_by(t.c.session_id, t.c.attempt_id)
        )
        return [_row(r) for r in await self._db.rows(statement)]


def _in_scopes(scopes: Sequence[Scope]) -> ColumnElement[bool]:
    t = report_attempts
    if any(project is None for project, _ in scopes):
        return true()
    if not scopes:
        return false()
    return or_(
        *(
            t.c.project == project
            if workflow is None
            else and_(t.c.project == project, t.c.workflow == workflow)
            for project, workflow in scopes
        )
    )


def _values(a: AttemptRow) -> dict[str, Any]:
    return {
        "attempt_id": a.attempt_id,
        "session_id": a.session_id,
        "attempt_index": a.index,
        "project": a.project,
        "workflow": a.workflow,
        "status": a.status,
        "created_at": a.created_at,
        "finished_at": a.finished_at,
    }


def _row(r: Row[Any]) -> AttemptRow:
    return AttemptRow(
        r.attempt_id,
        r.session_id,
        r.attempt_index,
        r.project,
        r.workflow,
        r.status,
        r.created_at,
        r.finished_at,
    )
