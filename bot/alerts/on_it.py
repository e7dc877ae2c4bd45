"""I'm on it: who is on an alert, taken, released and taken over.

Anyone may press I'm on it. The holder is stored per alert thread (channel and
session), so it survives restarts and holds across replicas; the parent is
then shown again (``failure_parent`` with the holder) for the surface to edit
in place. A second person pressing is told who has it and may take it over,
which the thread records. Escalation (``bot.alerts.escalation``) skips an
alert someone is on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.alerts.diagnoser import Diagnoser
from bot.alerts.plan import ThreadStatus
from bot.alerts.silent import claim_key
from bot.alerts.silent_steps import thread_is_silent
from bot.message import Message
from bot.present.alerts import AlertOwnership, OnIt, failure_parent
from bot.present.on_it import nothing_to_take, released, someone_is_on_it, taken_over
from bot.present.silent import silent_parent
from bot.silent.codec import load_finding
from bot.silent.findings import SilentKind, alert_key
from bot.store import Store, ThreadRef
from bot.td import TDClient
from bot.td.errors import TDError
from bot.td.models import Attempt


class Press(StrEnum):
    TAKE = "take"
    RELEASE = "release"
    TAKE_OVER = "take_over"


@dataclass(frozen=True)
class OnItOutcome:
    """What a press changes: the parent (at ``parent_ts``, also the thread) and a private word."""

    parent_ts: str | None = None
    parent: Message | None = None  # its new form, to edit in place
    thread: Message | None = None  # a reply in its thread, for everyone
    private: Message | None = None  # to the one who pressed


OnTaken = Callable[[ThreadRef, str], Awaitable[None]]
"""Told when someone takes an alert (e.g. to acknowledge it at PagerDuty)."""


class OnItService:
    def __init__(
        self,
        td: TDClient,
        store: Store,
        diagnoser: Diagnoser,
        *,
        console: str | None,
        clock: Callable[[], datetime],
        on_taken: OnTaken | None = None,
    ) -> None:
        self._td = td
        self._store = store
        self._diagnoser = diagnoser
        self._console = console
        self._clock = clock
        self._on_taken = on_taken

    async def press(self, press: Press, *, channel: str, user: str, attempt_id: str) -> OnItOutcome:
        """Act on the alert thread of ``attempt_id``'s session in ``channel`` (or, for a
        silent alert with no attempt, on the thread whose subject it is).

        Found by the attempt, not by the clicked message: Take it over is pressed
        in a private note, outside the thread.
        """
        attempt: Attempt | None = None
        session = attempt_id  # a silent alert with no attempt: its thread's subject
        if attempt_id.isdigit():
            try:
                attempt = await self._td.attempt(attempt_id)
            except TDError as exc:
                return OnItOutcome(private=nothing_to_take(f"TD did not answer: {exc}"))
            session = attempt.session_id
        thread = await self._store.get_thread(channel, session)
        if thread is None or ThreadStatus.of(thread) is not ThreadStatus.FAILING:
            reason = (
                "This alert has recovered: nobody needs to be on it."
                if thread is not None
                else "tdbot keeps no alert thread for this run in this channel."
            )
            return OnItOutcome(private=nothing_to_take(reason))
        holder = await self._store.on_it(channel, thread.session_id)
        previous = holder.user_id if holder is not None and holder.user_id != user else None
        if holder is not None and previous is not None and press is not Press.TAKE_OVER:
            return OnItOutcome(private=someone_is_on_it(previous, holder.since, attempt_id))
        reply: Message | None = None
        if press is Press.RELEASE:
            await self._store.release_alert(channel, thread.session_id)
            reply = released(user) if holder is not None else None  # a stale Release button
            holder = None
        else:
            holder = await self._store.take_alert(
                channel, thread.session_id, user, now=self._clock()
            )
            reply = taken_over(user, previous) if previous is not None else None
            if self._on_taken is not None:
                await self._on_taken(thread, user)
        owners = await self._store.owners_for(thread.project, thread.workflow)
        on_it = OnIt(holder.user_id, holder.since) if holder is not None else None
        ownership = AlertOwnership(owners, on_it)
        parent = await self._silent_parent(thread, ownership)
        if parent is None and attempt is not None:
            diagnosis = await self._diagnoser.one(attempt.id)
            parent = failure_parent(attempt, diagnosis, console=self._console, ownership=ownership)
        return OnItOutcome(thread.parent_ts, parent, reply)

    async def _silent_parent(self, thread: ThreadRef, ownership: AlertOwnership) -> Message | None:
        """The parent of a running-long or late thread, as its alert's claim words it."""
        if not thread_is_silent(thread):
            return None
        kind = SilentKind(thread.status)
        key = claim_key(alert_key(kind, thread.session_id, thread.attempt_id or None))
        claim = await self._store.claim_of(thread.channel_id, key)
        if claim is None or claim.payload is None:
            return None
        finding = load_finding(claim.payload)
        return silent_parent(finding, console=self._console, ownership=ownership)
