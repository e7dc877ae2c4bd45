"""ActionService: retry and kill in TD, for admins only, once per intent, always audited.

Order of safety checks, each before anything is sent to TD:

1. ``authorize``: only ``admins`` (TDBOT_ADMINS) act; anyone else gets a refusal
   and TD sees no request at all, not even a read.
2. The claim: the action's key is recorded in the store first. A second claim
   of a key (double click, Slack re-delivery) answers "in progress" or "already
   done" and sends nothing. A key whose action *failed* (refused as pointless,
   or TD said no) may be taken again, as ``<key>~2`` and so on, so a button
   that met a passing TD outage is not dead forever; a claim left ``started``
   by a process that died is given up after ``STALE_CLAIM``.
3. A retry reads the attempt and its session first: a running, canceling or
   successful attempt, or one superseded by a newer attempt of its session, is
   refused with the reason.
4. The retry's attempt name is derived from the failed attempt
   (``tdbot-retry-<id>``), so TD itself refuses (409) a second retry of the same
   attempt, whichever replica, button or command sent it.
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
from bot.actions.prompts import Target, session_time_text
from bot.commands import Kill, KillJob, Retry
from bot.store import ActionKind, ActionRecord, ActionState, Clock, Store, wall_clock
from bot.td import TDClient, errors
from bot.td.models import Attempt, AttemptStatus, JobStatus
from bot.td.urls import attempt_url, job_url, session_url
from bot.text import safe

log = logging.getLogger("bot.actions")

RETRY_NAME_PREFIX = "tdbot-retry-"
MAX_REPEATS = 10  # failed tries of one key before tdbot asks for a fresh command
STALE_CLAIM = timedelta(minutes=5)  # far beyond TD calls' timeouts and retries
_AUDIT_LOOKUP = 500
_NAME_LIMIT = 200

_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")
_NOUN = {ActionKind.RETRY: "attempt", ActionKind.KILL: "attempt", ActionKind.KILL_JOB: "job"}
_EMOJI = {ActionKind.RETRY: "🔁", ActionKind.KILL: "🛑", ActionKind.KILL_JOB: "🛑"}
_NOT_DONE_EMOJI = {
    OutcomeKind.NOTHING_TO_DO: "ℹ️",
    OutcomeKind.REFUSED: "🚫",
    OutcomeKind.DUPLICATE: "↩️",
    OutcomeKind.FAILED: "⚠️",
}


@dataclass(frozen=True)
class _Request:
    action: ActionKind
    user_id: str
    target_id: str
    channel_id: str | None
    thread_ts: str | None
    key: str

    @property
    def what(self) -> str:
        return f"{_NOUN[self.action]} {self.target_id}"


_Body = Callable[[_Request], Awaitable[ActionOutcome]]


class ActionService:
    def __init__(
        self,
        td: TDClient,
        store: Store,
        admins: frozenset[str],
        clock: Clock = wall_clock,
    ) -> None:
        self._td = td
        self._store = store
        self._admins = frozenset(admins)
        self._clock = clock
        self._console = td.endpoints.console

    def authorize(self, user_id: str) -> bool:
        """Only TDBOT_ADMINS may act; an empty list means nobody."""
        return user_id in self._admins

    async def retry_failed(
        self,
        user_id: str,
        attempt_id: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        """Start a new attempt of the same session that re-runs only what did not succeed."""
        request = _Request(ActionKind.RETRY, user_id, attempt_id, channel_id, thread_ts, action_key)
        return await self._act(request, self._retry)

    async def kill_attempt(
        self,
        user_id: str,
        attempt_id: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        request = _Request(ActionKind.KILL, user_id, attempt_id, channel_id, thread_ts, action_key)
        return await self._act(request, self._kill_attempt)

    async def kill_job(
        self,
        user_id: str,
        job_id: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        request = _Request(ActionKind.KILL_JOB, user_id, job_id, channel_id, thread_ts, action_key)
        return await self._act(request, self._kill_job)

    async def perform(
        self,
        command: Retry | Kill | KillJob,
        user_id: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        """The action a parsed ``/td retry|kill|kill job`` command asks for."""
        body: _Body
        match command:
            case Retry(attempt_id=target):
                kind, body = ActionKind.RETRY, self._retry
            case Kill(attempt_id=target):
                kind, body = ActionKind.KILL, self._kill_attempt
            case KillJob(job_id=target):
                kind, body = ActionKind.KILL_JOB, self._kill_job
            case _:
                raise TypeError(f"not an action command: {command!r}")
        return await self._act(
            _Request(kind, user_id, target, channel_id, thread_ts, action_key), body
        )

    async def describe_target(self, kind: ActionKind, target_id: str) -> Target:
        """Read the attempt or job for a confirmation dialog; raises ``errors.TDError``.

        It only reads, but callers should still ``authorize`` first: a dialog is
        pointless for someone who may not act.
        """
        if ActionKind(kind) is ActionKind.KILL_JOB:
            return Target.from_job(await self._td.job(target_id))
        return Target.from_attempt(await self._td.attempt(target_id))

    # --------------------------------------------------------------- the frame

    async def _act(self, request: _Request, body: _Body) -> ActionOutcome:
        valid_id = bool(_CANONICAL_ID.fullmatch(request.target_id))
        if not valid_id:
            # It came from chat: it goes into the audit line, so it must be inert there.
            request = replace(request, target_id=safe(request.target_id, 64) or "?")
        if not self.authorize(request.user_id):
            return await self._refuse_unclaimed(
                request,
                f"Only tdbot admins (TDBOT_ADMINS) may {_verb(request.action)} "
                f"{_NOUN[request.action]}s. Nothing was sent to TD.",
                "not an admin",
            )
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

    async def _claim(self, request: _Request) -> _Request | ActionOutcome:
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

    def _duplicate(self, request: _Request, previous: ActionRecord | None) -> ActionOutcome:
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

    async def _refuse_unclaimed(self, request: _Request, message: str, why: str) -> ActionOutcome:
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
        request: _Request,
        kind: OutcomeKind,
        message: str,
        summary: str,
        *,
        announce: bool = False,
        links: tuple[tuple[str, str], ...] = (),
        new_attempt: Attempt | None = None,
    ) -> ActionOutcome:
        who = mention(request.user_id)
        if kind is OutcomeKind.DONE:
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
        )

    def _failed(
        self, request: _Request, error: errors.TDError, doing: str, *, wrote: bool
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

    # ----------------------------------------------------------------- retry

    async def _retry(self, request: _Request) -> ActionOutcome:
        doing = f"retrying attempt {request.target_id}"
        try:
            attempt = await self._td.attempt(request.target_id)
            refusal = _not_retryable(attempt)
            if refusal is not None:
                return self._outcome(request, OutcomeKind.REFUSED, *refusal)
            session = await self._td.retries(attempt.id)
        except errors.TDError as exc:
            return self._failed(request, exc, doing, wrote=False)
        newer = [a for a in session if a.index > attempt.index]
        if newer:
            latest = max(newer, key=lambda a: a.index)
            return self._outcome(
                request,
                OutcomeKind.REFUSED,
                *_superseded(attempt, latest),
                links=self._links(latest),
            )
        workflow_id = attempt.workflow.id
        if workflow_id is None:
            return self._outcome(
                request,
                OutcomeKind.REFUSED,
                f"attempt {attempt.id} runs a workflow that TD keeps no id for; "
                "retry it from the TD console.",
                "refused (no workflow id)",
            )
        try:
            new = await self._td.start_attempt(
                workflow_id,
                attempt.session_time_text,
                attempt.params,
                retry_attempt_name=f"{RETRY_NAME_PREFIX}{attempt.id}",
                resume_failed_attempt_id=attempt.id,
            )
        except errors.AttemptConflict as conflict:
            existing = conflict.existing
            return self._outcome(
                request,
                OutcomeKind.FAILED,
                "an attempt of this session is already running or exists: "
                f"#{existing.index} ({existing.status}), attempt {existing.id}. "
                "Nothing new was started.",
                f"TD answered that attempt {existing.id} (#{existing.index}) already exists",
                links=self._links(existing),
            )
        except errors.TDError as exc:
            return self._failed(request, exc, doing, wrote=True)
        return self._outcome(
            request,
            OutcomeKind.DONE,
            f"Retrying the failed tasks of attempt {attempt.id} ({_describe(attempt)}) "
            f"as new attempt {new.id} (#{new.index}) of the same session, on the workflow "
            "revision the failed attempt ran (keep-revision), with its params. "
            "Tasks that succeeded are not run again.",
            f"retried failed tasks of attempt {attempt.id} -> new attempt {new.id} (#{new.index})",
            announce=True,
            links=self._links(new),
            new_attempt=new,
        )

    # ------------------------------------------------------------------ kill

    async def _kill_attempt(self, request: _Request) -> ActionOutcome:
        try:
            before = await self._td.kill_attempt(request.target_id)
        except errors.NotFound as exc:
            return self._failed(request, exc, f"killing attempt {request.target_id}", wrote=False)
        except errors.Conflict:
            status = await self._status_of(request.target_id)
            finished = f"finished ({status})" if status else "finished"
            return self._outcome(
                request,
                OutcomeKind.NOTHING_TO_DO,
                f"attempt {request.target_id} had already {finished}: nothing to kill.",
                f"it had already {finished}",
            )
        except errors.TDError as exc:
            return self._failed(request, exc, f"killing attempt {request.target_id}", wrote=True)
        about = f" ({_describe(before)})" if before else ""
        return self._outcome(
            request,
            OutcomeKind.DONE,
            f"attempt {request.target_id}{about}: kill requested; running tasks will be canceled.",
            f"killed attempt {request.target_id} (kill requested; running tasks will be canceled)",
            announce=True,
            links=self._links(before) if before else (),
        )

    async def _status_of(self, attempt_id: str) -> AttemptStatus | None:
        """The status after a 409, for the message only: a failed read costs just the detail."""
        try:
            return (await self._td.attempt(attempt_id)).status
        except errors.TDError as exc:
            log.info("could not read attempt %s after a 409 on kill: %s", attempt_id, exc)
            return None

    async def _kill_job(self, request: _Request) -> ActionOutcome:
        job = request.target_id
        try:
            former = (await self._td.kill_job(job)).former_status
        except errors.TDError as exc:
            wrote = not isinstance(exc, errors.NotFound)
            return self._failed(request, exc, f"killing TD job {job}", wrote=wrote)
        links = (("TD job", job_url(self._console, job)),)
        if former.finished:
            return self._outcome(
                request,
                OutcomeKind.NOTHING_TO_DO,
                f"job {job} had already finished ({former}): nothing to kill.",
                f"it had already finished ({former})",
                links=links,
            )
        if former is JobStatus.RUNNING:
            message, summary = f"job {job} killed.", f"killed TD job {job}"
        elif former in (JobStatus.QUEUED, JobStatus.BOOTING):
            message = f"job {job} canceled before it ran (it was {former})."
            summary = f"canceled TD job {job} before it ran"
        else:
            message = f"job {job}: kill requested (TD did not say what state it was in)."
            summary = f"requested a kill of TD job {job}"
        return self._outcome(
            request, OutcomeKind.DONE, message, summary, announce=True, links=links
        )

    def _links(self, attempt: Attempt) -> tuple[tuple[str, str], ...]:
        links = [(f"Session {attempt.session_id}", session_url(self._console, attempt.session_id))]
        if attempt.workflow.id:
            url = attempt_url(self._console, attempt.workflow.id, attempt.session_id, attempt.id)
            links.insert(0, (f"Attempt {attempt.id} (#{attempt.index})", url))
        return tuple(links)


def _not_retryable(attempt: Attempt) -> tuple[str, str] | None:
    """(message, audit summary) when retrying this attempt makes no sense now."""
    status = attempt.status
    if status is AttemptStatus.SUCCESS:
        return f"attempt {attempt.id} succeeded: nothing to retry.", "refused (it succeeded)"
    if status is AttemptStatus.CANCELING:
        return (
            f"attempt {attempt.id} is being killed; wait until it has stopped, then retry it.",
            "refused (it is being killed)",
        )
    if not status.done:
        return (
            f"attempt {attempt.id} is still running; kill it first or wait.",
            "refused (still running)",
        )
    return None


def _superseded(attempt: Attempt, latest: Attempt) -> tuple[str, str]:
    status = latest.status
    if status.failed:
        advice = f"retry attempt {latest.id} instead if you still want a retry"
    elif status is AttemptStatus.SUCCESS:
        advice = "it succeeded, so there is nothing to retry"
    else:
        advice = f"it is {status} now"
    return (
        f"attempt {attempt.id} is not the latest attempt of its session: attempt {latest.id} "
        f"(#{latest.index}, {status}) is newer; {advice}.",
        f"refused (superseded by attempt {latest.id})",
    )


def _describe(attempt: Attempt) -> str:
    """``project/workflow, session 2024-06-01 02:00 +09:00`` as mrkdwn (TD names made safe)."""
    name = safe(f"{attempt.project.name}/{attempt.workflow.name}", _NAME_LIMIT)
    return f"{name}, session {session_time_text(attempt.session_time)}"


def _verb(action: ActionKind) -> str:
    return "retry" if action is ActionKind.RETRY else "kill"


def _utc(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
