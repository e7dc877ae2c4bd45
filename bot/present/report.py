"""A reliability report as one Message: totals, the flakiest, the slowest, the least
reliable, with the chart (PNG) and the per-workflow table (CSV) as its files.

Workflow and project names come from TD: they go into mrkdwn only through
``bot.message.mrkdwn``. The CSV holds every workflow, so the message itself
stays short whatever the scope's size.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re

from bot.charts import render_report_png
from bot.message import Field, File, Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.reports import Report, Totals, WorkflowStats, flakiest, least_reliable, slowest

TOP = 5
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell
_FILE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def change(stats: WorkflowStats, days: int) -> str:
    delta = stats.p95_change
    period = "the day before" if days == 1 else f"the {days} days before"
    if delta is None:
        return f"no successful run in {period}"
    before = f"{period} ({fmt.duration(stats.previous_p95)})"
    if delta >= 1:  # past doubling a factor reads at a glance, where "10370% slower" does not
        return f"{1 + delta:.1f}× {before}"
    return f"{abs(delta):.0%} {'slower' if delta > 0 else 'faster'} than {before}"


def _name(stats: WorkflowStats) -> str:
    return md.code(stats.name, 120)


def _flaky_line(w: WorkflowStats) -> str:
    return (
        f"• {_name(w)}: {w.recovered} of {fmt.plural(w.runs, 'run')} failed, then recovered; "
        f"{fmt.duration(w.mean_recovery)} to recover on average"
    )


def _slow_line(w: WorkflowStats, days: int) -> str:
    return f"• {_name(w)}: p95 {fmt.duration(w.p95)}, {change(w, days)}"


def _rate_line(w: WorkflowStats) -> str:
    return f"• {_name(w)}: {percent(w.success_rate)} ({w.failures} of {w.finished} failed)"


def _rate_of_finished(totals: Totals) -> str:
    # Runs still going have no outcome: the rate says what it is of, so the totals add up.
    finished = totals.successes + totals.failures
    return f"{percent(totals.success_rate)} ({totals.successes:,} of {finished:,} finished runs)"


def _section(heading: str, lines: list[str]) -> tuple[str, ...]:
    return md.pack([md.bold(heading), *lines]) if lines else ()


def file_stem(report: Report) -> str:
    scope = _FILE_SAFE.sub("_", report.scope.replace("*", "all"))[:60].strip("_") or "scope"
    return f"report-{scope}-{report.period.days}d-{report.period.end:%Y%m%d}"


def title_of(report: Report) -> str:
    days = fmt.plural(report.period.days, "day")
    return f"Reliability of {report.scope}, last {days}"


def report_message(report: Report, chart: bytes | None) -> Message:
    """The report as a Message; ``chart`` is its PNG (``report_chart``), None for none."""
    title = title_of(report)
    period = (
        f"{fmt.slack_time(report.period.start)} to {fmt.slack_time(report.period.end)}; "
        f"days in {md.text(report.timezone, 60)}"
    )
    if report.empty:
        return Message(
            title=f"No runs of {report.scope} in the last {fmt.plural(report.period.days, 'day')}",
            text=f"{title}: no runs in the period",
            emoji=":zzz:",
            sections=(
                f"TD has no session of {md.code(report.scope, 300)} that started in the last "
                f"{fmt.plural(report.period.days, 'day')}: nothing to report.",
            ),
            context=(period,),
        )
    totals = report.totals
    days = report.period.days
    sections = (
        *_section(
            "Flakiest (failed, then recovered)",
            [_flaky_line(w) for w in flakiest(report.workflows, TOP)],
        ),
        *_section(
            "Slowest (p95 of successful runs)",
            [_slow_line(w, days) for w in slowest(report.workflows, TOP)],
        ),
        *_section(
            "Lowest success rates",
            [_rate_line(w) for w in least_reliable(report.workflows, TOP)],
        ),
    )
    stem = file_stem(report)
    files = [File(f"{stem}.csv", f"{title}: every workflow", workflow_table(report))]
    if chart is not None:
        files.insert(0, File(f"{stem}.png", f"{title}: runs per day", chart))
    return Message(
        title=title,
        text=(
            f"{title}: {fmt.plural(totals.runs, 'run')}, {totals.failures} failed, "
            f"{percent(totals.success_rate)} succeeded, {totals.recovered} recovered"
        ),
        emoji=":bar_chart:",
        fields=(
            Field("Runs", f"{totals.runs:,} of {fmt.plural(totals.workflows, 'workflow')}"),
            Field("Success rate", _rate_of_finished(totals)),
            Field("Failed", f"{totals.failures:,}"),
            Field("Recovered", f"{totals.recovered:,} (succeeded on a retry)"),
            Field("Time to recover", fmt.duration(totals.mean_recovery) + " on average"),
            Field("Still running", f"{totals.running:,}"),
        ),
        sections=sections
        or ("Every run of the period succeeded at its first attempt, or is still running.",),
        context=(
            period,
            "A run is a session, counted once with its last attempt's outcome. Every "
            "workflow's numbers are in the CSV file.",
        ),
        files=tuple(files),
    )


def workflow_table(report: Report) -> bytes:
    """Every workflow of the report as CSV (names from TD, guarded against formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "project",
            "workflow",
            "runs",
            "successes",
            "failures",
            "running",
            "success_rate",
            "recovered",
            "mean_time_to_recover_s",
            "p95_duration_s",
            "previous_p95_duration_s",
        ]
    )
    for w in report.workflows:
        writer.writerow(
            [
                _cell(w.project),
                _cell(w.workflow),
                w.runs,
                w.successes,
                w.failures,
                w.running,
                "" if w.success_rate is None else f"{w.success_rate:.4f}",
                w.recovered,
                _number(w.mean_recovery),
                _number(w.p95),
                _number(w.previous_p95),
            ]
        )
    return out.getvalue().encode("utf-8")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def report_chart(report: Report) -> bytes | None:
    """The PNG of runs per day (and the slowest workflow's trend); None for no runs."""
    if report.empty:
        return None
    return render_report_png(
        title_of(report), report.days, report.trend, period_start=report.period.start
    )


async def present_report(report: Report) -> Message:
    """The Message with its chart, drawn off the event loop (matplotlib takes a moment)."""
    chart = await asyncio.to_thread(report_chart, report)
    return report_message(report, chart)
