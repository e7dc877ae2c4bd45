"""manifest.yml is a valid Slack app manifest for what the bot actually registers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack.commands import COMMAND

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def _manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_field_limits() -> None:
    manifest = _manifest()
    assert manifest["_metadata"]["major_version"] in (1, 2)
    info = manifest["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert len(info.get("description", "")) <= 140
    assert 175 <= len(info.get("long_description", "x" * 175)) <= 4000
    assert len(manifest["features"]["bot_user"]["display_name"]) <= 80
    commands = manifest["features"]["slash_commands"]
    assert 0 < len(commands) <= 50
    for command in commands:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 2000
        assert len(command.get("usage_hint", "")) <= 1000


def test_matches_what_the_bot_registers() -> None:
    manifest = _manifest()
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "app_mentions:read",
        "files:write",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
    }
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention", "app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False


def test_socket_mode_manifest_has_no_request_urls() -> None:
    text = MANIFEST.read_text()
    uncommented = "\n".join(line.split("#")[0] for line in text.splitlines())
    assert "request_url" not in uncommented and "url:" not in uncommented


def test_slash_command_mentions_arrive_with_their_ids() -> None:
    # `/td owner` reads people and groups by id: Slack sends `<@U…|name>` only when escaping.
    [command] = _manifest()["features"]["slash_commands"]
    assert command["should_escape"] is True
