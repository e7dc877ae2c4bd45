"""Where the console writes: chat messages as text, above the prompt when there is one.

Alerts arrive while the user may be typing. With no full-screen terminal
library, a message is printed over the prompt line and the prompt is shown
again underneath with what had been typed so far.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.render import TerminalStyle

MAX_WIDTH = 100
_CLEAR_LINE = "\r\x1b[K"


class Screen:
    def __init__(self, out: TextIO, style: TerminalStyle) -> None:
        self.out = out
        self.style = style
        self._lock = threading.Lock()
        self._prompt: str | None = None  # shown and waiting for input
        self._typed: Callable[[], str] = str
        # Redrawing the prompt only makes sense where the prompt is on screen.
        self._redraw = out.isatty()

    @classmethod
    def for_stream(cls, out: TextIO, *, color: bool = True) -> Screen:
        """ANSI styling and the terminal's width only when ``out`` is a terminal."""
        tty = out.isatty()
        width = shutil.get_terminal_size((MAX_WIDTH, 24)).columns if tty else MAX_WIDTH
        return cls(out, TerminalStyle(ansi=tty and color, width=max(40, min(width, MAX_WIDTH))))

    def prompt_waiting(self, prompt: str | None, typed: Callable[[], str] = str) -> None:
        """The input reader says the prompt is (or, with None, is no longer) on screen."""
        with self._lock:
            self._prompt = prompt
            self._typed = typed

    def print(self, lines: Iterable[str] = ("",)) -> None:
        text = "".join(line.rstrip() + "\n" for line in lines)
        with self._lock:
            if self._prompt is None or not self._redraw:
                self.out.write(text)
            else:
                self.out.write(_CLEAR_LINE + text + self._prompt + self._typed())
            self.out.flush()

    def note(self, line: str) -> None:
        """A line of the console's own (not a chat message), dimmed on a terminal."""
        self.print([self.style.dim(line)])
