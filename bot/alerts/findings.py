"""Silent failures as plain values: what to alert about, and what resolved it.

The four kinds of silent failure (``SilentKind``) are found by two watchers:
running long by the alert poll (``bot.alerts.running_long``), late, not started
and schedule disabled by the schedule watcher. Both hand their findings to the
one delivery, ``bot.alerts.silent.SilentAlerts``, which does everything else:

    silent = SilentAlerts(store=..., notifier=..., pacer=..., console=..., clock=...)
    report = await silent.report(findings, resolved)    # -> DeliveryReport

``report`` finds the channels subscribed to each finding's workflow, leaves out
muted scopes, claims each (kind, subject) once per channel across restarts and
replicas (``alert_deliveries``, taken over by lease like failure alerts), posts
the short parent (or a digest line when more than ``digest_over`` new threads
would open in one channel), records the thread (``threads.status`` is the
kind's value while open), and for each ``Resolved`` edits the parent and
replies in its thread how it ended. Calling it again with the same findings is
harmless: a claim is taken once, so a watcher may report what it still sees on
every round. Claims of earlier rounds that are due again (a crash, a 429) are
delivered by every call too, so a watcher with nothing new passes two empty
sequences.

Subjects (the thread key, ``threads.session_id``):

- a session exists (running long; late while running or failed): its session
  id, so a failure of the session joins the same thread;
- a scheduled slot with no session yet (late or not started):
  ``slot_subject(schedule_id, session_time)`` = ``"slot:<schedule id>:<UTC time>"``;
- a disabled schedule: ``schedule_subject(schedule_id, disabled_at)`` =
  ``"schedule:<schedule id>:<UTC time>"``, so a schedule disabled again later
  is a new alert.

UTC times in subjects are written ``2026-12-06T07:00:00Z`` (``subject_time``).

Evidence one click away: a finding with no attempt carries ``workflow_id`` (the
parent links the workflow's console page), a late finding whose run is still
running carries its running ``tasks`` (as running long does), and a running-long
attempt TD deleted ends as ``Resolved(how=ResolvedHow.GONE, attempt_id=...)``.

The values themselves live in ``bot.silent.findings`` (below ``bot.present``,
which words them); they are re-exported here so the watchers import one module.
"""

from bot.silent.findings import (
    Baseline,
    Facts,
    Finding,
    Late,
    LateState,
    LimitSource,
    NotStarted,
    Resolved,
    ResolvedHow,
    RunningLong,
    RunningTask,
    ScheduleDisabled,
    SilentKind,
    alert_key,
    schedule_subject,
    slot_subject,
    subject_time,
)

__all__ = [
    "Baseline",
    "Facts",
    "Finding",
    "Late",
    "LateState",
    "LimitSource",
    "NotStarted",
    "Resolved",
    "ResolvedHow",
    "RunningLong",
    "RunningTask",
    "ScheduleDisabled",
    "SilentKind",
    "alert_key",
    "schedule_subject",
    "slot_subject",
    "subject_time",
]
