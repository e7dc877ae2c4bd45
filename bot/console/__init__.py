"""The local console of ``tdbot demo``: the bot's domain on the sandbox, in a terminal.

``run_demo`` (demo.py) is the entry; ``ConsoleNotifier`` (chat.py) is the
console surface of the notifier port, printing messages with
``bot.render.render_console``.
"""

from bot.console.chat import ConsoleChat, ConsoleNotifier

__all__ = ["ConsoleChat", "ConsoleNotifier"]
