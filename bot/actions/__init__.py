"""Retry and kill in TD from chat, safely: admins only, once per intent, always audited.

Plain domain code (no Slack): the Slack layer derives an action key
(``action_key_for_button`` / ``action_key_for_command``), checks the
``RateLimiter``, shows ``confirm_prompt`` and posts the ``ActionOutcome``.
"""

from bot.actions.backfill import BACKFILL_NAME_PREFIX, BackfillPlan
from bot.actions.follow import (
    FOLLOW_INTERVAL,
    FOLLOW_TIMEOUT,
    describe_attempt,
    end_message,
    follow_attempt,
)
from bot.actions.keys import COMMAND_WINDOW, action_key_for_button, action_key_for_command
from bot.actions.outcome import ActionOutcome, OutcomeKind, mention
from bot.actions.prompts import ConfirmPrompt, Target, confirm_prompt, session_time_text
from bot.actions.ratelimit import EXPENSIVE, RateDecision, RateLimiter
from bot.actions.retry import RetryPreview
from bot.actions.retry_plan import RETRY_NAME_PREFIX, NoSuchTask, ParamChange, RetryPlan
from bot.actions.service import ActionService

__all__ = [
    "BACKFILL_NAME_PREFIX",
    "COMMAND_WINDOW",
    "EXPENSIVE",
    "FOLLOW_INTERVAL",
    "FOLLOW_TIMEOUT",
    "RETRY_NAME_PREFIX",
    "ActionOutcome",
    "ActionService",
    "BackfillPlan",
    "ConfirmPrompt",
    "NoSuchTask",
    "OutcomeKind",
    "ParamChange",
    "RateDecision",
    "RateLimiter",
    "RetryPlan",
    "RetryPreview",
    "Target",
    "action_key_for_button",
    "action_key_for_command",
    "confirm_prompt",
    "describe_attempt",
    "end_message",
    "follow_attempt",
    "mention",
    "session_time_text",
]
