"""The small formatters behind every reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.message import mrkdwn
from bot.present import format as fmt


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (-1, "-"), (0, "0s"), (59.4, "59s"), (61, "1m 01s"), (3725, "1h 02m")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert fmt.duration(seconds) == text


def test_duration_in_days() -> None:
    assert fmt.duration(timedelta(days=2, hours=5).total_seconds()) == "2d 5h"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), (0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (5 * 1024**3, "5.0 GB")],
)
def test_size(value: int | None, text: str) -> None:
    assert fmt.size(value) == text


def test_sparkline_scales_between_min_and_max_and_marks_unknowns() -> None:
    assert fmt.sparkline([1, 8, None, 4.5]) == "▁█ ▅"
    assert fmt.sparkline([5, 5]) == "▁▁"
    assert fmt.sparkline([None, None]) == "  "
    assert fmt.sparkline([]) == ""


def test_span_runs_to_now_while_unfinished() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    now = start + timedelta(minutes=3)
    assert fmt.span(start, None, now) == 180
    assert fmt.span(start, start + timedelta(seconds=5), now) == 5
    assert fmt.span(None, None, now) is None


def test_slack_time_has_a_utc_fallback() -> None:
    when = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert fmt.slack_time(when) == (
        f"<!date^{int(when.timestamp())}^{{date_num}} {{time_secs}}|2024-05-01 10:00:00 UTC>"
    )
    assert fmt.slack_time(None) == "-"


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "https://x.example/a|<!channel>",
        "https://x.example/a b",
        "ftp://x.example/",
        "https://",
    ],
)
def test_checked_url_refuses_what_could_break_a_message(url: str | None) -> None:
    assert mrkdwn.checked_url(url) is None


def test_checked_url_host_allow_list() -> None:
    url = "https://console.treasuredata.com/app/jobs/1"
    assert mrkdwn.checked_url(url, ["treasuredata.com"]) == url
    assert mrkdwn.checked_url("https://evil.example/app/jobs/1", ["treasuredata.com"]) is None
    assert (
        mrkdwn.checked_url("https://treasuredata.com.evil.example/", ["treasuredata.com"]) is None
    )


def test_link_escapes_the_label_and_falls_back_to_text() -> None:
    assert mrkdwn.link("https://x.example/?a=1&b=2", "<b>") == (
        "<https://x.example/?a=1&amp;b=2|&lt;b&gt;>"
    )
    assert mrkdwn.link("javascript:x", "<!here>") == "&lt;!here&gt;"


def test_pack_keeps_lines_whole_within_the_limit() -> None:
    lines = [f"line {i:03d}" for i in range(100)]
    packed = mrkdwn.pack(lines, limit=100)
    assert all(len(section) <= 100 for section in packed)
    assert "\n".join(packed).split("\n") == lines
