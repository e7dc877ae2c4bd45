"""Subscriptions and mutes: which channels hear about a workflow, and when not."""

from __future__ import annotations

import pytest

from bot.store import ALL_PROJECTS, Store, Subscription
from tests.store.helpers import T0, at


def scopes(subs: list[Subscription]) -> list[tuple[str, str, str | None]]:
    return [(s.channel_id, s.project, s.workflow) for s in subs]


async def test_subscribe_list_unsubscribe(store: Store) -> None:
    assert await store.add_subscription("C1", "etl", created_by="U1")
    assert await store.add_subscription("C1", "etl", "daily", created_by="U1", threshold=3)
    assert not await store.add_subscription("C1", "etl", created_by="U2", threshold=5)
    assert await store.add_subscription("C2", ALL_PROJECTS, created_by="U1")
    subs = await store.subscriptions("C1")
    assert [(s.project, s.workflow, s.threshold, s.created_by) for s in subs] == [
        ("etl", None, 1, "U1"),
        ("etl", "daily", 3, "U1"),
    ]
    assert subs[0].created_at == T0
    assert await store.remove_subscription("C1", "etl")
    assert not await store.remove_subscription("C1", "etl")
    assert [(s.project, s.workflow) for s in await store.subscriptions("C1")] == [("etl", "daily")]


async def test_channels_for_matches_workflow_project_and_everything(store: Store) -> None:
    await store.add_subscription("C-all", ALL_PROJECTS, created_by="U1")
    await store.add_subscription("C-etl", "etl", created_by="U1", threshold=2)
    await store.add_subscription("C-daily", "etl", "daily", created_by="U1")
    await store.add_subscription("C-other", "billing", created_by="U1")
    await store.add_subscription("C-hourly", "etl", "hourly", created_by="U1")

    assert scopes(await store.channels_for("etl", "daily")) == [
        ("C-all", "*", None),
        ("C-daily", "etl", "daily"),
        ("C-etl", "etl", None),
    ]
    assert scopes(await store.channels_for("billing", "invoices")) == [
        ("C-all", "*", None),
        ("C-other", "billing", None),
    ]
    assert scopes(await store.channels_for("nobody-cares", "x")) == [("C-all", "*", None)]


async def test_the_most_specific_subscription_of_a_channel_rules(store: Store) -> None:
    await store.add_subscription("C1", ALL_PROJECTS, created_by="U1", threshold=5)
    await store.add_subscription("C1", "etl", created_by="U1", threshold=3)
    await store.add_subscription("C1", "etl", "daily", created_by="U1", threshold=1)
    [daily] = await store.channels_for("etl", "daily")
    [hourly] = await store.channels_for("etl", "hourly")
    [other] = await store.channels_for("billing", "invoices")
    assert (daily.threshold, hourly.threshold, other.threshold) == (1, 3, 5)


@pytest.mark.parametrize(
    ("project", "workflow", "message"),
    [
        ("", None, "project must not be empty"),
        ("*", "daily", "covers every workflow"),
        ("etl", "", "workflow must be None"),
    ],
)
async def test_bad_scopes_are_refused(
    store: Store, project: str, workflow: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await store.add_subscription("C1", project, workflow, created_by="U1")
    with pytest.raises(ValueError, match=message):
        await store.set_mute("C1", project, workflow, until=at(60), created_by="U1")


async def test_threshold_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError, match="threshold"):
        await store.add_subscription("C1", "etl", created_by="U1", threshold=0)


async def test_a_mute_expires(store: Store) -> None:
    mute = await store.set_mute("C1", "etl", "daily", until=at(60), created_by="U1")
    assert (mute.until, mute.created_at) == (at(60), T0)
    assert await store.is_muted("C1", "etl", "daily", at(30))
    assert not await store.is_muted("C1", "etl", "daily", at(60))
    assert not await store.is_muted("C1", "etl", "daily", at(90))
    assert await store.mutes("C1", at(30)) == [mute]
    assert await store.mutes("C1", at(61)) == []


async def test_mute_scopes(store: Store) -> None:
    await store.set_mute("C1", "etl", until=at(60), created_by="U1")
    await store.set_mute("C2", "etl", "daily", until=at(60), created_by="U1")
    await store.set_mute("C3", ALL_PROJECTS, until=at(60), created_by="U1")
    assert await store.is_muted("C1", "etl", "hourly", T0)
    assert not await store.is_muted("C1", "billing", "invoices", T0)
    assert await store.is_muted("C2", "etl", "daily", T0)
    assert not await store.is_muted("C2", "etl", "hourly", T0)
    assert await store.is_muted("C3", "billing", "invoices", T0)
    assert not await store.is_muted("C4", "etl", "daily", T0)


async def test_muting_again_moves_the_end_and_unmute_ends_it(store: Store) -> None:
    await store.set_mute("C1", "etl", until=at(60), created_by="U1")
    await store.set_mute("C1", "etl", until=at(10), created_by="U2", now=at(1))
    [mute] = await store.mutes("C1", at(2))
    assert (mute.until, mute.created_by, mute.created_at) == (at(10), "U2", at(1))
    assert not await store.is_muted("C1", "etl", "daily", at(20))
    assert await store.remove_mute("C1", "etl")
    assert not await store.remove_mute("C1", "etl")
    assert not await store.is_muted("C1", "etl", "daily", at(5))


async def test_a_mute_must_end_in_the_future(store: Store) -> None:
    with pytest.raises(ValueError, match="future"):
        await store.set_mute("C1", "etl", until=T0, created_by="U1")


async def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.is_muted("C1", "etl", "daily", T0.replace(tzinfo=None))
