"""The App Home board: what is open now in the channels a person shares with the bot.

``BoardReader.read(user_id) -> Board`` reads it from the store (no TD request:
TD's reachability is the health check's cached answer); ``bot.present.home``
presents it. Nothing here knows Slack: who is in which channel comes through a
``Membership`` port (``MemberCache`` keeps its answers briefly).
"""

from bot.board.membership import MemberCache, Membership
from bot.board.reader import BoardReader
from bot.board.values import STATUS_SECTIONS, Board, BoardHealth, Listing, Section

__all__ = [
    "STATUS_SECTIONS",
    "Board",
    "BoardHealth",
    "BoardReader",
    "Listing",
    "MemberCache",
    "Membership",
    "Section",
]
