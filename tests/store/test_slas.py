"""Scope limits (`sla`), learned good runs, and the silent claims beside failure claims."""

from __future__ import annotations

from datetime import timedelta

from bot.store import ALL_PROJECTS, AlertKind, GoodRun, Store
from bot.store.baselines import KEEP
from tests.store.helpers import T0, at

HOUR = timedelta(hours=1)


async def test_each_limit_comes_from_the_narrowest_scope_setting_it(store: Store) -> None:
    await store.set_sla(ALL_PROJECTS, None, runtime=6 * HOUR, within=12 * HOUR, set_by="U1")
    await store.set_sla("etl", None, runtime=2 * HOUR, set_by="U1", now=T0)
    await store.set_sla("etl", "daily", within=3 * HOUR, set_by="U2", now=T0)
    await store.set_sla("etl", "daily", runtime=HOUR, set_by="U2", now=T0)  # within stays
    daily = await store.sla_for("etl", "daily")
    assert (daily.runtime, daily.runtime_scope) == (HOUR, "etl/daily")
    assert (daily.within, daily.within_scope) == (3 * HOUR, "etl/daily")
    hourly = await store.sla_for("etl", "hourly")
    assert (hourly.runtime, hourly.runtime_scope) == (2 * HOUR, "etl")
    assert (hourly.within, hourly.within_scope) == (12 * HOUR, "*")
    other = await store.sla_for("other", "x")
    assert (other.runtime_scope, other.within_scope) == ("*", "*")
    assert [s.scope for s in await store.all_slas()] == ["*", "etl", "etl/daily"]

    assert await store.clear_sla("etl", "daily")
    assert not await store.clear_sla("etl", "daily")
    assert (await store.sla_for("etl", "daily")).runtime_scope == "etl"


async def test_the_newest_good_runs_are_kept_per_workflow(store: Store) -> None:
    runs = [
        GoodRun(str(1000 + i), "etl", "daily", timedelta(minutes=i), at(i)) for i in range(KEEP + 5)
    ]
    await store.record_good_runs(runs[:10])
    await store.record_good_runs(runs[5:])  # seen again: no change
    await store.record_good_runs([GoodRun("9", "etl", "hourly", timedelta(seconds=90), at(1))])
    kept = await store.good_runs_of([("etl", "daily"), ("etl", "hourly"), ("etl", "none")])
    assert kept[("etl", "daily")] == [timedelta(minutes=i) for i in range(KEEP + 4, 4, -1)]
    assert kept[("etl", "hourly")] == [timedelta(seconds=90)]
    assert ("etl", "none") not in kept
    assert await store.learned_workflows("etl") == [("etl", "daily"), ("etl", "hourly")]


async def test_a_seed_is_recorded_once_with_its_runs_kept_like_the_polls(store: Store) -> None:
    polled = GoodRun("1", "etl", "daily", timedelta(minutes=3), at(KEEP + 1))
    await store.record_good_runs([polled])
    history = [
        GoodRun(str(100 + i), "etl", "daily", timedelta(minutes=i), at(i)) for i in range(KEEP)
    ]
    assert await store.seed_baseline("etl", "daily", [*history, polled], now=at(0))
    # Another replica seeding too: nothing changes, whatever it read.
    other = [GoodRun("7", "etl", "daily", timedelta(hours=9), at(KEEP + 2))]
    assert not await store.seed_baseline("etl", "daily", other, now=at(0))
    assert await store.seed_baseline("etl", "empty", [], now=at(0))

    assert await store.seeded_baselines() == {("etl", "daily"), ("etl", "empty")}
    kept = (await store.good_runs_of([("etl", "daily")]))[("etl", "daily")]
    assert kept == [timedelta(minutes=3), *(timedelta(minutes=i) for i in range(KEEP - 1, 0, -1))]
    assert await store.good_run_counts() == {("etl", "daily"): KEEP}


async def test_silent_claims_carry_their_payload_and_are_leased_apart(store: Store) -> None:
    silent = await store.claim_alert(
        "C1", "late:900", "900", "etl", "daily", AlertKind.SILENT, now=T0, payload='{"x": 1}'
    )
    failure = await store.claim_alert("C1", "901", "900", "etl", "daily", AlertKind.FAILURE, now=T0)
    assert silent is not None and silent.payload == '{"x": 1}'
    assert failure is not None and failure.payload is None
    assert (await store.claim_of("C1", "late:900")) == silent
    later = T0 + timedelta(hours=1)
    assert [c.id for c in await store.pending_deliveries(later)] == [failure.id]
    taken = await store.pending_deliveries(later, kinds=[AlertKind.SILENT])
    assert [c.id for c in taken] == [silent.id] and taken[0].tries == 2
