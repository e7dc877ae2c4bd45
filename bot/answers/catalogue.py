"""Every subcommand tdbot answers, in the order help lists them.

Each handler module declares its own subcommands (``SUBCOMMANDS``) next to its
handlers; this is only their order.
"""

from __future__ import annotations

from bot.answers import (
    admin,
    backfill,
    diagnose,
    help,
    jobs,
    ownership,
    slas,
    subscriptions,
    timeline,
    workflows,
)
from bot.answers.answerer import Declared

SUBCOMMANDS: tuple[Declared, ...] = (
    *help.SUBCOMMANDS,
    *jobs.SUBCOMMANDS,
    *workflows.SUBCOMMANDS,
    *diagnose.SUBCOMMANDS,
    *timeline.SUBCOMMANDS,
    *subscriptions.SUBCOMMANDS,
    *ownership.SUBCOMMANDS,
    *slas.SUBCOMMANDS,
    *admin.SUBCOMMANDS,
    *backfill.SUBCOMMANDS,
)
