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
        # Rows come back matched by their response_url (unique per command), not in
        # order: SQLAlchemy keeps RETURNING's order on SQLite only by inserting one
        # row at a time, which cost 10 ms of CPU for 50 commands, before their acks.
        statement = t.insert().returning(t.c.id, t.c.response_url)
        async with self._db.transaction() as conn:
            inserted = await conn.execute(statement, rows)
            ids: dict[str, list[int]] = {}
            for row in inserted:
                ids.setdefault(row.response_url, []).append(int(row.id))
        for same_url in ids.values():
            same_url.sort()  # a repeated url (never sent by Slack) gets its ids in order
        return [ids[row["response_url"]].pop(0) for row in rows]

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
