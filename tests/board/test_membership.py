"""Memberships are kept briefly per person, boundedly, and a failed look-up is not kept."""

from __future__ import annotations

import pytest

from bot.board import MemberCache


class Asked:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail = False

    async def __call__(self, user: str) -> frozenset[str]:
        self.calls.append(user)
        if self.fail:
            raise RuntimeError("slack is down")
        return frozenset({f"C{user}", f"C{len(self.calls)}"})


async def test_an_answer_serves_until_it_is_ttl_old() -> None:
    asked, now = Asked(), [0.0]
    cache = MemberCache(asked, ttl=60, clock=lambda: now[0])
    first = await cache.channels_of("U1")
    now[0] = 59.0
    assert await cache.channels_of("U1") == first
    now[0] = 60.0
    assert await cache.channels_of("U1") != first
    assert asked.calls == ["U1", "U1"]


async def test_only_the_last_people_are_kept_and_failures_are_not() -> None:
    asked = Asked()
    cache = MemberCache(asked, keep=2, clock=lambda: 0.0)
    for user in ("U1", "U2", "U1", "U3", "U1"):
        await cache.channels_of(user)
    assert asked.calls == ["U1", "U2", "U3"]  # U2, seen least recently, made room for U3
    await cache.channels_of("U2")
    assert asked.calls[-1] == "U2"
    asked.fail = True
    with pytest.raises(RuntimeError):
        await cache.channels_of("U4")
    with pytest.raises(RuntimeError):
        await cache.channels_of("U4")
