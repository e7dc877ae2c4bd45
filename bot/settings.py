"""Settings from the environment, exactly as docs/interface (interface.md) names them.

Every problem is collected and reported together, one clear line per variable,
so an operator fixes a deployment in one go rather than one crash at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.durations import parse_duration
from bot.td.regions import Endpoints, derive_endpoints, normalize_base_url

_N = TypeVar("_N", int, float)
_API_KEY = re.compile(r"^(?:[1-9][0-9]*/)?[a-f0-9]{40}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
DEFAULT_API_SERVER = "https://api.treasuredata.com"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_RATE_PER_MINUTE = 10.0
DEFAULT_RATE_BURST = 5
DEFAULT_RETENTION_DAYS = 30
DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
DEFAULT_SCHEDULE_SECONDS = 300.0
DEFAULT_START_GRACE = timedelta(minutes=30)
_ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")


class SettingsError(ValueError):
    """Raised with every problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    td_api_key: str = field(repr=False)
    td: Endpoints
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str | None = field(repr=False)
    slack_api_url: str
    database_url: str
    poll_seconds: float
    admins: frozenset[str]
    rate_per_minute: float = DEFAULT_RATE_PER_MINUTE
    rate_burst: int = DEFAULT_RATE_BURST
    retention_days: int = DEFAULT_RETENTION_DAYS
    ops_channel: str | None = None  # told when the alert path breaks and recovers
    # PagerDuty Events API v2: without a routing key `escalate ... to pagerduty` is refused.
    pagerduty_routing_key: str | None = field(default=None, repr=False)
    pagerduty_url: str = DEFAULT_PAGERDUTY_URL
    timezone: str = "UTC"  # IANA zone of report schedules and of the days in reports
    # Silent failures: how often schedules are read, and how long past its run time an
    # enabled schedule may go without starting before a `not started` alert.
    schedule_seconds: float = DEFAULT_SCHEDULE_SECONDS
    start_grace: timedelta = DEFAULT_START_GRACE

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def default_database_url(cwd: Path | None = None) -> str:
    return f"sqlite+aiosqlite:///{(cwd or Path.cwd()) / 'tdbot.db'}"


def load_settings(env: Mapping[str, str] | None = None, *, http_mode: bool = False) -> Settings:
    """Read and validate the settings that ``tdbot serve`` needs."""
    env = os.environ if env is None else env
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    api_key = get("TD_API_KEY")
    if api_key is None:
        problems.append("TD_API_KEY is required (a Treasure Data API key, '<account>/<40 hex>')")
    elif not _API_KEY.match(api_key):
        problems.append(
            "TD_API_KEY does not look like a TD API key "
            "(expected '<account id>/<40 lowercase hex>')"
        )

    endpoints: Endpoints | None = None
    try:
        endpoints = derive_endpoints(
            get("TD_API_SERVER") or DEFAULT_API_SERVER,
            get("TD_WORKFLOW_SERVER"),
            get("TD_CONSOLE_URL"),
        )
    except ValueError as exc:
        problems.append(f"TD_API_SERVER / TD_WORKFLOW_SERVER / TD_CONSOLE_URL: {exc}")

    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token is None:
        problems.append("SLACK_BOT_TOKEN is required (the bot token, 'xoxb-...')")
    elif not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must start with 'xoxb-'")

    app_token = get("SLACK_APP_TOKEN")
    if http_mode:
        app_token = None
    elif app_token is not None and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must start with 'xapp-' (an app-level token)")

    signing_secret = get("SLACK_SIGNING_SECRET")
    if signing_secret is None and app_token is None:
        problems.append(
            "SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)"
        )

    slack_api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    try:
        slack_api_url = normalize_base_url(slack_api_url) + "/"
    except ValueError as exc:
        problems.append(f"SLACK_API_URL: {exc}")

    def number(name: str, default: _N, parse: Callable[[str], _N], low: float, high: float) -> _N:
        raw = get(name)
        if raw is None:
            return default
        try:
            value = parse(raw)
            if not low < value <= high:
                raise ValueError
        except ValueError:
            kind = "a whole number" if parse is int else "a number"
            problems.append(f"{name} must be {kind} in ({low:g}, {high:g}], got {raw!r}")
            return default
        return value

    poll_seconds = number("TDBOT_POLL_SECONDS", 60.0, float, 0, 86400)
    rate_per_minute = number("TDBOT_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE, float, 0, 60_000)
    rate_burst = number("TDBOT_RATE_BURST", DEFAULT_RATE_BURST, int, 0, 10_000)
    retention_days = number("TDBOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, int, 0, 36_500)
    schedule_seconds = number("TDBOT_SCHEDULE_SECONDS", DEFAULT_SCHEDULE_SECONDS, float, 0, 86400)
    start_grace = DEFAULT_START_GRACE
    raw_grace = get("TDBOT_START_GRACE")
    if raw_grace is not None:
        parsed = parse_duration(raw_grace)
        if parsed is None or not timedelta(0) < parsed <= timedelta(days=7):
            problems.append(
                f"TDBOT_START_GRACE must be a duration like 30m or 1h (up to 7d), got {raw_grace!r}"
            )
        else:
            start_grace = parsed

    admins: set[str] = set()
    for raw in (get("TDBOT_ADMINS") or "").split(","):
        user = raw.strip()
        if not user:
            continue
        if not _SLACK_USER.match(user):
            problems.append(f"TDBOT_ADMINS: {user!r} is not a Slack user ID (like U012ABCDEF)")
        admins.add(user)

    ops_channel = get("TDBOT_OPS_CHANNEL") or None
    if ops_channel is not None and not _SLACK_CHANNEL.match(ops_channel):
        problems.append(
            f"TDBOT_OPS_CHANNEL: {ops_channel!r} is not a Slack channel ID (like C012ABCDEF)"
        )
    routing_key = get("TDBOT_PAGERDUTY_ROUTING_KEY")
    if routing_key is not None and not _ROUTING_KEY.fullmatch(routing_key):
        problems.append(
            "TDBOT_PAGERDUTY_ROUTING_KEY must be a PagerDuty Events API v2 integration key "
            "(32 letters and digits)"
        )
    pagerduty_url = get("TDBOT_PAGERDUTY_URL") or DEFAULT_PAGERDUTY_URL
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", pagerduty_url):
        problems.append(f"TDBOT_PAGERDUTY_URL must be an http(s) URL, got {pagerduty_url!r}")

    timezone = get("TDBOT_TIMEZONE") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"TDBOT_TIMEZONE must be an IANA time zone like Asia/Tokyo, got {timezone!r}"
        )

    if problems:
        raise SettingsError(problems)
    assert api_key and endpoints and bot_token  # narrowed by the checks above
    return Settings(
        td_api_key=api_key,
        td=endpoints,
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret or "",
        slack_app_token=app_token,
        slack_api_url=slack_api_url,
        database_url=get("TDBOT_DATABASE_URL") or default_database_url(),
        poll_seconds=poll_seconds,
        admins=frozenset(admins),
        rate_per_minute=rate_per_minute,
        rate_burst=rate_burst,
        retention_days=retention_days,
        ops_channel=ops_channel,
        pagerduty_routing_key=routing_key,
        pagerduty_url=pagerduty_url,
        timezone=timezone,
        schedule_seconds=schedule_seconds,
        start_grace=start_grace,
    )
