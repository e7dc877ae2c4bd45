"""The largest board there can be still fits a Home view: every section full, long names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from bot.board import Board, BoardHealth, Listing, Section
from bot.present import silent
from bot.present.home import HOME_BLOCKS_AT_MOST, SHOWN, home_message, thread_url
from bot.render import TerminalStyle, render_console, render_home
from bot.silent.findings import SilentKind, schedule_subject, slot_subject
from bot.store import OpenAlert, Subscription

NOW = datetime(2026, 12, 1, tzinfo=UTC)
LONG = "w" * 250  # a name as long as the store keeps


def _alert(status: str, i: int) -> OpenAlert:
    return OpenAlert(
        channel_id="C0ALERTS01", session_id=str(i), parent_ts=f"1700000000.{i:06d}",
        status=status, attempt_id=str(i), project=LONG, workflow=LONG,
        since=NOW - timedelta(hours=i), holder="U0ONCALL1", holder_since=NOW,
    )  # fmt: skip


def test_the_largest_board_fits_in_100_blocks() -> None:
    listings = {
        s: Listing(tuple(_alert(s.value, i) for i in range(SHOWN[s] + 5)), 10_000) for s in Section
    }
    scopes = tuple(
        Subscription(f"C{c:08d}", LONG, f"{LONG}{i}", 2, "U1", NOW)
        for c in range(40)
        for i in range(10)
    )
    board = Board(
        user_id="U0LEAD001", now=NOW, listings=listings, scopes=scopes,
        health=BoardHealth(NOW, poll_failing=True, td_reachable=False, poll_stale=True),
        workspace_url="https://acme.slack.com/",
    )  # fmt: skip
    view = render_home(home_message(board))  # slack_sdk's View checks every limit
    assert HOME_BLOCKS_AT_MOST <= 100
    assert len(view["blocks"]) <= HOME_BLOCKS_AT_MOST
    shown = str(view)
    assert "and 9,960 more failing workflows" in shown and "and 25 more channels" in shown
    assert "older than it should be" in shown and "the latest poll failed" in shown
    assert "TD not reachable" in shown


def test_a_thread_link_is_the_permalink_slack_would_give() -> None:
    url = thread_url("https://acme.slack.com/", "C0ALERTS01", "1700000000.000100")
    assert url == "https://acme.slack.com/archives/C0ALERTS01/p1700000000000100"
    assert thread_url(None, "C0ALERTS01", "1700000000.000100") is None
    assert thread_url("javascript:alert(1)", "C0ALERTS01", "1700000000.000100") is None


def _healthy_board(listings: dict[Section, Listing]) -> Board:
    health = BoardHealth(NOW, poll_failing=False, td_reachable=True, poll_stale=False)
    return Board("U0LEAD001", NOW, listings, (), health, None)


def test_a_row_without_a_session_names_its_scheduled_run_or_schedule() -> None:
    # A not-started or disabled alert has no session: "session slot:71015:…" reads as garbage.
    slot, disabled = NOW - timedelta(hours=1), NOW - timedelta(days=2)
    rows = {
        Section.NOT_STARTED: slot_subject("71015", slot),
        Section.SCHEDULE_DISABLED: schedule_subject("71016", disabled),
        Section.FAILING: "98800890",
    }
    listings = {
        s: Listing(
            (replace(_alert(s.value, 1), session_id=rows[s]),) if s in rows else (), int(s in rows)
        )
        for s in Section
    }
    board = _healthy_board(listings)
    lines = render_console(home_message(board), TerminalStyle(width=1000))
    shown = "\n".join(lines)
    assert "slot:" not in shown and "schedule:" not in shown
    [not_started] = [line for line in lines if "scheduled run" in line]
    assert f"scheduled run {slot:%Y-%m-%d %H:%M}" in not_started and "session" not in not_started
    [off] = [line for line in lines if "schedule 71016" in line]
    assert f"disabled {disabled:%Y-%m-%d %H:%M}" in off and "session" not in off
    assert "session 98800890" in shown


def test_each_silent_kind_has_the_same_emoji_on_the_board_as_in_its_alert() -> None:
    # ⛔ on the board meant "not started" while the alert used it for "schedule disabled".
    listings = {s: Listing((), 0) for s in Section}
    board = _healthy_board(listings)
    headings = home_message(board).sections
    for kind in SilentKind:
        [heading] = [h for h in headings if h.startswith(f"{silent.EMOJI[kind]} ")]
        assert heading.startswith(f"{silent.EMOJI[kind]} *{silent.TITLES[kind].split()[0]}")


def test_every_open_alert_nobody_claimed_says_so() -> None:
    # Each kind carries I'm on it: a silent alert nobody took is as unowned as a failure.
    listings = {
        s: Listing((replace(_alert(s.value, 1), holder=None, holder_since=None),), 1)
        for s in Section
    }
    board = _healthy_board(listings)
    rows = [line for line in home_message(board).sections if "since" in line]
    assert len(rows) == len(Section)
    assert all("nobody on it" in row for row in rows)


def test_a_failing_run_is_named_by_its_session_time_and_says_when_it_failed() -> None:
    # The 3 a.m. question: which run (as TD names it, in the workflow's zone), when it failed.
    tokyo = timezone(timedelta(hours=9))
    recorded = replace(
        _alert("failing", 3),
        session_id="98800890",
        session_time=datetime(2026, 12, 1, 2, 0, tzinfo=tokyo),
        failed_at=NOW - timedelta(hours=2, minutes=19),
        holder=None,
        holder_since=None,
    )
    older = replace(_alert("failing", 1), session_id="98800777", holder=None, holder_since=None)
    board = _healthy_board(
        {s: Listing((recorded, older) if s is Section.FAILING else (), 2 * (s is Section.FAILING))
         for s in Section}
    )  # fmt: skip
    lines = render_console(home_message(board), TerminalStyle(width=1000))
    [line] = [x for x in lines if "2026-12-01 02:00 +09:00 session" in x]
    assert "98800890" not in line  # the run, not a bare session id
    failed = NOW - timedelta(hours=2, minutes=19)
    assert f"failed {failed:%Y-%m-%d %H:%M}" in line and "(2h 19m ago)" in line
    assert "since" not in line
    # Recorded before the session time was kept: the session id and the alert's time, as before.
    [before] = [x for x in lines if "98800777" in x]
    assert "session 98800777" in before and "since" in before and "failed" not in before
