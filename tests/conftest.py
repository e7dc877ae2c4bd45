"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A started sandbox (seed 7, fixed clock), private to the test and stopped after it.

    Cheap: the seeded world is built once per process and copied per test.
    """
    sb = Sandbox()
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()
