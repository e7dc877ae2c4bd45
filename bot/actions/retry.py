"""The retry body of ``ActionService``: failed tasks again, or from a task, with params.

Checked before TD is written to: the attempt is done and not successful (a rerun
``from`` a task may follow a success too), it is the newest attempt of its
session, and the ``from`` task exists in it. The retry's name comes from the
plan (``RetryPlan.name``), so the same retry sent twice is one attempt at TD.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.follow import describe_attempt
from bot.actions.frame import ActionFrame, ActionRequest
from bot.actions.outcome import ActionOutcome, OutcomeKind
from bot.actions.prompts import Target
from bot.actions.retry_plan import NoSuchTask, RetryPlan, plan_retry
from bot.commands import Retry
from bot.td import errors
from bot.td.models import Attempt, AttemptStatus
from bot.td.urls import attempt_url, session_url
from bot.text import safe


@dataclass(frozen=True)
class RetryPreview:
    """What a confirmation shows: the attempt and the retry that would be sent."""

    target: Target
    plan: RetryPlan


class RetryActions(ActionFrame):
    async def preview_retry(self, command: Retry) -> RetryPreview | NoSuchTask:
        """Read the attempt (and its tasks for ``from``) and plan the retry; raises
        ``errors.TDError``. Only reads: callers still ``authorize`` first."""
        attempt = await self._td.attempt(command.attempt_id)
        tasks = await self._td.tasks(attempt.id) if command.from_task else []
        plan = plan_retry(attempt, command.params, command.from_task, tasks)
        if isinstance(plan, NoSuchTask):
            return plan
        return RetryPreview(Target.from_attempt(attempt), plan)

    async def _retry(self, request: ActionRequest) -> ActionOutcome:
        doing = f"retrying attempt {request.target_id}"
        try:
            attempt = await self._td.attempt(request.target_id)
            refusal = _not_retryable(attempt, rerun=request.from_task is not None)
            if refusal is not None:
                return self._outcome(request, OutcomeKind.REFUSED, *refusal)
            session = await self._td.retries(attempt.id)
            newer = [a for a in session if a.index > attempt.index]
            tasks = await self._td.tasks(attempt.id) if request.from_task and not newer else []
        except errors.TDError as exc:
            return self._failed(request, exc, doing, wrote=False)
        if newer:
            latest = max(newer, key=lambda a: a.index)
            return self._outcome(
                request,
                OutcomeKind.REFUSED,
                *_superseded(attempt, latest),
                links=self._links(latest),
            )
        plan = plan_retry(attempt, request.params, request.from_task, tasks)
        if isinstance(plan, NoSuchTask):
            return self._outcome(
                request, OutcomeKind.REFUSED, plan.message, "refused (no such task)"
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
                plan.params,
                retry_attempt_name=plan.name,
                resume_failed_attempt_id=attempt.id,
                resume_from_task=plan.from_task,
                allow_queueing=request.allow_queueing,
            )
        except errors.AttemptLimitExceeded as exc:
            return self._at_limit(request, exc)
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
        return self._started(request, plan, new)

    def _started(self, request: ActionRequest, plan: RetryPlan, new: Attempt) -> ActionOutcome:
        attempt = plan.attempt
        queued = new.status is AttemptStatus.QUEUED
        if plan.from_task is None:
            verb = (
                "Queued a retry of the failed tasks of"
                if queued
                else "Retrying the failed tasks of"
            )
            done, summary_what = " Tasks that succeeded are not run again.", "failed tasks of"
        else:
            start = safe(plan.from_task, 200)
            verb = "Queued a rerun of" if queued else "Rerunning"
            done, summary_what = f" From {start} on, every task runs again.", f"from {start}:"
        changed = (
            " Params changed: " + ", ".join(_change(c.key, c.text) for c in plan.changes) + "."
            if plan.changes
            else ""
        )
        return self._outcome(
            request,
            OutcomeKind.DONE,
            f"{verb} attempt {attempt.id} ({describe_attempt(attempt)}) as new attempt "
            f"{new.id} (#{new.index}) of the same session, on the workflow revision the failed "
            "attempt ran (keep-revision), with its params."
            + changed
            + done
            + (" TD starts it when a running attempt ends." if queued else ""),
            f"{'queued a retry of' if queued else 'retried'} {summary_what} attempt "
            f"{attempt.id} -> new attempt {new.id} (#{new.index})",
            announce=True,
            links=self._links(new),
            new_attempt=new,
        )

    def _at_limit(
        self, request: ActionRequest, error: errors.AttemptLimitExceeded
    ) -> ActionOutcome:
        counts = (
            f" ({error.running} running, limit {error.limit})"
            if error.running is not None and error.limit is not None
            else ""
        )
        return self._outcome(
            request,
            OutcomeKind.AT_LIMIT,
            f"TD is at its limit of attempts running at once{counts}: nothing was started. "
            f"Retry attempt {request.target_id} once running attempts finish, or queue "
            "the retry: TD then starts it by itself when one ends.",
            f"TD is at its limit of running attempts{counts}; nothing was started",
        )

    def _links(self, attempt: Attempt) -> tuple[tuple[str, str], ...]:
        # The session link is the documented one; the attempt link is unconfirmed.
        links = [(f"Session {attempt.session_id}", session_url(self._console, attempt.session_id))]
        if attempt.workflow.id:
            url = attempt_url(self._console, attempt.workflow.id, attempt.session_id, attempt.id)
            links.append((f"Attempt {attempt.id} (#{attempt.index})", url))
        return tuple(links)


def _change(key: str, value: str) -> str:
    return f"{safe(key, 100)}={safe(value, 200)}"


def _not_retryable(attempt: Attempt, *, rerun: bool) -> tuple[str, str] | None:
    """(message, audit summary) when retrying this attempt makes no sense now; a rerun
    ``from`` a task may follow a success (to rebuild what it made)."""
    status = attempt.status
    if status is AttemptStatus.SUCCESS and not rerun:
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
