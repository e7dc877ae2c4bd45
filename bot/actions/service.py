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
   (``tdbot-retry-<id>``): TD keeps one attempt per session and name, so a
   retry sent twice (a timeout, a 5xx, another replica) starts one attempt.

A kill is only requested: TD cancels the tasks as they notice, so the outcome
is ``REQUESTED`` and ``follow_attempt`` waits for the end. A retry refused at
the account's attempt limit is ``AT_LIMIT`` and may be sent again with
``retry_queued`` (TD's ``allowQueueing``).
"""

from __future__ import annotations

import logging

from bot.actions.backfill import BackfillActions
from bot.actions.follow import FOLLOW_INTERVAL, FOLLOW_TIMEOUT, describe_attempt, follow_attempt
from bot.actions.frame import ActionBody, ActionRequest
from bot.actions.outcome import ActionOutcome, OutcomeKind
from bot.actions.prompts import Target
from bot.actions.retry import RetryActions
from bot.commands import Kill, KillJob, Retry, RunBackfill
from bot.store import ActionKind, Clock, Store, wall_clock
from bot.td import TDClient, errors
from bot.td.models import Attempt, AttemptStatus, JobStatus
from bot.td.urls import job_url
from bot.text import safe

log = logging.getLogger("bot.actions")


class ActionService(RetryActions, BackfillActions):
    def __init__(
        self,
        td: TDClient,
        store: Store,
        admins: frozenset[str],
        clock: Clock = wall_clock,
    ) -> None:
        super().__init__(td, store, admins, clock)

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
        request = ActionRequest(
            ActionKind.RETRY, user_id, attempt_id, channel_id, thread_ts, action_key
        )
        return await self._act(request, self._retry)

    async def retry_queued(
        self,
        user_id: str,
        attempt_id: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        """``retry_failed`` with TD's ``allowQueueing``: at the account's limit of running
        attempts TD queues the retry (status ``queued``) instead of refusing it. Offer
        it after an ``AT_LIMIT`` outcome, under an action key of its own."""
        request = ActionRequest(
            ActionKind.RETRY,
            user_id,
            attempt_id,
            channel_id,
            thread_ts,
            action_key,
            allow_queueing=True,
        )
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
        request = ActionRequest(
            ActionKind.KILL, user_id, attempt_id, channel_id, thread_ts, action_key
        )
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
        request = ActionRequest(
            ActionKind.KILL_JOB, user_id, job_id, channel_id, thread_ts, action_key
        )
        return await self._act(request, self._kill_job)

    async def perform(
        self,
        command: Retry | Kill | KillJob | RunBackfill,
        user_id: str,
        *,
        channel_id: str | None,
        thread_ts: str | None,
        action_key: str,
    ) -> ActionOutcome:
        """The action a parsed ``/td retry|kill|kill job`` command asks for."""
        body: ActionBody
        match command:
            case Retry(attempt_id=target):
                request = ActionRequest(
                    ActionKind.RETRY,
                    user_id,
                    target,
                    channel_id,
                    thread_ts,
                    action_key,
                    allow_queueing=command.queue,
                    from_task=command.from_task,
                    params=command.params,
                )
                return await self._act(request, self._retry)
            case RunBackfill():
                return await self.run_backfill(
                    user_id,
                    command,
                    channel_id=channel_id,
                    thread_ts=thread_ts,
                    action_key=action_key,
                )
            case Kill(attempt_id=target):
                kind, body = ActionKind.KILL, self._kill_attempt
            case KillJob(job_id=target):
                kind, body = ActionKind.KILL_JOB, self._kill_job
            case _:
                raise TypeError(f"not an action command: {command!r}")
        return await self._act(
            ActionRequest(kind, user_id, target, channel_id, thread_ts, action_key), body
        )

    async def watch(
        self, attempt_id: str, *, channel_id: str, thread_ts: str | None, user_id: str
    ) -> None:
        """Have the end of ``attempt_id`` (started from chat) posted in that thread
        (``bot.watch``); a failure to record it costs only that post."""
        try:
            await self._store.add_watch(
                attempt_id, channel_id=channel_id, thread_ts=thread_ts, started_by=user_id
            )
        except Exception:
            log.exception("could not record the watch of attempt %s", attempt_id)

    async def follow_attempt(
        self,
        attempt_id: str,
        *,
        interval: float = FOLLOW_INTERVAL,
        give_up_after: float = FOLLOW_TIMEOUT,
    ) -> Attempt:
        """The attempt once done (a requested kill took effect), or as last read when
        ``give_up_after`` seconds pass first; see ``bot.actions.follow``. Raises ``errors.TDError``
        only when no read succeeded."""
        return await follow_attempt(
            self._td, attempt_id, interval=interval, give_up_after=give_up_after
        )

    async def describe_target(self, kind: ActionKind, target_id: str) -> Target:
        """Read the attempt or job for a confirmation dialog; raises ``errors.TDError``.

        It only reads, but callers should still ``authorize`` first: a dialog is
        pointless for someone who may not act.
        """
        if ActionKind(kind) is ActionKind.KILL_JOB:
            return Target.from_job(await self._td.job(target_id))
        return Target.from_attempt(await self._td.attempt(target_id))

    # ------------------------------------------------------------------ kill

    async def _kill_attempt(self, request: ActionRequest) -> ActionOutcome:
        doing = f"killing attempt {request.target_id}"
        try:
            # Read first: TD accepts a kill of a finished attempt that left tasks
            # blocked behind a failure, and then shows it killed instead of failed.
            current = await self._td.attempt(request.target_id)
        except errors.TDError as exc:
            return self._failed(request, exc, doing, wrote=False)
        if current.done:
            return self._finished(request, current.status.value, current)
        try:
            before = await self._td.kill_attempt(request.target_id)
        except errors.NotFound as exc:
            return self._failed(request, exc, doing, wrote=False)
        except errors.Conflict:
            status = await self._status_of(request.target_id)
            return self._finished(request, status.value if status else None, None)
        except errors.TDError as exc:
            return self._failed(request, exc, doing, wrote=True)
        if before is not None and before.done:  # it ended between the read and the kill
            return self._finished(request, before.status.value, before)
        shown = before or current
        return self._outcome(
            request,
            OutcomeKind.REQUESTED,
            f"attempt {request.target_id} ({describe_attempt(shown)}): kill requested. TD "
            "cancels its running tasks as they notice (a td> task within about 30 s); "
            "until then it reads canceling.",
            f"requested a kill of attempt {request.target_id}",
            announce=True,
            links=self._links(shown),
            follow=request.target_id,
        )

    def _finished(
        self, request: ActionRequest, status: str | None, attempt: Attempt | None
    ) -> ActionOutcome:
        finished = f"finished ({safe(status, 40)})" if status else "finished"
        return self._outcome(
            request,
            OutcomeKind.NOTHING_TO_DO,
            f"attempt {request.target_id} had already {finished}: nothing to kill.",
            f"it had already {finished}",
            links=self._links(attempt) if attempt else (),
        )

    async def _status_of(self, attempt_id: str) -> AttemptStatus | None:
        """The status after a 409, for the message only: a failed read costs just the detail."""
        try:
            return (await self._td.attempt(attempt_id)).status
        except errors.TDError as exc:
            log.info("could not read attempt %s after a 409 on kill: %s", attempt_id, exc)
            return None

    async def _kill_job(self, request: ActionRequest) -> ActionOutcome:
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
