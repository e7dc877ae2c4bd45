"""Escalation: an alert nobody is on and that has not recovered in time is escalated, once.

Each poll asks the store for the alert threads past their scope's delay
(``Store.due_escalations``); one replica claims each (``claim_escalation``),
sends, and marks it sent, so three replicas escalate once. A claim taken over
after its holder died looks for its reply by mark first. A mention target gets
a thread reply shown in the channel; ``pagerduty`` triggers an incident keyed
by the alert (``dedup_key``, so a repeat is the same incident), which I'm on
it acknowledges and the recovery resolves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.alerts.sender import ChannelStop, Sender
from bot.alerts.silent_steps import thread_is_silent
from bot.message import Link, Message
from bot.notify import NotifyError, PagerDutyNotifier
from bot.present.escalation import escalated_to, escalated_to_pagerduty, pagerduty_refused
from bot.store import PAGERDUTY, Due, Store, ThreadRef
from bot.td import urls

log = logging.getLogger(__name__)


def incident_key(session_id: str) -> str:
    """The alert's own key at PagerDuty: one incident per failing session."""
    return f"tdbot-session-{session_id}"


def escalation_mark(session_id: str) -> str:
    return f"{session_id}:escalation"


class Escalator:
    def __init__(
        self,
        store: Store,
        *,
        console: str | None,
        clock: Callable[[], datetime],
        pagerduty: PagerDutyNotifier | None = None,
    ) -> None:
        self._store = store
        self._console = console
        self._clock = clock
        self._pagerduty = pagerduty

    async def run(self, send: Sender) -> int:
        """Escalate what is due; how many escalations went out."""
        sent = 0
        for due in await self._store.due_escalations(self._clock()):
            thread = due.thread
            claim = await self._store.claim_escalation(
                thread.channel_id, thread.session_id, due.rule.target, now=self._clock()
            )
            if claim is None:
                continue  # another replica has it
            mark = escalation_mark(thread.session_id)
            try:
                found = claim.maybe_sent and (
                    await send.find(thread.channel_id, mark, thread.parent_ts, due.posted_at)
                    is not None
                )
                if not found:
                    message = await self._message(due)
                    await send.post(thread.channel_id, message, thread.parent_ts, [mark])
                    sent += 1
            except (ChannelStop, NotifyError) as exc:
                # Claimed, not sent: taken over after the lease, and looked for first.
                log.warning("escalation of session %s deferred: %s", thread.session_id, exc)
                continue
            await self._store.mark_escalated(claim, now=self._clock())
        return sent

    async def _message(self, due: Due) -> Message:
        """The thread reply; for PagerDuty, after the incident was triggered."""
        rule, thread = due.rule, due.thread
        if rule.target != PAGERDUTY:
            return escalated_to(rule.target, rule.after)
        key = incident_key(thread.session_id)
        if self._pagerduty is None:
            return pagerduty_refused("this tdbot has no TDBOT_PAGERDUTY_ROUTING_KEY")
        try:
            await self._pagerduty.post(
                f"tdbot: {thread.project}/{thread.workflow}", self._summary(thread), marks=[key]
            )
        except NotifyError as exc:
            if not exc.permanent:
                raise  # retried on a later poll: the dedup key keeps it one incident
            return pagerduty_refused(str(exc))
        return escalated_to_pagerduty(key, rule.after)

    def _summary(self, thread: ThreadRef) -> Message:
        where = f"{thread.project}/{thread.workflow}"
        links: tuple[Link, ...] = ()
        if self._console:
            url = urls.session_url(self._console, thread.session_id)
            links = (Link("Session in TD console", url),)
        what = f"session {thread.session_id}, attempt {thread.attempt_id}"
        # A silent thread's status names its kind (running_long, late, ...).
        happened = thread.status.replace("_", " ") if thread_is_silent(thread) else "failed"
        return Message(
            title=f"tdbot: {where} {happened}",
            text=f"{where} {happened} ({what}) and nobody is on it",
            links=links,
        )

    async def taken(self, thread: ThreadRef, user: str) -> None:
        """Someone is on the alert: acknowledge its PagerDuty incident, if it has one."""
        await self._pagerduty_event(thread, "acknowledge")

    async def recovered(self, thread: ThreadRef) -> None:
        await self._pagerduty_event(thread, "resolve")

    async def _pagerduty_event(self, thread: ThreadRef, action: str) -> None:
        if self._pagerduty is None or not await self._store.escalated_to(
            thread.session_id, PAGERDUTY
        ):
            return
        key = incident_key(thread.session_id)
        try:
            if action == "acknowledge":
                await self._pagerduty.acknowledge(key)
            else:
                await self._pagerduty.resolve(key)
        except NotifyError as exc:  # logged by the notifier; the incident stays as it was
            log.error("PagerDuty %s of %s failed: %s", action, key, exc)
