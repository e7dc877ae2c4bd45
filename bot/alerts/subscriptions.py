"""``subscribe`` / ``unsubscribe`` / ``subscriptions`` / ``mute`` / ``unmute``.

A domain service: it checks names against TD, writes the store, and returns a
small value for the answers layer to render. A project or workflow that does
not exist is refused with the nearest existing names, so a typo never turns
into a subscription that silently alerts nobody.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.commands import Scope
from bot.commands.durations import MAX_MUTE, MIN_MUTE, format_duration
from bot.store import ALL_PROJECTS, Mute, Store, Subscription, wall_clock
from bot.td import TDClient

SUGGESTIONS = 3


@dataclass(frozen=True)
class UnknownScope:
    """The project (or the workflow in it) does not exist at TD."""

    scope: Scope
    missing: Literal["project", "workflow"]
    suggestions: tuple[str, ...]  # nearest existing names, best first


@dataclass(frozen=True)
class InvalidDuration:
    duration: timedelta
    message: str


@dataclass(frozen=True)
class Subscribed:
    scope: Scope
    created: bool  # False: the channel already had this subscription
    threshold: int


@dataclass(frozen=True)
class Unsubscribed:
    scope: Scope
    removed: bool  # False: there was no such subscription
    remaining: tuple[Subscription, ...]  # the channel's subscriptions now


@dataclass(frozen=True)
class SubscriptionList:
    subscriptions: tuple[Subscription, ...]
    mutes: tuple[Mute, ...]  # mutes in force


@dataclass(frozen=True)
class Muted:
    scope: Scope
    until: datetime
    duration_text: str  # e.g. "4h"


@dataclass(frozen=True)
class Unmuted:
    scope: Scope
    removed: bool  # False: the scope was not muted


SubscriptionOutcome = (
    UnknownScope | InvalidDuration | Subscribed | Unsubscribed | SubscriptionList | Muted | Unmuted
)


class SubscriptionService:
    def __init__(
        self,
        td: TDClient,
        store: Store,
        *,
        clock: Callable[[], datetime] = wall_clock,
        pagerduty: bool = False,
    ) -> None:
        self._td = td
        self._store = store
        self._clock = clock
        self.pagerduty = pagerduty  # a routing key is set: `escalate ... to pagerduty` works

    @property
    def store(self) -> Store:
        """The store the scope settings (owners) live in, next to subscriptions."""
        return self._store

    def now(self) -> datetime:
        return self._clock()

    async def subscribe(
        self, channel: str, user: str, scope: Scope, *, threshold: int = 1
    ) -> Subscribed | UnknownScope:
        if threshold < 1:
            raise ValueError(f"threshold must be at least 1, got {threshold}")
        if (unknown := await self.check_scope(scope)) is not None:
            return unknown
        project, workflow = _stored(scope)
        created = await self._store.add_subscription(
            channel, project, workflow, created_by=user, threshold=threshold, now=self._clock()
        )
        return Subscribed(scope, created, threshold)

    async def unsubscribe(self, channel: str, scope: Scope) -> Unsubscribed:
        # No TD check: a deleted project's subscription must stay removable.
        removed = await self._store.remove_subscription(channel, *_stored(scope))
        remaining = tuple(await self._store.subscriptions(channel))
        return Unsubscribed(scope, removed, remaining)

    async def list(self, channel: str) -> SubscriptionList:
        subscriptions = await self._store.subscriptions(channel)
        mutes = await self._store.mutes(channel, self._clock())
        return SubscriptionList(tuple(subscriptions), tuple(mutes))

    async def mute(
        self, channel: str, user: str, scope: Scope, duration: timedelta
    ) -> Muted | UnknownScope | InvalidDuration:
        if not MIN_MUTE <= duration <= MAX_MUTE:
            return InvalidDuration(
                duration,
                f"a mute lasts from {format_duration(MIN_MUTE)} to {format_duration(MAX_MUTE)}, "
                f"not {format_duration(duration)}",
            )
        if (unknown := await self.check_scope(scope)) is not None:
            return unknown
        now = self._clock()
        mute = await self._store.set_mute(
            channel, *_stored(scope), until=now + duration, created_by=user, now=now
        )
        return Muted(scope, mute.until, format_duration(duration))

    async def unmute(self, channel: str, scope: Scope) -> Unmuted:
        return Unmuted(scope, await self._store.remove_mute(channel, *_stored(scope)))

    async def check_scope(self, scope: Scope) -> UnknownScope | None:
        """None when the scope exists at TD; else what is missing and the nearest names."""
        if scope.project is None:
            return None
        project = await self._td.project_by_name(scope.project)
        if project is None:
            names = [p.name async for p in self._td.iter_projects()]
            return UnknownScope(scope, "project", nearest(scope.project, names))
        if scope.workflow is None:
            return None
        if await self._td.workflow_by_name(project.id, scope.workflow) is not None:
            return None
        names = [w.name for w in await self._td.workflows(project.id)]
        return UnknownScope(scope, "workflow", nearest(scope.workflow, names))


def nearest(name: str, candidates: Iterable[str], n: int = SUGGESTIONS) -> tuple[str, ...]:
    """The closest names, best first: case-insensitive, then by spelling."""
    pool = sorted(set(candidates))
    by_lower: dict[str, list[str]] = {}
    for candidate in pool:
        by_lower.setdefault(candidate.lower(), []).append(candidate)
    exact_case = by_lower.get(name.lower(), [])
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.5)
    found = [*exact_case, *(c for lower in close for c in by_lower[lower])]
    return tuple(dict.fromkeys(found))[:n]


def _stored(scope: Scope) -> tuple[str, str | None]:
    if scope.project is None:
        return ALL_PROJECTS, None
    return scope.project, scope.workflow
