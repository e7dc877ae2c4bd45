"""Settings from the environment, exactly as docs/interface (interface.md) names them.

Every problem is collected and reported together, one clear line per variable,
so an operator fixes a deployment in one go rather than one crash at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.td.regions import Endpoints, derive_endpoints, normalize_base_url

_API_KEY = re.compile(r"^(?:[1-9][0-9]*/)?[a-f0-9]{40}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
DEFAULT_API_SERVER = "https://api.treasuredata.com"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
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
    # PagerDuty Events API v2: without a routing key `escalate ... to pagerduty` is refused.
    pagerduty_routing_key: str | None = field(default=None, repr=False)
    pagerduty_url: str = DEFAULT_PAGERDUTY_URL

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

    poll_seconds = 60.0
    raw_poll = get("TDBOT_POLL_SECONDS")
    if raw_poll is not None:
        try:
            poll_seconds = float(raw_poll)
            if not 0 < poll_seconds <= 86400:
                raise ValueError
        except ValueError:
            problems.append(
                f"TDBOT_POLL_SECONDS must be a number of seconds in (0, 86400], got {raw_poll!r}"
            )

    admins: set[str] = set()
    for raw in (get("TDBOT_ADMINS") or "").split(","):
        user = raw.strip()
        if not user:
            continue
        if not _SLACK_USER.match(user):
            problems.append(f"TDBOT_ADMINS: {user!r} is not a Slack user ID (like U012ABCDEF)")
        admins.add(user)

    routing_key = get("TDBOT_PAGERDUTY_ROUTING_KEY")
    if routing_key is not None and not _ROUTING_KEY.fullmatch(routing_key):
        problems.append(
            "TDBOT_PAGERDUTY_ROUTING_KEY must be a PagerDuty Events API v2 integration key "
            "(32 letters and digits)"
        )
    pagerduty_url = get("TDBOT_PAGERDUTY_URL") or DEFAULT_PAGERDUTY_URL
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", pagerduty_url):
        problems.append(f"TDBOT_PAGERDUTY_URL must be an http(s) URL, got {pagerduty_url!r}")

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
        pagerduty_routing_key=routing_key,
        pagerduty_url=pagerduty_url,
    )
