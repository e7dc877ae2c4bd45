"""The one way untrusted text reaches a Slack message.

Order matters: control characters go first (a NUL inside `pass\\x00word=…`
must not hide a secret from the masks), then secrets, then escaping, and the
cut comes last so the limit holds for the text exactly as it will be sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.text.cut import DEFAULT_MARKER, cut
from bot.text.escape import escape_mrkdwn, strip_control
from bot.text.masking import mask_secrets

SECTION_TEXT_LIMIT = 3000  # Slack's limit for a section's mrkdwn text
_FENCE = "```"
_CODE_MARKER = "\n… [{dropped} characters cut] …\n"
# Inside a fence, two adjacent backticks could start a closing fence; a
# zero-width space between them keeps the text as it reads and the fence shut.
_ZWSP = "\u200b"
_BACKTICK_RUN = re.compile(r"`(?=`)")
# Inline code cannot contain a backtick at all, so it becomes a lookalike.
_INLINE_BACKTICK = "\u02cb"


def _clean(s: str, extra_secret_values: Iterable[str]) -> str:
    values = list(extra_secret_values)
    stripped = strip_control(s)
    return mask_secrets(stripped, [*values, *(strip_control(v) for v in values)])


def _fenceable(escaped: str) -> str:
    text = _BACKTICK_RUN.sub("`" + _ZWSP, escaped)
    # A backtick at either end would merge with the fence itself.
    if text.startswith("`"):
        text = _ZWSP + text
    if text.endswith("`"):
        text += _ZWSP
    return text or _ZWSP


def safe(s: str, limit: int, *, code: bool = False, extra_secret_values: Iterable[str] = ()) -> str:
    """Untrusted text as mrkdwn: secrets masked, controls stripped, escaped, cut to `limit`.

    With `code=True` the result is a ``` block (fences included in the limit).
    """
    escaped = escape_mrkdwn(_clean(s, extra_secret_values))
    if not code:
        return cut(escaped, limit)
    if limit < 2 * len(_FENCE) + 1:
        raise ValueError(f"a code block needs a limit of at least 7, got {limit}")
    return _FENCE + cut(_fenceable(escaped), limit - 2 * len(_FENCE), marker=_CODE_MARKER) + _FENCE


def code_block(
    s: str, limit: int = SECTION_TEXT_LIMIT, *, extra_secret_values: Iterable[str] = ()
) -> str:
    """`safe(s, limit, code=True)`: a fenced block that TD text cannot close early."""
    return safe(s, limit, code=True, extra_secret_values=extra_secret_values)


def inline_code(
    s: str, limit: int = SECTION_TEXT_LIMIT, *, extra_secret_values: Iterable[str] = ()
) -> str:
    """Untrusted text as one `code` span: one line, no backticks inside, within `limit`."""
    if limit < 3:
        raise ValueError(f"inline code needs a limit of at least 3, got {limit}")
    one_line = " ".join(_clean(s, extra_secret_values).split("\n"))
    text = escape_mrkdwn(one_line.replace("`", _INLINE_BACKTICK)) or _ZWSP
    return "`" + cut(text, limit - 2, marker=DEFAULT_MARKER) + "`"


def plain(s: str, limit: int, *, extra_secret_values: Iterable[str] = ()) -> str:
    """Untrusted text for plain_text objects (headers, buttons): Slack does not parse it."""
    return cut(_clean(s, extra_secret_values), limit)


def fallback_text(s: str, limit: int, *, extra_secret_values: Iterable[str] = ()) -> str:
    """Untrusted text for a message's `text` fallback, which Slack does parse as mrkdwn."""
    return safe(s, limit, extra_secret_values=extra_secret_values)
