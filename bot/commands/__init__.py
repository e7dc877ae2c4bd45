"""The `/td` grammar: command values, their parsers, and the declarations that join them.

A subcommand is declared once (``Subcommand``: name, usage, help, example,
parser, handler) by the layer that answers it (``bot.answers``); ``Grammar``
reads `/td` text over the declarations (pure and total: every text is a
``Command`` or a ``CommandError``). The values and their parsers live here, a
module per family (lookups, diagnosis, alerting, admin, help).
"""

from bot.commands.admin import Kill, KillJob, Retry, read_kill, read_retry
from bot.commands.alerting import (
    ListSubscriptions,
    Mute,
    Subscribe,
    Unmute,
    Unsubscribe,
    read_mute,
    read_subscribe,
    read_subscriptions,
    read_unmute,
    read_unsubscribe,
)
from bot.commands.backfill import Backfill, RunBackfill, read_backfill
from bot.commands.base import (
    DEFAULT_LIMIT,
    JOB_STATUSES,
    MAX_LIMIT,
    AttemptTarget,
    Command,
    CommandError,
    DiagnoseTarget,
    JobTarget,
    Scope,
    SessionTarget,
    command_text,
)
from bot.commands.diagnosis import Diagnose, read_diagnose, read_why
from bot.commands.durations import format_duration, parse_duration
from bot.commands.help import Help, read_help
from bot.commands.lookups import (
    ListJobs,
    ListSessions,
    ShowAttempt,
    ShowJob,
    ShowSession,
    Timeline,
    read_attempt,
    read_job,
    read_jobs,
    read_session,
    read_sessions,
    read_timeline,
)
from bot.commands.names import ByName
from bot.commands.ownership import (
    Escalate,
    ListOwners,
    SetOwners,
    read_escalate,
    read_owner,
    read_owners,
)
from bot.commands.parser import Grammar
from bot.commands.slas import ListSlas, SetSla, SlaField, read_sla, read_slas
from bot.commands.spec import Subcommand
from bot.commands.urls import ConsoleLink, find_console_urls, parse_console_url

__all__ = [
    "DEFAULT_LIMIT",
    "JOB_STATUSES",
    "MAX_LIMIT",
    "AttemptTarget",
    "Backfill",
    "ByName",
    "Command",
    "CommandError",
    "ConsoleLink",
    "Diagnose",
    "DiagnoseTarget",
    "Escalate",
    "Grammar",
    "Help",
    "JobTarget",
    "Kill",
    "KillJob",
    "ListJobs",
    "ListOwners",
    "ListSessions",
    "ListSlas",
    "ListSubscriptions",
    "Mute",
    "Retry",
    "RunBackfill",
    "Scope",
    "SessionTarget",
    "SetOwners",
    "SetSla",
    "ShowAttempt",
    "ShowJob",
    "ShowSession",
    "SlaField",
    "Subcommand",
    "Subscribe",
    "Timeline",
    "Unmute",
    "Unsubscribe",
    "command_text",
    "find_console_urls",
    "format_duration",
    "parse_console_url",
    "parse_duration",
    "read_attempt",
    "read_backfill",
    "read_diagnose",
    "read_escalate",
    "read_help",
    "read_job",
    "read_jobs",
    "read_kill",
    "read_mute",
    "read_owner",
    "read_owners",
    "read_retry",
    "read_session",
    "read_sessions",
    "read_sla",
    "read_slas",
    "read_subscribe",
    "read_subscriptions",
    "read_timeline",
    "read_unmute",
    "read_unsubscribe",
    "read_why",
]
