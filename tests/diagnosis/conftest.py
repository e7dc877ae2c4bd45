"""One sandbox for the module (diagnosis only reads it) and a client per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient


@pytest.fixture(scope="module")
def lab() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def td(lab: Sandbox) -> AsyncIterator[TDClient]:
    lab.faults.clear()
    async with TDClient(lab.api_key, lab.endpoints()) as client:
        yield client
    lab.faults.clear()
