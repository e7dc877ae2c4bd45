"""Retry and kill: one action per intent, and the trail of who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update

from bot.store import tables
from bot.store.database import ERROR_CHARS, Repository
from bot.store.values import ActionKind, ActionRecord, ActionState


class Audit(Repository):
    """The admin actions taken through the bot, recorded before TD is called."""

    async def claim_action(
        self,
        key: str,
        *,
        user_id: str,
        action: ActionKind,
        target_id: str,
        channel_id: str | None = None,
        thread_ts: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record an action before calling TD; False when ``key`` was claimed before.

        The key names the intent (e.g. ``retry:<attempt id>``), so a double
        click or a re-delivered Slack request finds it taken.
        """
        t = tables.actions
        statement = (
            self._db.insert(t)
            .values(
                action_key=key,
                user_id=user_id,
                action=ActionKind(action).value,
                target_id=target_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                state=ActionState.STARTED.value,
                created_at=self._db.at(now),
            )
            .on_conflict_do_nothing(index_elements=[t.c.action_key])
            .returning(t.c.id)
        )
        return bool(await self._db.rows(statement))

    async def finish_action(
        self, key: str, *, ok: bool, outcome: str, now: datetime | None = None
    ) -> None:
        """Record TD's answer for a started action; LookupError if none is started."""
        t = tables.actions
        statement = (
            update(t)
            .where(t.c.action_key == key, t.c.state == ActionState.STARTED.value)
            .values(
                state=(ActionState.SUCCEEDED if ok else ActionState.FAILED).value,
                outcome=outcome[:ERROR_CHARS],
                finished_at=self._db.at(now),
            )
        )
        if await self._db.execute(statement) != 1:
            raise LookupError(f"no started action with key {key!r}")

    async def actions(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        target_id: str | None = None,
        limit: int = 50,
    ) -> list[ActionRecord]:
        """The audit trail, newest first, optionally narrowed."""
        t = tables.actions
        conditions: list[ColumnElement[bool]] = []
        if channel_id is not None:
            conditions.append(t.c.channel_id == channel_id)
        if user_id is not None:
            conditions.append(t.c.user_id == user_id)
        if target_id is not None:
            conditions.append(t.c.target_id == target_id)
        statement = select(t).where(*conditions).order_by(t.c.created_at.desc(), t.c.id.desc())
        return [_action(row) for row in await self._db.rows(statement.limit(limit))]


def _action(r: Row[Any]) -> ActionRecord:
    return ActionRecord(
        key=r.action_key,
        user_id=r.user_id,
        action=ActionKind(r.action),
        target_id=r.target_id,
        channel_id=r.channel_id,
        thread_ts=r.thread_ts,
        state=ActionState(r.state),
        outcome=r.outcome,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )
