"""The largest board there can be still fits a Home view: every section full, long names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.board import Board, BoardHealth, Listing, Section
from bot.present.home import HOME_BLOCKS_AT_MOST, SHOWN, home_message, thread_url
from bot.render import render_home
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
