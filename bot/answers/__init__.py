"""Command -> Reply: runs the TD calls of a /td command and builds the answer value."""

from bot.answers.answerer import HANDLERS, Answerer, Handler
from bot.answers.context import RequestContext
from bot.answers.diagnose import diagnosis_reply, job_diagnosis_reply
from bot.answers.reply import Evidence, Field, Link, Outcome, Reply, ReplyFile
from bot.answers.services import Services

__all__ = [
    "HANDLERS",
    "Answerer",
    "Evidence",
    "Field",
    "Handler",
    "Link",
    "Outcome",
    "Reply",
    "ReplyFile",
    "RequestContext",
    "Services",
    "diagnosis_reply",
    "job_diagnosis_reply",
]
