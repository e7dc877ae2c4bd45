"""Buttons: Diagnose and Mute answer in the message's thread; Retry and Kill act in TD.

Every click is acked at once and worked on in a background task. Retry and
Kill go through ``ActionService``: the admin check comes first (anyone else is
told so privately, and TD sees no request), then the clicker's rate limit, then
the action under the button's key (``action_key_for_button``), so a double
click or a re-delivered click acts once. The clicker is answered privately;
when TD was changed (or may have been), the audit line goes into the
message's thread for everyone. Answers and alerts carry the same buttons
(``bot.buttons``): one listener per action id, one value format.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.actions import action_key_for_button
from bot.alerts.on_it import Press
from bot.answers import RequestContext
from bot.answers.admin import action_of
from bot.buttons import ActionId, alert_of, command_of
from bot.commands import Kill, KillJob, Retry, RunBackfill, command_text
from bot.message import Message
from bot.notify import NotifyError
from bot.present.actions import audit_reply, followed_end, outcome_reply
from bot.present.problems import not_available, rate_limited
from bot.slack import files
from bot.slack.deps import SlackDeps

log = logging.getLogger("bot.slack")

# Answered in the message's thread, or acting in TD.
_ANSWERING = (ActionId.DIAGNOSE, ActionId.MUTE)
_ACTING = (ActionId.RETRY_FAILED, ActionId.RETRY_QUEUED, ActionId.KILL, ActionId.BACKFILL)
_ON_IT = {
    ActionId.ON_IT: Press.TAKE,
    ActionId.RELEASE: Press.RELEASE,
    ActionId.TAKE_OVER: Press.TAKE_OVER,
}

# Slack cannot post into a thread of a channel the bot is not in; answer in place then.
_NOT_POSTABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
_BROKEN = Message(
    title="This button could not be read",
    text="tdbot could not read this button's target; nothing was done.",
    emoji=":warning:",
    sections=("tdbot could not read this button's target, so nothing was done.",),
    private=True,
)


@dataclass(frozen=True)
class Click:
    """One button press, from Slack's ``block_actions`` payload."""

    action_id: str
    value: str
    user_id: str
    channel_id: str
    message_ts: str
    # The thread the message is in (or starts); None for an ephemeral message.
    thread_ts: str | None
    ephemeral: bool
    response_url: str | None

    @classmethod
    def of(cls, body: dict[str, Any], action: dict[str, Any]) -> Click:
        container = body.get("container") or {}
        message = body.get("message") or {}
        ephemeral = bool(container.get("is_ephemeral"))
        message_ts = str(container.get("message_ts") or message.get("ts") or "")
        thread_ts = None if ephemeral else (message.get("thread_ts") or message_ts or None)
        return cls(
            action_id=str(action.get("action_id", "")),
            value=str(action.get("value", "")),
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=str(
                (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
            ),
            message_ts=message_ts,
            thread_ts=thread_ts,
            ephemeral=ephemeral,
            response_url=body.get("response_url"),
        )

    @property
    def context(self) -> RequestContext:
        return RequestContext(self.user_id, self.channel_id, thread_ts=self.thread_ts)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_link(ack: AsyncAck) -> None:
        await ack()

    async def on_answer(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        click = Click.of(body, action)
        deps.tasks.spawn(_answer(deps, click), name=f"td-button-{click.action_id}")

    async def on_act(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        click = Click.of(body, action)
        deps.tasks.spawn(_act(deps, click), name=f"td-button-{click.action_id}")

    async def on_it(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        click = Click.of(body, action)
        deps.tasks.spawn(_on_it(deps, click), name=f"td-button-{click.action_id}")

    app.action(re.compile(r"^tdbot\.link\.\d+$"))(on_link)
    for action_id in _ON_IT:
        app.action(action_id.value)(on_it)
    for action_id in _ANSWERING:
        app.action(action_id.value)(on_answer)
    for action_id in _ACTING:
        app.action(action_id.value)(on_act)


async def _answer(deps: SlackDeps, click: Click) -> None:
    """Diagnose or Mute: the answer goes into the thread, for everyone in it."""
    command = command_of(click.action_id, click.value)
    if command is None:
        log.warning("%s button with a bad value: %.200r", click.action_id, click.value)
        await tell(deps, click, _BROKEN)
        return
    reply = await deps.answer(command, click.context)
    if reply.private or click.ephemeral or click.thread_ts is None:
        await tell(deps, click, reply, public=not reply.private)
        return
    try:
        await deps.notifier.post(click.channel_id, reply, thread=click.thread_ts)
    except NotifyError as refused:
        if refused.error in _NOT_POSTABLE:
            await tell(deps, click, reply, public=True)
        return
    missing = await files.share(deps, click.channel_id, reply, thread_ts=click.thread_ts)
    if missing is not None:
        await tell(deps, click, missing)


async def _act(deps: SlackDeps, click: Click) -> None:
    """Retry or Kill: admins only, once per button; the clicker is told, the thread sees it."""
    command = command_of(click.action_id, click.value)
    if not isinstance(command, Retry | Kill | KillJob | RunBackfill):
        log.warning("%s button with a bad value: %.200r", click.action_id, click.value)
        await tell(deps, click, _BROKEN)
        return
    await carry_out(deps, click, command)


async def carry_out(
    deps: SlackDeps, click: Click, command: Retry | Kill | KillJob | RunBackfill
) -> None:
    """Act once per ``click`` (its message and action id make the key): admin check,
    rate limit, the action, the clicker told, the thread's audit line, the watches."""
    name = command_text(command).split()[0] + "_button"
    if deps.actions is None:
        deps.count(name, "unavailable")
        await tell(deps, click, not_available(command_text(command).split()[0]))
        return
    # Admins only are held to the rate: for anyone else nothing reaches TD anyway.
    too_fast = (
        await deps.allowed(click.user_id, command)
        if deps.actions.authorize(click.user_id)
        else None
    )
    if too_fast is not None:
        deps.count(name, "rate_limited")
        await tell(deps, click, rate_limited(too_fast))
        return
    _, target_id = action_of(command)
    outcome = await deps.actions.perform(
        command,
        click.user_id,
        channel_id=click.channel_id,
        thread_ts=click.thread_ts,
        action_key=action_key_for_button(
            channel_id=click.channel_id,
            message_ts=click.message_ts,
            action_id=click.action_id,
            target_id=target_id,
        ),
    )
    deps.count(name, outcome.kind.value)
    log.info(
        "%s %s by %s in %s: %s",
        name,
        target_id,
        click.user_id,
        click.channel_id,
        outcome.kind.value,
    )
    # An ephemeral confirmation has done its job: the outcome takes its place.
    await tell(deps, click, outcome_reply(outcome), replace=click.ephemeral)
    audit_ts: str | None = None
    if outcome.announce:
        with contextlib.suppress(NotifyError):  # logged and counted by the notifier
            audit_ts = await deps.notifier.post(
                click.channel_id, audit_reply(outcome), thread=click.thread_ts
            )
    for attempt_id in outcome.watch_attempt_ids:
        # How each new attempt ends goes into the thread: the one clicked in, or the audit
        # line's own when the click came from a confirmation seen only by the clicker.
        await deps.actions.watch(
            attempt_id,
            channel_id=click.channel_id,
            thread_ts=click.thread_ts or audit_ts,
            user_id=click.user_id,
        )
    if outcome.follow_attempt_id is not None:
        # TD carries a kill out later than it accepts it: tell the thread how it ended.
        attempt = await deps.actions.follow_attempt(outcome.follow_attempt_id)
        with contextlib.suppress(NotifyError):
            await deps.notifier.post(
                click.channel_id, followed_end(attempt), thread=click.thread_ts
            )


async def _on_it(deps: SlackDeps, click: Click) -> None:
    """I'm on it, Release, Take it over: the parent is edited, the thread hears of a takeover."""
    attempt_id = alert_of(click.value)
    if attempt_id is None:
        log.warning("%s button with a bad value: %.200r", click.action_id, click.value)
        await tell(deps, click, _BROKEN)
        return
    if deps.on_it is None:
        await tell(deps, click, not_available("I'm on it"))
        return
    press = _ON_IT[ActionId(click.action_id)]
    outcome = await deps.on_it.press(
        press, channel=click.channel_id, user=click.user_id, attempt_id=attempt_id
    )
    deps.count(f"{press.value}_button", "refused" if outcome.private else "ok")
    if outcome.private is not None:
        await tell(deps, click, outcome.private)
    if outcome.parent_ts is None:
        return
    with contextlib.suppress(NotifyError):  # logged and counted by the notifier
        if outcome.parent is not None:
            await deps.notifier.update(click.channel_id, outcome.parent_ts, outcome.parent)
        if outcome.thread is not None:
            await deps.notifier.post(click.channel_id, outcome.thread, thread=outcome.parent_ts)


async def tell(
    deps: SlackDeps, click: Click, reply: Message, *, public: bool = False, replace: bool = False
) -> None:
    """Answer the clicker through ``response_url``, or ``chat.postEphemeral`` if that fails."""
    if click.response_url and await deps.notifier.respond(
        click.response_url, reply, public=public, replace_original=replace
    ):
        return
    with contextlib.suppress(NotifyError):  # logged and counted by the notifier
        await deps.notifier.ephemeral(click.channel_id, click.user_id, reply)
