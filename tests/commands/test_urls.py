from __future__ import annotations

import pytest

from bot.commands import ConsoleLink, find_console_urls, parse_console_url

C = "https://console.treasuredata.com"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (f"{C}/app/jobs/123", ConsoleLink("job", "123")),
        (f"{C}/jobs/123", ConsoleLink("job", "123")),
        ("http://console.treasuredata.com/jobs/123", ConsoleLink("job", "123")),
        (f"{C}/app/jobs/0123/output", ConsoleLink("job", "123")),
        (f"{C}/app/workflows/sessions/45", ConsoleLink("session", "45")),
        (f"{C}/app/workflows/7/sessions/45", ConsoleLink("session", "45", workflow_id="7")),
        (
            f"{C}/app/workflows/7/sessions/45/attempt/89",
            ConsoleLink("attempt", "89", workflow_id="7", session_id="45"),
        ),
        (f"{C}/app/workflows/attempts/89", ConsoleLink("attempt", "89")),
        (f"{C}/app/attempts/89/", ConsoleLink("attempt", "89")),
        (f"{C}/app/workflows/7/info", ConsoleLink("workflow", "7")),
        (f"{C}/app/projects/3", ConsoleLink("project", "3")),
        (f"{C}/app/databases/x", ConsoleLink("page")),
        (f"{C}/app/jobs/99999999999999999999", ConsoleLink("page")),
        ("https://CONSOLE.TREASUREDATA.COM/app/jobs/1", ConsoleLink("job", "1")),
        ("https://console.us01.treasuredata.com/app/jobs/1", ConsoleLink("job", "1")),
        ("https://console.treasuredata.co.jp/app/jobs/1", ConsoleLink("job", "1")),
        ("https://console.eu01.treasuredata.com/app/jobs/1", ConsoleLink("job", "1")),
        ("https://console.ap02.treasuredata.com/app/jobs/1", ConsoleLink("job", "1")),
        ("https://console.ap03.treasuredata.com/app/jobs/1", ConsoleLink("job", "1")),
        ("https://console-development.treasuredata.com/app/jobs/1", ConsoleLink("job", "1")),
        ("console.treasuredata.com/app/jobs/1", ConsoleLink("job", "1")),
    ],
)
def test_console_urls(url: str, link: ConsoleLink) -> None:
    assert parse_console_url(url) == link


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/app/jobs/1",
        "https://console.treasuredata.com.evil.example/app/jobs/1",
        "https://evilconsole.treasuredata.com.example/app/jobs/1",
        "ftp://console.treasuredata.com/app/jobs/1",
        "https://api.treasuredata.com/v3/job/show/1",
        "http://[::1/app/jobs/1",
        "not a url",
    ],
)
def test_not_console_urls(url: str) -> None:
    assert parse_console_url(url) is None


def test_configured_base_with_and_without_a_path() -> None:
    assert parse_console_url("http://127.0.0.1:8123/app/jobs/5", "http://127.0.0.1:8123/") == (
        ConsoleLink("job", "5")
    )
    base = "http://127.0.0.1:8123/console"
    assert parse_console_url(f"{base}/app/jobs/5", base) == ConsoleLink("job", "5")
    assert parse_console_url("http://127.0.0.1:8123/other/app/jobs/5", base) is None
    assert parse_console_url("http://127.0.0.1:9999/app/jobs/5", base) is None
    # TD hosts stay accepted when a base is configured.
    assert parse_console_url(f"{C}/app/jobs/5", base) == ConsoleLink("job", "5")


def test_find_console_urls_in_mention_text() -> None:
    text = (
        f"<@U1> look at <{C}/app/jobs/1|this job>, and {C}/app/workflows/sessions/2. "
        f"Also ({C}/app/workflows/3/sessions/2/attempt/4)! {C}/app/jobs/1 again, "
        f"{C}/app/workflows/3/info and https://example.com/app/jobs/9"
    )
    assert find_console_urls(text) == [
        ConsoleLink("job", "1"),
        ConsoleLink("session", "2"),
        ConsoleLink("attempt", "4", workflow_id="3", session_id="2"),
    ]


def test_find_console_urls_on_the_configured_base() -> None:
    text = "see http://127.0.0.1:8123/app/jobs/7."
    assert find_console_urls(text) == []
    assert find_console_urls(text, "http://127.0.0.1:8123") == [ConsoleLink("job", "7")]
