"""Building mrkdwn for a Message: TD text goes in only through these helpers.

Labels written here (``bold``) are tdbot's own words; every argument named
``raw`` may be TD text and is masked (also ``secrets``, before it is cut, so a
cut cannot split a secret), escaped and cut by ``bot.text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.text import SECTION_TEXT_LIMIT, code_block, inline_code, safe

_URL_FORBIDDEN = frozenset("<>| \t\r\n\"'`")
# Slack ids tdbot mentions: users (U/W) and user groups (S). Nothing else, so no
# text can turn into a broadcast such as <!channel>.
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,20}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,20}")
# A link or special token shows its label (or fallback), or its id.
_TOKEN = re.compile(r"<(?:[^<>|]*\|)?([^<>]*)>")
_ENTITY = re.compile(r"&(?:amp|lt|gt);")


Secrets = Iterable[str]


def text(raw: str, limit: int = 300, *, secrets: Secrets = ()) -> str:
    return safe(raw, limit, extra_secret_values=secrets)


def code(raw: str, limit: int = 200, *, secrets: Secrets = ()) -> str:
    return inline_code(raw, limit, extra_secret_values=secrets)


def block(raw: str, limit: int, *, secrets: Secrets = ()) -> str:
    """A fenced code block that the text cannot close early."""
    return code_block(raw, limit, extra_secret_values=secrets)


def bold(own: str) -> str:
    return f"*{own}*"


def checked_url(url: str | None, allowed_hosts: Iterable[str] = ()) -> str | None:
    """``url`` if it is plain http(s) (and on an allowed host, when any are given)."""
    if not url or len(url) > 2000 or any(ch in _URL_FORBIDDEN for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    hosts = [h.lower() for h in allowed_hosts]
    if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
        return None
    return url


def link(url: str | None, raw_label: str, *, secrets: Secrets = ()) -> str:
    """``<url|label>``, or just the label when the URL is not one to put in a message."""
    label = safe(raw_label, 200, extra_secret_values=secrets)
    target = checked_url(url)
    if target is None:
        return label
    return f"<{target.replace('&', '&amp;')}|{label}>"


def mention(slack_id: str) -> str:
    """A mention of a Slack user (``U…``/``W…``) or user group (``S…``) by its id.

    Raises ValueError for anything else: mentions come from stored ids only.
    """
    if _USER_ID.fullmatch(slack_id):
        return f"<@{slack_id}>"
    if _GROUP_ID.fullmatch(slack_id):
        return f"<!subteam^{slack_id}>"
    raise ValueError(f"not a Slack user or user group id: {slack_id!r}")


def channel(channel_id: str) -> str:
    """A link to a channel (``<#C…>``) by its stored id; any other text shown as text."""
    if _CHANNEL_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return safe(channel_id, 80)


def visible(mrkdwn: str) -> int:
    """Characters a reader sees of ``mrkdwn``: link labels, not URLs; an entity is one."""
    return len(_ENTITY.sub("&", _TOKEN.sub(r"\1", mrkdwn)))


def pack(lines: Iterable[str], limit: int = SECTION_TEXT_LIMIT) -> tuple[str, ...]:
    """Join mrkdwn lines into as few sections as fit ``limit`` each (lines are kept whole)."""
    sections: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        if current and used + 1 + len(line) > limit:
            sections.append("\n".join(current))
            current, used = [], 0
        current.append(line)
        used += len(line) + (1 if used else 0)
    if current:
        sections.append("\n".join(current))
    return tuple(sections)
