"""The local console of ``tdbot demo``: the bot's domain on the sandbox, in a terminal.

``run_demo`` (demo.py) is the entry; ``render_blocks`` (terminal.py) shows Block
Kit as terminal text; ``ConsoleChatPoster`` (chat.py) is the alert poller's
``ChatPoster`` for the console.
"""

from bot.console.chat import ConsoleChat, ConsoleChatPoster
from bot.console.terminal import TerminalStyle, render_blocks, render_message

__all__ = ["ConsoleChat", "ConsoleChatPoster", "TerminalStyle", "render_blocks", "render_message"]
