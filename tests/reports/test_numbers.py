"""A report's numbers equal those computed from the sandbox's own sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.commands import Scope
from bot.present.report import report_message
from bot.reports import Report, ReportService
from bot.sandbox import Sandbox
from bot.store import Store
from bot.store.report_cache import AttemptRow, epoch
from tests.reports.expected import expected_numbers


@pytest.mark.parametrize("days", [1, 2, 7])
async def test_every_workflow_matches_the_sandbox(
    sandbox: Sandbox, reports: ReportService, days: int
) -> None:
    report = await reports.report([Scope(None)], days)
    expected = expected_numbers(sandbox, days)
    assert expected, "the seeded account has runs in the period"
    got = {(w.project, w.workflow): w for w in report.workflows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        stats = got[key]
        assert (stats.runs, stats.successes, stats.failures, stats.running) == (
            want.runs,
            want.successes,
            want.failures,
            want.running,
        ), key
        assert stats.recovered == len(want.recoveries), key
        if want.recoveries:
            assert stats.mean_recovery == pytest.approx(sum(want.recoveries) / len(want.recoveries))
        assert stats.p95 == want.p95, key
        assert stats.previous_p95 == want.previous_p95, key
    assert report.totals.runs == sum(w.runs for w in expected.values())
    assert report.totals.failures == sum(w.failures for w in expected.values())
    assert sum(d.runs for d in report.days) == report.totals.runs
    # The seeded account has runs that failed and recovered on retry, and (4 days of
    # history) a previous period for the shorter reports.
    assert report.totals.recovered > 0
    assert any(w.previous_p95 is not None for w in report.workflows) == (days < 4)


async def test_a_project_scope_counts_only_its_workflows(
    sandbox: Sandbox, reports: ReportService
) -> None:
    expected = expected_numbers(sandbox, 7, project="web_analytics")
    report = await reports.report([Scope("web_analytics")], 7)
    assert len(expected) == 3
    assert {(w.project, w.workflow): w.runs for w in report.workflows} == {
        key: want.runs for key, want in expected.items()
    }


def _runs(report: Report) -> dict[tuple[str, str], tuple[int, int, int, int, int]]:
    return {
        (w.project, w.workflow): (w.runs, w.successes, w.failures, w.running, w.recovered)
        for w in report.workflows
    }


def _expected_runs(sandbox: Sandbox, days: int) -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        key: (e.runs, e.successes, e.failures, e.running, len(e.recoveries))
        for key, e in expected_numbers(sandbox, days).items()
    }


async def test_the_cache_reads_only_what_is_new_and_stays_exact(
    sandbox: Sandbox, reports: ReportService
) -> None:
    sandbox.requests.clear()
    first = await reports.report([Scope(None)], 2)
    cold = sandbox.requests.count("/api/attempts")
    assert first.totals.running > 0  # read while unfinished: read again below
    running_before = first.totals.running

    sandbox.requests.clear()
    again = await reports.report([Scope(None)], 2)
    warm = sandbox.requests.count("/api/attempts")
    assert _runs(again) == _runs(first)
    assert warm < cold

    # Hours later: new runs, failures, automatic retries that recover, runs that ended.
    sandbox.fail_next("web_analytics/pageviews_hourly", "cluster_out_of_memory")
    sandbox.advance(3 * 3600)
    later = await reports.report([Scope(None)], 2)
    assert _runs(later) == _expected_runs(sandbox, 2)
    assert later.totals.runs > first.totals.runs
    assert later.totals.running <= running_before + 1


async def test_a_longer_report_reads_further_back_only(
    sandbox: Sandbox, reports: ReportService
) -> None:
    await reports.report([Scope(None)], 1)
    sandbox.requests.clear()
    longer = await reports.report([Scope(None)], 2)
    assert _runs(longer) == _expected_runs(sandbox, 2)
    extended = sandbox.requests.count("/api/attempts")
    sandbox.requests.clear()
    await reports.report([Scope(None)], 2)
    assert sandbox.requests.count("/api/attempts") < extended


async def test_the_totals_a_reader_sees_add_up(reports: ReportService) -> None:
    # "Runs 208 · Success rate 64.7% · Failed 73 · Still running 1": the rate is of the
    # finished runs, so the message says what it is of, and the parts make the whole.
    report = await reports.report([Scope(None)], 1)
    totals = report.totals
    assert totals.running > 0 or totals.failures > 0
    fields = {f.label: f.value for f in report_message(report, None).fields}
    finished = totals.successes + totals.failures
    assert fields["Runs"].startswith(f"{totals.runs:,} of ")
    assert fields["Success rate"] == (
        f"{totals.success_rate:.1%} ({totals.successes:,} of {finished:,} finished runs)"
    )
    assert fields["Failed"] == f"{totals.failures:,}"
    # Recovered runs are among the successes, not a part of the failures.
    assert fields["Recovered"] == f"{totals.recovered:,} (succeeded on a retry)"
    assert fields["Still running"] == f"{totals.running:,}"
    assert totals.successes + totals.failures + totals.running == totals.runs


async def test_an_unfinished_run_deleted_at_td_is_dropped_not_asked_for_again(
    sandbox: Sandbox, reports: ReportService, store: Store
) -> None:
    await reports.report([Scope(None)], 2)
    # A run cached while it was running, two days ago, that TD no longer has (its
    # project was pushed again, or deleted): a stuck run is asked for by id.
    project, workflow = next(iter(expected_numbers(sandbox, 2)))
    created = epoch(sandbox.clock.now() - timedelta(days=1, hours=12))
    ghost = AttemptRow(9_000_000_001, 9_000_000_001, 1, project, workflow, "running", created, None)
    state = await store.report_cache.feed(project, None)
    assert state is not None
    await store.report_cache.save([ghost], state)
    asked = f"/api/attempts/{ghost.attempt_id}"

    sandbox.requests.clear()
    first = await reports.report([Scope(None)], 2)
    assert sandbox.requests.count(asked) == 1  # TD answers 404
    assert _runs(first) == _expected_runs(sandbox, 2)

    sandbox.requests.clear()
    again = await reports.report([Scope(None)], 2)
    assert sandbox.requests.count(asked) == 0
    assert _runs(again) == _runs(first)
