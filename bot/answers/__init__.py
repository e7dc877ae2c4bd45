"""Command -> Message: runs the TD calls of a /td command and builds the answer value.

``SUBCOMMANDS`` declares every subcommand once (name, usage, help, example,
parser, handler); ``Answerer`` reads and answers over them.
"""

from bot.answers.answerer import Answerer, Declared, Handler
from bot.answers.catalogue import SUBCOMMANDS
from bot.answers.context import RequestContext
from bot.answers.services import Services, Unavailable

__all__ = [
    "SUBCOMMANDS",
    "Answerer",
    "Declared",
    "Handler",
    "RequestContext",
    "Services",
    "Unavailable",
]
