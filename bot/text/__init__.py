"""Untrusted text -> Slack: secret masking, mrkdwn escaping, head-and-tail cutting.

Renderers use `safe` (mrkdwn), `code_block` / `inline_code`, `plain` (plain_text
objects) and `fallback_text` (a message's `text`); the rest are the parts.
"""

from bot.text.cut import cut
from bot.text.escape import escape_mrkdwn, strip_control
from bot.text.masking import (
    SECRETS_SEEN,
    found_secrets,
    is_secret_name,
    mask_secrets,
    secret_param_values,
)
from bot.text.safe import (
    SECTION_TEXT_LIMIT,
    code_block,
    fallback_text,
    inline_code,
    plain,
    safe,
)

__all__ = [
    "SECRETS_SEEN",
    "SECTION_TEXT_LIMIT",
    "code_block",
    "cut",
    "escape_mrkdwn",
    "fallback_text",
    "found_secrets",
    "inline_code",
    "is_secret_name",
    "mask_secrets",
    "plain",
    "safe",
    "secret_param_values",
    "strip_control",
]
