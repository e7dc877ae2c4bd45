"""Slack's message limits, with the undocumented ones set conservatively.

Block Kit numbers are Slack's own (and what slack_sdk's validators enforce);
``TOTAL_CHARS`` stays under the ~13k characters past which Slack answers
``msg_blocks_too_long`` (bolt-js#2509), measured over the serialised blocks.
"""

from __future__ import annotations

MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
CONTEXT_TEXT = 2000
CONTEXT_ELEMENTS = 10
ACTION_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
TOTAL_CHARS = 12_000
# Slack truncates ``text`` at 40k; notifications show far less, so stay short.
FALLBACK_TEXT = 3_000
# An evidence excerpt shorter than this says too little to be worth a block.
MIN_EVIDENCE = 300
