"""The frame every action goes through: who may act, one claim per intent, an audit line.

``ActionService`` (service.py) supplies the bodies (retry, kill); this holds the
checks and records around them, in the order service.py's docstring gives.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.actions.failures import describe_failure
from bot.actions.outcome import ActionOutcome, OutcomeKind, mention
from bot.commands import RunBackfill
from bot.store import ActionKind, ActionRecord, ActionState, Clock, Store
from bot.td import TDClient, errors
from bot.td.models import Attempt
from bot.text import safe

log = logging.getLogger("bot.actions")

MAX_REPEATS = 10  # failed tries of one key before tdbot asks for a fresh command
STALE_CLAIM = timedelta(minutes=5)  # far beyond TD calls' timeouts and retries
_AUDIT_LOOKUP = 500

_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")
_NOUN = {
    ActionKind.RETRY: "attempt",
    ActionKind.KILL: "attempt",
    ActionKind.KILL_JOB: "job",
    ActionKind.BACKFILL: "schedule",
}
_EMOJI = {
    ActionKind.RETRY: "🔁",
    ActionKind.KILL: "🛑",
    ActionKind.KILL_JOB: "🛑",
    ActionKind.BACKFILL: "⏪",
}
_VERB = {ActionKind.RETRY: "retry", ActionKind.BACKFILL: "backfill"}
_NOT_DONE_EMOJI = {
    OutcomeKind.NOTHING_TO_DO: "ℹ️",
    OutcomeKind.REFUSED: "🚫",
    OutcomeKind.DUPLICATE: "↩️",
    OutcomeKind.FAILED: "⚠️",
    OutcomeKind.AT_LIMIT: "⏳",
}


@dataclass(frozen=True)
class ActionRequest:
    action: ActionKind
    user_id: str
    target_id: str
    channel_id: str | None
    thread_ts: str | None
    key: str
    allow_queueing: bool = False  # a retry: let TD queue it when at the attempt limit
    from_task: str | None = None  # a retry: rerun from this task (resume mode from)
    params: tuple[tuple[str, str], ...] = ()  # a retry: params overriding the attempt's
    backfill: RunBackfill | None = None  # a backfill: what the confirmation showed

    @property
    def what(self) -> str:
        return f"{_NOUN[self.action]} {self.target_id}"


ActionBody = Callable[[ActionRequest], Awaitable[ActionOutcome]]


class ActionFrame:
    def __init__(
        self,
        td: TDClient,
        store: Store,
        admins: frozenset[str],
        clock: Clock,
    ) -> None:
        self._td = td
        self._store = store
        self._admins = frozenset(admins)
        self._clock = clock
        self._console = td.endpoints.console

    def authorize(self, user_id: str) -> bool:
        """Only TDBOT_ADMINS may act; an empty list means nobody."""
        return user_id in self._admins

    async def refuse(
        self,
        action: ActionKind,
        user_id: str,
        target: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
    ) -> ActionOutcome:
        """Refuse someone who is not an admin before TD is asked anything, with an audit
        record (for a command whose target is only known after reading TD)."""
        request = ActionRequest(action, user_id, safe(target, 64) or "?", channel_id, thread_ts, "")
        return await self._refuse_not_admin(request)

    async def _refuse_not_admin(self, request: ActionRequest) -> ActionOutcome:
        return await self._refuse_unclaimed(
            request,
            f"Only tdbot admins (TDBOT_ADMINS) may {_verb(request.action)} "
            f"{_NOUN[request.action]}s. Nothing was sent to TD.",
            "not an admin",
        )

    async def _act(self, request: ActionRequest, body: ActionBody) -> ActionOutcome:
        valid_id = bool(_CANONICAL_ID.fullmatch(request.target_id))
        if not valid_id:
            # It came from chat: it goes into the audit line, so it must be inert there.
            request = replace(request, target_id=safe(request.target_id, 64) or "?")
        if not self.authorize(request.user_id):
            return await self._refuse_not_admin(request)
        if not valid_id:
            return await self._refuse_unclaimed(
                request,
                f"{request.target_id} is not a valid {_NOUN[request.action]} id.",
                "not an id",
            )
        claimed = await self._claim(request)
        if isinstance(claimed, ActionOutcome):
            return claimed
        try:
            outcome = await body(claimed)
        except BaseException as exc:
            # A bug or a cancellation: the record must not stay "in progress".
            await self._finish_quietly(claimed.key, False, f"interrupted: {type(exc).__name__}")
            raise
        await self._finish_quietly(claimed.key, outcome.ok, f"{outcome.kind}: {outcome.message}")
        return outcome

    async def _claim(self, request: ActionRequest) -> ActionRequest | ActionOutcome:
        for repeat in range(1, MAX_REPEATS + 1):
            key = request.key if repeat == 1 else f"{request.key}~{repeat}"
            now = self._clock()
            if await self._store.claim_action(
                key,
                user_id=request.user_id,
                action=request.action,
                target_id=request.target_id,
                channel_id=request.channel_id,
                thread_ts=request.thread_ts,
                now=now,
            ):
                return replace(request, key=key)
            previous = await self._record(key, request.target_id)
            if previous is None or not await self._may_repeat(previous, now):
                return self._duplicate(replace(request, key=key), previous)
        return self._outcome(
            request,
            OutcomeKind.REFUSED,
            f"This action already failed {MAX_REPEATS} times; "
            "send the command again to start afresh. Nothing was sent to TD.",
            "refused (too many failed tries)",
        )

    async def _record(self, key: str, target_id: str) -> ActionRecord | None:
        records = await self._store.actions(target_id=target_id, limit=_AUDIT_LOOKUP)
        return next((r for r in records if r.key == key), None)

    async def _may_repeat(self, previous: ActionRecord, now: datetime) -> bool:
        if previous.state is ActionState.FAILED:
            return True
        if previous.state is ActionState.STARTED and now - previous.created_at > STALE_CLAIM:
            with contextlib.suppress(LookupError):  # a concurrent claimer closed it first
                await self._store.finish_action(
                    previous.key, ok=False, outcome="abandoned: never finished", now=now
                )
            return True
        return False

    def _duplicate(self, request: ActionRequest, previous: ActionRecord | None) -> ActionOutcome:
        again = "Nothing was sent to TD again."
        if previous is None:
            message = f"This action is already in progress. {again}"
        elif previous.state is ActionState.STARTED:
            who, when = mention(previous.user_id), _utc(previous.created_at)
            message = f"This action is already in progress: started by {who} at {when}. {again}"
        else:
            who, when = mention(previous.user_id), _utc(previous.finished_at or previous.created_at)
            message = f"This was already done by {who} at {when}. {again}"
        return self._outcome(request, OutcomeKind.DUPLICATE, message, "already in progress or done")

    async def _refuse_unclaimed(
        self, request: ActionRequest, message: str, why: str
    ) -> ActionOutcome:
        """Audit a refusal under a key of its own, leaving the real key to whoever may act."""
        outcome = self._outcome(
            replace(request, key=f"refused:{uuid.uuid4().hex}"),
            OutcomeKind.REFUSED,
            message,
            f"refused ({why})",
        )
        now = self._clock()
        await self._store.claim_action(
            outcome.key,
            user_id=request.user_id[:64],
            action=request.action,
            target_id=request.target_id,
            channel_id=request.channel_id,
            thread_ts=request.thread_ts,
            now=now,
        )
        await self._finish_quietly(outcome.key, False, f"{outcome.kind}: {message}")
        return outcome

    async def _finish_quietly(self, key: str, ok: bool, outcome: str) -> None:
        # TD has already answered: losing the audit line must not lose the answer.
        try:
            await self._store.finish_action(key, ok=ok, outcome=outcome, now=self._clock())
        except Exception:
            log.exception("could not record the end of action %s", key)

    def _outcome(
        self,
        request: ActionRequest,
        kind: OutcomeKind,
        message: str,
        summary: str,
        *,
        announce: bool = False,
        links: tuple[tuple[str, str], ...] = (),
        new_attempt: Attempt | None = None,
        follow: str | None = None,
        watch: tuple[str, ...] = (),
    ) -> ActionOutcome:
        who = mention(request.user_id)
        if kind in (OutcomeKind.DONE, OutcomeKind.REQUESTED):
            audit = f"{_EMOJI[request.action]} {who} {summary}"
        else:
            asked = f"asked to {_verb(request.action)} {request.what}"
            audit = f"{_NOT_DONE_EMOJI[kind]} {who} {asked}: {summary}"
        return ActionOutcome(
            kind=kind,
            action=request.action,
            target_id=request.target_id,
            user_id=request.user_id,
            message=message,
            audit=audit,
            announce=announce,
            key=request.key,
            links=links,
            new_attempt_id=new_attempt.id if new_attempt else None,
            new_attempt_index=new_attempt.index if new_attempt else None,
            follow_attempt_id=follow,
            watch_attempt_ids=watch or ((new_attempt.id,) if new_attempt else ()),
        )

    def _failed(
        self, request: ActionRequest, error: errors.TDError, doing: str, *, wrote: bool
    ) -> ActionOutcome:
        failure = describe_failure(error, doing=doing, wrote=wrote)
        summary = (
            "TD did not confirm it; it may have happened"
            if failure.uncertain
            else f"TD said no ({error.status or 'no answer'})"
        )
        return self._outcome(
            request, OutcomeKind.FAILED, failure.message, summary, announce=failure.uncertain
        )


def _verb(action: ActionKind) -> str:
    return _VERB.get(action, "kill")


def _utc(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
