"""Slash commands between their ack and their answer, so no replica's death loses one.

Slack sends a slash command once; tdbot acks it at once and answers through its
``response_url`` (valid for 30 minutes) when TD has replied. A replica killed in
between would take the answer with it, so each command is recorded before the
ack and deleted once answered; a row whose lease ran out belongs to a replica
that died, and another replica takes it (one winner: the lease moves in the
same UPDATE that checks it) and answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update

from bot.store import tables
from bot.store.batch import GroupCommit
from bot.store.database import Database, Repository

ANSWER_WITHIN = timedelta(minutes=30)  # Slack's life of a response_url


@dataclass(frozen=True)
class PendingCommand:
    id: int
    response_url: str
    text: str
    user_id: str
    channel_id: str
    received_at: datetime
    tries: int


class PendingCommands(Repository):
    def __init__(self, database: Database) -> None:
        super().__init__(database)
        # A burst of commands records (and forgets) its rows in shared transactions.
        self._adds = GroupCommit(self._insert)
        self._dones = GroupCommit(self._delete)

    async def add(
        self,
        response_url: str,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        now: datetime | None = None,
    ) -> int:
        at = self._db.at(now)
        return await self._adds(
            {
                "response_url": response_url,
                "text": text,
                "user_id": user_id,
                "channel_id": channel_id,
                "received_at": at,
                "taken_at": at,
                "tries": 1,
            }
        )

    async def done(self, command_id: int) -> None:
        await self._dones(command_id)

    async def _insert(self, rows: list[dict[str, Any]]) -> list[int]:
        t = tables.pending_commands
        statement = t.insert().returning(t.c.id, sort_by_parameter_order=True)
        async with self._db.transaction() as conn:
            return [int(row.id) for row in await conn.execute(statement, rows)]

    async def _delete(self, command_ids: list[int]) -> list[None]:
        t = tables.pending_commands
        await self._db.delete(t, t.c.id.in_(command_ids))
        return [None] * len(command_ids)

    async def orphans(
        self, *, lease: timedelta, limit: int = 20, now: datetime | None = None
    ) -> list[PendingCommand]:
        """Take the commands whose answering replica's lease ran out, and are still answerable."""
        at = self._db.at(now)
        t = tables.pending_commands
        # Past Slack's limit the response_url is dead: nobody can answer any more.
        await self._db.delete(t, t.c.received_at < at - ANSWER_WITHIN)
        candidates = await self._db.rows(
            select(t.c.id).where(t.c.taken_at < at - lease).order_by(t.c.id).limit(limit)
        )
        taken: list[PendingCommand] = []
        for candidate in candidates:
            claim = (
                update(t)
                .where(and_(t.c.id == candidate.id, t.c.taken_at < at - lease))
                .values(taken_at=at, tries=t.c.tries + 1)
                .returning(*t.c)
            )
            for row in await self._db.rows(claim):
                taken.append(
                    PendingCommand(
                        int(row.id),
                        row.response_url,
                        row.text,
                        row.user_id,
                        row.channel_id,
                        row.received_at,
                        int(row.tries),
                    )
                )
        return taken
