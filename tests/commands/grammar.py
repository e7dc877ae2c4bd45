"""The grammar the bot runs: tdbot's declared subcommands, for the grammar tests."""

from __future__ import annotations

from bot.answers import SUBCOMMANDS
from bot.commands import Grammar

GRAMMAR = Grammar(SUBCOMMANDS)
HELP = GRAMMAR.subcommands
parse = GRAMMAR.parse
usage = GRAMMAR.usage
