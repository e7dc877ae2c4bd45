"""TD console links (td-api.md 1.2) -> what they point at.

Hosts: any TD console of any region (`console.treasuredata.com`,
`console.us01.treasuredata.com`, `console.treasuredata.co.jp`,
`console.eu01.treasuredata.com`, ...) and, when given, the configured console
base (the sandbox serves its console on `http://127.0.0.1:<port>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from bot.commands.base import MAX_ID

ObjectKind = Literal["job", "session", "attempt"]
LinkKind = Literal["job", "session", "attempt", "workflow", "project", "page"]
OBJECT_KINDS: tuple[ObjectKind, ...] = ("job", "session", "attempt")

_TD_CONSOLE_HOST = re.compile(
    r"console(?:-[a-z0-9]+)*(?:\.[a-z0-9]+)?\.treasuredata\.(?:com|co\.jp)", re.IGNORECASE
)
_ID = r"0*[1-9][0-9]{0,18}"
_PATHS: tuple[tuple[LinkKind, re.Pattern[str]], ...] = (
    (
        "attempt",
        re.compile(
            rf"(?:/app)?(?:/workflows(?:/(?P<wid>{_ID}))?(?:/sessions/(?P<sid>{_ID}))?)?"
            rf"/attempts?/(?P<id>{_ID})(?:/.*)?"
        ),
    ),
    (
        "session",
        re.compile(rf"/app/workflows(?:/(?P<wid>{_ID}))?/sessions/(?P<id>{_ID})(?:/.*)?"),
    ),
    ("job", re.compile(rf"(?:/app)?/jobs/(?P<id>{_ID})(?:/.*)?")),
    ("workflow", re.compile(rf"/app/workflows/(?P<id>{_ID})(?:/.*)?")),
    ("project", re.compile(rf"/app/projects/(?P<id>{_ID})(?:/.*)?")),
)
# Where a URL ends in running text; trailing punctuation is the sentence's, not the URL's.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>|\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>'\"*_~"


@dataclass(frozen=True)
class ConsoleLink:
    """A console URL understood: the kind of page and the id(s) in its path."""

    kind: LinkKind
    object_id: str | None = None
    workflow_id: str | None = None
    session_id: str | None = None


def _canonical(value: str | None) -> str | None:
    return None if value is None else str(int(value))


def _valid(groups: dict[str, str | None]) -> bool:
    return all(value is None or int(value) <= MAX_ID for value in groups.values())


def _on_base(scheme: str, netloc: str, path: str, console_base: str) -> str | None:
    """The path relative to the configured console base, or None if not under it."""
    base = urlsplit(console_base.strip().rstrip("/"))
    if scheme != base.scheme.lower() or netloc != base.netloc.lower():
        return None
    prefix = base.path.rstrip("/")
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return None
    return path[len(prefix) :] or "/"


def console_path(url: str, console_base: str | None = None) -> str | None:
    """The path of `url` if it is on a TD console (or on `console_base`), else None."""
    text = url.strip()
    if "://" not in text and _TD_CONSOLE_HOST.match(text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        netloc = parts.netloc.lower()
        host = parts.hostname or ""
    except ValueError:  # malformed ports, brackets and the like
        return None
    if scheme not in ("http", "https"):
        return None
    if console_base:
        relative = _on_base(scheme, netloc, parts.path, console_base)
        if relative is not None:
            return relative
    if _TD_CONSOLE_HOST.fullmatch(host):
        return parts.path or "/"
    return None


def parse_console_url(url: str, console_base: str | None = None) -> ConsoleLink | None:
    """What a console URL points at; None when `url` is not a console URL at all."""
    path = console_path(url, console_base)
    if path is None:
        return None
    path = path.rstrip("/") or "/"
    for kind, pattern in _PATHS:
        match = pattern.fullmatch(path)
        if match and _valid(groups := match.groupdict()):
            return ConsoleLink(
                kind=kind,
                object_id=_canonical(groups.get("id")),
                workflow_id=_canonical(groups.get("wid")),
                session_id=_canonical(groups.get("sid")),
            )
    return ConsoleLink(kind="page")


def find_console_urls(text: str, console_base: str | None = None) -> list[ConsoleLink]:
    """Job, session and attempt links found in free text, first mention first, no repeats."""
    found: list[ConsoleLink] = []
    for match in _URL_IN_TEXT.finditer(text):
        link = parse_console_url(match[0].rstrip(_TRAILING), console_base)
        if link is not None and link.kind in OBJECT_KINDS and link not in found:
            found.append(link)
    return found
