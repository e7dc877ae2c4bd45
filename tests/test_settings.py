from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings import SettingsError, load_settings

KEY = "1234/" + "0123456789abcdef" * 2 + "01234567"
GOOD = {
    "TD_API_KEY": KEY,
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "s3cr3t",
}


def test_defaults_follow_the_interface() -> None:
    settings = load_settings(GOOD)
    assert settings.td.api == "https://api.treasuredata.com"
    assert settings.td.workflow == "https://api-workflow.treasuredata.com"
    assert settings.td.console == "https://console.treasuredata.com"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.poll_seconds == 60.0
    assert settings.admins == frozenset()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert not settings.socket_mode


def test_secrets_stay_out_of_the_repr() -> None:
    text = repr(load_settings({**GOOD, "SLACK_APP_TOKEN": "xapp-1-xyz"}))
    for secret in (KEY, "xoxb-1-2-abc", "s3cr3t", "xapp-1-xyz"):
        assert secret not in text


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "TD_API_KEY": "not-a-key",
                "TD_API_SERVER": "ftp://example.com",
                "SLACK_BOT_TOKEN": "xoxp-user-token",
                "SLACK_APP_TOKEN": "bad",
                "TDBOT_POLL_SECONDS": "soon",
                "TDBOT_ADMINS": "U123ABC, bob",
            }
        )
    problems = "\n".join(caught.value.problems)
    assert "TD_API_KEY does not look like a TD API key" in problems
    assert "not an http(s) URL" in problems
    assert "SLACK_BOT_TOKEN must start with 'xoxb-'" in problems
    assert "SLACK_APP_TOKEN must start with 'xapp-'" in problems
    assert "TDBOT_POLL_SECONDS must be a number" in problems
    assert "'bob' is not a Slack user ID" in problems
    assert len(caught.value.problems) == 6


def test_missing_values_name_the_variable() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    problems = caught.value.problems
    assert any(p.startswith("TD_API_KEY is required") for p in problems)
    assert any(p.startswith("SLACK_BOT_TOKEN is required") for p in problems)
    assert any(p.startswith("SLACK_SIGNING_SECRET is required in HTTP mode") for p in problems)


def test_socket_mode_needs_no_signing_secret_but_http_mode_does() -> None:
    env = {**GOOD, "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1-xyz"}
    assert load_settings(env).socket_mode
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings(env, http_mode=True)


def test_plain_http_servers_and_explicit_hosts_work() -> None:
    settings = load_settings(
        {
            **GOOD,
            "TD_API_SERVER": "http://127.0.0.1:8765",
            "TD_WORKFLOW_SERVER": "http://127.0.0.1:8765/",
            "SLACK_API_URL": "http://127.0.0.1:9000/api",
            "TDBOT_POLL_SECONDS": "0.5",
            "TDBOT_ADMINS": "U123ABC,W456DEF",
        }
    )
    assert settings.td.api == settings.td.workflow == "http://127.0.0.1:8765"
    assert settings.td.console == "http://127.0.0.1:8765"
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert settings.poll_seconds == 0.5
    assert settings.admins == {"U123ABC", "W456DEF"}


def test_a_loopback_api_server_without_workflow_server_is_refused() -> None:
    with pytest.raises(SettingsError, match="set TD_WORKFLOW_SERVER"):
        load_settings({**GOOD, "TD_API_SERVER": "http://127.0.0.1:8765"})


def test_rate_limit_and_retention_have_defaults_and_can_be_set() -> None:
    default = load_settings(GOOD)
    assert (default.rate_per_minute, default.rate_burst, default.retention_days) == (10.0, 5, 30)
    tuned = load_settings(
        {
            **GOOD,
            "TDBOT_RATE_PER_MINUTE": "2.5",
            "TDBOT_RATE_BURST": "3",
            "TDBOT_RETENTION_DAYS": "90",
        }
    )
    assert (tuned.rate_per_minute, tuned.rate_burst, tuned.retention_days) == (2.5, 3, 90)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TDBOT_RATE_PER_MINUTE", "0", "TDBOT_RATE_PER_MINUTE must be a number in (0, 60000]"),
        ("TDBOT_RATE_PER_MINUTE", "nan", "TDBOT_RATE_PER_MINUTE must be a number in (0, 60000]"),
        ("TDBOT_RATE_BURST", "2.5", "TDBOT_RATE_BURST must be a whole number in (0, 10000]"),
        ("TDBOT_RETENTION_DAYS", "-1", "TDBOT_RETENTION_DAYS must be a whole number in (0, 36500]"),
    ],
)
def test_nonsense_numbers_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, name: value})
    assert caught.value.problems == [f"{message}, got {value!r}"]


def test_pagerduty_settings() -> None:
    assert load_settings(GOOD).pagerduty_routing_key is None
    assert load_settings(GOOD).pagerduty_url == "https://events.pagerduty.com/v2/enqueue"
    routing_key = "R0UTINGKEY0123456789abcdef012345"
    settings = load_settings(
        {
            **GOOD,
            "TDBOT_PAGERDUTY_ROUTING_KEY": routing_key,
            "TDBOT_PAGERDUTY_URL": "http://127.0.0.1:9/v2/enqueue",
        }
    )
    assert settings.pagerduty_routing_key == routing_key
    assert settings.pagerduty_url == "http://127.0.0.1:9/v2/enqueue"
    assert routing_key not in repr(settings)
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, "TDBOT_PAGERDUTY_ROUTING_KEY": "short", "TDBOT_PAGERDUTY_URL": "x"})
    assert "TDBOT_PAGERDUTY_ROUTING_KEY" in str(caught.value)
    assert "TDBOT_PAGERDUTY_URL" in str(caught.value)


def test_schedule_reads_and_start_grace() -> None:
    defaults = load_settings(GOOD)
    assert defaults.schedule_seconds == 300.0
    assert defaults.start_grace == timedelta(minutes=30)
    tuned = load_settings({**GOOD, "TDBOT_SCHEDULE_SECONDS": "120", "TDBOT_START_GRACE": "1h30m"})
    assert tuned.schedule_seconds == 120.0
    assert tuned.start_grace == timedelta(minutes=90)
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, "TDBOT_SCHEDULE_SECONDS": "0", "TDBOT_START_GRACE": "soon"})
    problems = "\n".join(caught.value.problems)
    assert "TDBOT_SCHEDULE_SECONDS must be a number" in problems
    assert "TDBOT_START_GRACE must be a duration" in problems
