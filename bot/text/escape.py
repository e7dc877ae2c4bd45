"""Escaping for Slack mrkdwn and removal of characters that have no place in a message."""

from __future__ import annotations

import re

# Slack's own escaping: with these three replaced, no `<!channel>`, `<@U…>`,
# `<#C…>` or `<url|label>` can be formed from the text.
_MRKDWN_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

# Slack does not ping a bare `@channel` in bot text, but a message posted with
# `link_names=1` (or text later re-posted by someone else) would turn it into a
# mention. A zero-width joiner after the `@` keeps the text readable and makes
# the word unrecognisable as a mention.
ZWJ = "\u200d"
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone))", re.IGNORECASE)

# C0 and C1 controls except tab and newline, DEL, and the bidirectional
# embedding/override/isolate controls that can make text display in an order
# other than the one it is stored in.
_DROPPED = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
_DROPPED += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CONTROL = str.maketrans(dict.fromkeys(_DROPPED)) | str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_NEWLINES = re.compile(r"\r\n?")
_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_control(s: str) -> str:
    """Drop control characters (keeping newline and tab) and repair surrogates.

    CR and CRLF become LF. A surrogate pair stored as two code points becomes the
    one character it encodes; a lone surrogate, which cannot be sent as UTF-8,
    becomes U+FFFD.
    """
    if _SURROGATE.search(s):
        s = s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _NEWLINES.sub("\n", s).translate(_CONTROL)


def escape_mrkdwn(s: str) -> str:
    """Escape `&`, `<` and `>` as Slack requires and defuse `@channel`/`@here`/`@everyone`."""
    return _BROADCAST.sub("@" + ZWJ, s.translate(_MRKDWN_ESCAPES))
