"""A simulated Treasure Data account served over real loopback HTTP (tests and demo)."""

from bot.sandbox.clock import DEFAULT_NOW
from bot.sandbox.sandbox import Sandbox, Tick
from bot.sandbox.scale import Scale

__all__ = ["DEFAULT_NOW", "Sandbox", "Scale", "Tick"]
