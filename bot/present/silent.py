"""Silent-failure alerts as Message values: the short parent of each kind, its
resolved form, the thread reply saying how it ended, and digest lines.

A parent names the kind in its first words, then the project/workflow, the
session (or slot) time and the facts that make it an alert, the owners (never
once resolved), and buttons: I'm on it (where the thread belongs to a session),
Mute 4h, the console link (the attempt; with no run, the workflow); a run that runs
long, or is late while running, names its running task and carries a kill button (the
TD job that task polls, else the attempt; admins only) and both commands. Every
TD text goes through ``bot.message.mrkdwn``; parents stay within ``PARENT_VISIBLE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.actions import Target
from bot.buttons import action_button, mute_button, on_it_button
from bot.message import Button, Link, Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.present.digest import NOBODY, AlertOwnership, batches, digest_message, ownership_lines
from bot.present.silent_facts import facts_lines, headline, live_tasks, resolved_line
from bot.silent.findings import Finding, Resolved, ResolvedHow, SilentKind
from bot.store import ActionKind
from bot.td import urls
from bot.text import secret_param_values

TITLES = {
    SilentKind.RUNNING_LONG: "Running long",
    SilentKind.LATE: "Late",
    SilentKind.NOT_STARTED: "Not started",
    SilentKind.SCHEDULE_DISABLED: "Schedule disabled",
}
EMOJI = {
    SilentKind.RUNNING_LONG: ":hourglass_flowing_sand:",
    SilentKind.LATE: ":alarm_clock:",
    SilentKind.NOT_STARTED: ":double_vertical_bar:",
    SilentKind.SCHEDULE_DISABLED: ":no_entry:",
}
_ENDED = {
    ResolvedHow.SUCCEEDED: ":white_check_mark:",
    ResolvedHow.STARTED: ":arrow_forward:",
    ResolvedHow.ENABLED: ":white_check_mark:",
    ResolvedHow.FAILED: ":x:",
    ResolvedHow.GONE: ":wastebasket:",
}
_WHERE_CHARS = 120


@dataclass(frozen=True)
class SilentDigest:
    findings: tuple[Finding, ...]
    message: Message


def silent_parent(
    finding: Finding,
    *,
    console: str | None,
    ownership: AlertOwnership = NOBODY,
    resolved: Resolved | None = None,
) -> Message:
    """The short parent of a silent-failure thread (``resolved``: its edited form)."""
    secrets = _secrets(finding)
    sections = list(facts_lines(finding, secrets, live=resolved is None))
    if resolved is not None:
        sections.insert(0, resolved_line(resolved, finding))
        title = f"{TITLES[finding.kind]} (ended): {_where(finding)}"
        emoji = _ENDED[resolved.how]
    else:
        sections += ownership_lines(ownership)
        title = f"{TITLES[finding.kind]}: {_where(finding)}"
        emoji = EMOJI[finding.kind]
    return Message(
        title=title,
        text=headline(finding) if resolved is None else f"{headline(finding)}; {resolved.how}",
        emoji=emoji,
        sections=tuple(sections),
        context=_context(finding, console),
        links=_console_link(finding, console),
        buttons=() if resolved is not None else _buttons(finding, ownership),
        secrets=secrets,
    )


def silent_reply(finding: Finding, *, console: str | None) -> Message:
    """The alert as a reply, when its thread already exists (a retry that runs long too,
    a session late after it ran long): shown in the channel as well."""
    parent = silent_parent(finding, console=console)
    return replace(parent, header=False, broadcast=True, buttons=_buttons(finding, NOBODY))


def resolved_reply(resolved: Resolved, finding: Finding) -> Message:
    """The thread reply that says how a silent failure ended."""
    return Message(
        title=f"{TITLES[resolved.kind]}: ended",
        text=f"{resolved.project}/{resolved.workflow}: {headline(finding)}; {resolved.how}",
        emoji=_ENDED[resolved.how],
        header=False,
        sections=(resolved_line(resolved, finding),),
        secrets=_secrets(finding),
    )


def silent_digests(
    findings: Sequence[Finding], *, console: str | None, owners: Sequence[str] = ()
) -> list[SilentDigest]:
    """Many silent failures for one channel in one round: a line each, few messages."""
    lines = [_digest_line(f, console) for f in findings]
    digests: list[SilentDigest] = []
    for span in batches(lines):
        batch = [findings[i] for i in span]
        title = f"{fmt.plural(len(batch), 'silent failure')} in workflow runs"
        message = digest_message(
            title=title,
            names=[_where(f) for f in batch],
            emoji=":warning:",
            lines=[lines[i] for i in span],
            owners=owners,
            context="How each ends is posted in this thread.",
            secrets=tuple(s for f in batch for s in _secrets(f)),
        )
        digests.append(SilentDigest(tuple(batch), message))
    return digests


# ------------------------------------------------------------------ pieces


def _digest_line(finding: Finding, console: str | None) -> str:
    name = md.text(_where(finding), _WHERE_CHARS, secrets=_secrets(finding))
    found = _console_url(finding, console)
    if found is not None:
        name = md.link(found[1], _where(finding))
    when = finding.session_time.strftime("%m-%d %H:%M") if finding.session_time else "-"
    return f"{EMOJI[finding.kind]} {TITLES[finding.kind]} · {name} · {md.text(when, 20)}"


def _where(finding: Finding) -> str:
    return f"{finding.project}/{finding.workflow}"


def _secrets(finding: Finding) -> tuple[str, ...]:
    return tuple(secret_param_values(finding.attempt.params)) if finding.attempt else ()


def _context(finding: Finding, console: str | None) -> tuple[str, ...]:
    a = finding.attempt
    if not console or a is None:
        return ()
    return (md.link(urls.session_url(console, a.session_id), f"Session {a.session_id}"),)


def _console_url(finding: Finding, console: str | None) -> tuple[str, str] | None:
    """The console page of what the alert is about, with its label: the attempt, or
    the workflow when there is no run (not started, disabled); None when neither is known."""
    a = finding.attempt
    if not console:
        return None
    if a is not None and a.workflow.id:
        url = urls.attempt_url(console, a.workflow.id, a.session_id, a.id)
        return "Open in TD console", url
    if finding.workflow_id:
        return "Open workflow in TD console", urls.workflow_url(console, finding.workflow_id)
    return None


def _console_link(finding: Finding, console: str | None) -> tuple[Link, ...]:
    if not console:
        return ()
    found = _console_url(finding, console)
    # A finding stored before it carried its workflow id: the console's front page.
    label, url = found if found is not None else ("Open TD console", console)
    return (Link(label, url),)


def _buttons(finding: Finding, ownership: AlertOwnership) -> tuple[Button, ...]:
    a = finding.attempt
    buttons: list[Button] = []
    # I'm on it finds its thread by the attempt's session, or else by the subject.
    if a is not None and a.session_id == finding.subject:
        buttons.append(on_it_button(a.id, taken=ownership.on_it is not None))
    elif a is None:
        buttons.append(on_it_button(finding.subject, taken=ownership.on_it is not None))
    buttons.append(mute_button(finding.project, finding.workflow))
    tasks = live_tasks(finding.facts)
    if tasks is not None and a is not None:
        # One kill button per message (one action id): the runaway query when there is
        # one, else the attempt; the parent's text gives the command for the other.
        jobs = [t.job_id for t in tasks if t.job_id]
        target = Target(id=jobs[0]) if jobs else Target.from_attempt(a)
        buttons.append(action_button(ActionKind.KILL_JOB if jobs else ActionKind.KILL, target))
    return tuple(buttons)
