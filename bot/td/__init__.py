"""Treasure Data client: REST API v3 and Workflow API (knows nothing of Slack)."""

from bot.td import errors
from bot.td._history import AttemptSummary
from bot.td._http import ResponseHook
from bot.td._retry import RetryPolicy
from bot.td.client import DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT, TDClient
from bot.td.regions import Endpoints, derive_endpoints

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "AttemptSummary",
    "Endpoints",
    "ResponseHook",
    "RetryPolicy",
    "TDClient",
    "derive_endpoints",
    "errors",
]
