"""The App Home board as one Message: a heading and one section per open alert, per section.

Every section is shown, an empty one as "nothing" in one line. Each shows at
most a few alerts (the oldest first) and says how many more there are, so the
whole board stays within a Home view's 100 blocks however much is broken:
``HOME_BLOCKS_AT_MOST`` is what the largest board takes.

The names come from the store, which copied them from TD: they go in through
``bot.message.mrkdwn``, and the message also masks the secret params of every
attempt this process has read (it has no attempt of its own to ask).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.actions import session_time_text
from bot.board import STATUS_SECTIONS, Board, BoardHealth, Listing, Section
from bot.message import Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.present.silent import EMOJI as KIND_EMOJI
from bot.silent.findings import SilentKind, schedule_subject_of
from bot.store import ALL_PROJECTS, OpenAlert, Subscription
from bot.text import SECRETS_SEEN

SHOWN: Mapping[Section, int] = {
    Section.FAILING: 40,
    Section.RUNNING_LONG: 8,
    Section.LATE: 8,
    Section.NOT_STARTED: 8,
    Section.SCHEDULE_DISABLED: 8,
}
SCOPE_CHANNELS = 15  # channels whose scopes are listed; the rest are counted
SCOPES_PER_CHANNEL = 5  # scopes listed per channel, the rest counted: a line stays < 1,000
SCOPE_BLOCKS = 5  # 15 such lines packed into sections of 3,000 characters take at most 5

HEADINGS: Mapping[Section, tuple[str, str, str]] = {
    # emoji (a silent kind's is its alert's), heading, what "and N more ..." counts
    Section.FAILING: (":rotating_light:", "Failing now", "failing workflows"),
    Section.RUNNING_LONG: (KIND_EMOJI[SilentKind.RUNNING_LONG], "Running long", "long runs"),
    Section.LATE: (KIND_EMOJI[SilentKind.LATE], "Late", "late workflows"),
    Section.NOT_STARTED: (
        KIND_EMOJI[SilentKind.NOT_STARTED],
        "Not started",
        "workflows not started",
    ),
    Section.SCHEDULE_DISABLED: (
        KIND_EMOJI[SilentKind.SCHEDULE_DISABLED],
        "Schedules disabled",
        "disabled schedules",
    ),
}

# Header, per section a heading, its alerts and a "more" line, the scopes (heading,
# packed sections, a "more" line), health (heading, one line), the footnote.
HOME_BLOCKS_AT_MOST = 1 + sum(n + 2 for n in SHOWN.values()) + (SCOPE_BLOCKS + 2) + 2 + 1


def home_message(board: Board) -> Message:
    sections = [
        *(line for section in Section for line in _section(board, section)),
        *_scopes(board.scopes),
        *_health(board.health, board.now),
    ]
    counts = ", ".join(f"{HEADINGS[s][1].lower()}: {board.listings[s].total}" for s in Section)
    return Message(
        title="tdbot: what is open now",
        text=f"tdbot: {counts}.",
        emoji=":bar_chart:",
        sections=tuple(sections),
        context=(
            "Alerts and scopes of the channels you are in with tdbot, oldest first. "
            f"As of {fmt.slack_time(board.now)}; reopen the tab to refresh.",
        ),
        secrets=SECRETS_SEEN.values(),
    )


def home_unavailable(reason: str) -> Message:
    """The Home tab when the board cannot be read (``reason``: tdbot's own words)."""
    return Message(
        title="tdbot: the board is not available",
        text=f"The board could not be read: {reason}",
        emoji=":warning:",
        sections=(f"The board could not be read: {md.text(reason, 300)}",),
        context=("Reopen the tab to try again.",),
    )


def _heading(emoji: str, words: str, total: int | None = None) -> str:
    return f"{emoji} *{words}*" + ("" if total is None else f" ({total:,})")


def _section(board: Board, section: Section) -> Iterable[str]:
    emoji, words, what = HEADINGS[section]
    listing: Listing = board.listings[section]
    yield _heading(emoji, words, listing.total)
    shown = listing.alerts[: SHOWN[section]]
    if not shown:
        yield "_nothing_"
        return
    for alert in shown:
        yield _alert_line(alert, board)
    more = listing.total - len(shown)
    if more > 0:
        yield f"_and {more:,} more {what}_"


def _alert_line(alert: OpenAlert, board: Board) -> str:
    name = md.text(f"{alert.project}/{alert.workflow}", 150)
    parts = [f"*{name}*", _subject(alert.session_id, alert.session_time)]
    if alert.failed_at is not None and STATUS_SECTIONS.get(alert.status) is Section.FAILING:
        ago = fmt.duration(_age(alert.failed_at, board.now))
        parts.append(f"failed {fmt.slack_time(alert.failed_at)} ({ago} ago)")
    else:  # recorded before the failure time was kept, or not a failure
        parts.append(
            f"since {fmt.slack_time(alert.since)} ({fmt.duration(_age(alert.since, board.now))})"
        )
    if alert.holder is not None and alert.holder_since is not None:
        held = fmt.duration(_age(alert.holder_since, board.now))
        parts.append(f":eyes: {_person(alert.holder)} on it for {held}")
    else:
        parts.append("nobody on it")
    where = md.channel(alert.channel_id)
    url = thread_url(board.workspace_url, alert.channel_id, alert.parent_ts)
    parts.append(f"{where} {md.link(url, 'alert thread')}" if url else where)
    return " · ".join(parts)


def _subject(subject: str, session_time: datetime | None) -> str:
    """What the alert is about: its run (the session's time as TD shows it; the session id
    when no time was recorded), or the scheduled run or schedule of one with no session."""
    schedule = schedule_subject_of(subject)
    if schedule is None:
        if session_time is not None:
            return f"{session_time_text(session_time)} session"
        return f"session {md.code(subject, 30)}"
    if schedule.prefix == "slot":
        return f"scheduled run {fmt.slack_time(schedule.at)}"
    return f"schedule {md.code(schedule.schedule_id, 30)} disabled {fmt.slack_time(schedule.at)}"


def thread_url(workspace_url: str | None, channel_id: str, ts: str) -> str | None:
    """The permalink of a thread's parent message, as ``chat.getPermalink`` writes it.

    Built rather than asked for: one Web API call per alert per open would cost
    more than the rest of the board.
    """
    base = md.checked_url(workspace_url)
    if base is None:
        return None
    return f"{base.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"


def _person(user_id: str) -> str:
    try:
        return md.mention(user_id)
    except ValueError:  # only Slack ids are stored; anything else is shown, not pinged
        return md.text(user_id, 40)


def _scopes(scopes: tuple[Subscription, ...]) -> Iterable[str]:
    yield _heading(":card_index_dividers:", "Your channels' scopes")
    by_channel: dict[str, list[Subscription]] = {}
    for sub in scopes:
        by_channel.setdefault(sub.channel_id, []).append(sub)
    if not by_channel:
        yield "_nothing: none of your channels is subscribed (`/td subscribe` in one)_"
        return
    lines = [
        f"{md.channel(channel)}: {_scope_list(subs)}"
        for channel, subs in list(by_channel.items())[:SCOPE_CHANNELS]
    ]
    yield from md.pack(lines)
    more = len(by_channel) - SCOPE_CHANNELS
    if more > 0:
        yield f"_and {more:,} more channels_"


def _scope_list(subs: list[Subscription]) -> str:
    words = []
    for sub in subs[:SCOPES_PER_CHANNEL]:
        scope = "every project" if sub.project == ALL_PROJECTS else sub.project
        if sub.workflow is not None:
            scope = f"{sub.project}/{sub.workflow}"
        after = f" (after {sub.threshold} failures)" if sub.threshold > 1 else ""
        words.append(md.code(scope, 120) + after)
    more = len(subs) - SCOPES_PER_CHANNEL
    return ", ".join(words) + (f" and {more} more" if more > 0 else "")


def _health(health: BoardHealth, now: datetime) -> Iterable[str]:
    yield _heading(":stethoscope:", "Health")
    if health.last_poll is None:
        poll = ":warning: no successful poll yet"
    else:
        ago = fmt.duration(_age(health.last_poll, now))
        poll = f"last successful poll {fmt.slack_time(health.last_poll)} ({ago} ago)"
    if health.poll_stale:
        poll += ", :warning: older than it should be"
    if health.poll_failing:
        poll += ", :warning: the latest poll failed"
    td = {
        True: ":white_check_mark: TD reachable",
        False: ":x: TD not reachable",
        None: ":grey_question: TD not checked",
    }[health.td_reachable]
    yield f"{poll} · {td}"


def _age(since: datetime, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds())
