"""Every subcommand and every error message, by example."""

# ruff: noqa: E501

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.commands import (
    AttemptTarget,
    Command,
    CommandError,
    Diagnose,
    Help,
    JobTarget,
    Kill,
    KillJob,
    ListJobs,
    ListSessions,
    ListSubscriptions,
    Mute,
    Retry,
    Scope,
    SessionTarget,
    ShowAttempt,
    ShowJob,
    ShowSession,
    Subscribe,
    Timeline,
    Unmute,
    Unsubscribe,
)
from bot.td.models import JobStatus
from tests.commands.grammar import parse, usage

CONSOLE = "https://console.treasuredata.com"
JOB_URL = f"{CONSOLE}/app/jobs/12345"
SESSION_URL = f"{CONSOLE}/app/workflows/sessions/4567"
ATTEMPT_URL = f"{CONSOLE}/app/workflows/11/sessions/4567/attempt/98765"
SANDBOX = "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Help()),
        ("help", Help()),
        ("?", Help()),
        ("help mute", Help("mute")),
        ("help why", Help("diagnose")),
        ("job 12345", ShowJob("12345")),
        ("job 007", ShowJob("7")),
        ("job #12345", ShowJob("12345")),
        (f"job {JOB_URL}", ShowJob("12345")),
        ("job https://console.treasuredata.com/jobs/12345", ShowJob("12345")),
        ("jobs", ListJobs(None, 10)),
        ("jobs error", ListJobs(JobStatus.ERROR, 10)),
        ("jobs 20", ListJobs(None, 20)),
        ("jobs error 20", ListJobs(JobStatus.ERROR, 20)),
        ("jobs 20 RUNNING", ListJobs(JobStatus.RUNNING, 20)),
        ("jobs failed 100", ListJobs(JobStatus.ERROR, 100)),
        ("session 4567", ShowSession("4567")),
        (f"session {SESSION_URL}", ShowSession("4567")),
        (f"session {CONSOLE}/app/workflows/11/sessions/4567", ShowSession("4567")),
        ("sessions sales_etl", ListSessions("sales_etl", None, 10)),
        ("sessions sales_etl/daily 5", ListSessions("sales_etl", "daily", 5)),
        ('sessions "my project"/daily', ListSessions("my project", "daily", 10)),
        ("attempt 98765", ShowAttempt("98765")),
        (f"attempt {ATTEMPT_URL}", ShowAttempt("98765")),
        (f"attempt {CONSOLE}/app/workflows/attempts/98765", ShowAttempt("98765")),
        ("diagnose", Diagnose(None)),
        ("why", Diagnose(None)),
        ("why?", Diagnose(None)),
        ("why did this fail?", Diagnose(None)),
        ("diagnose 98765", Diagnose(AttemptTarget("98765"))),
        ("why 98765", Diagnose(AttemptTarget("98765"))),
        ("diagnose attempt 98765", Diagnose(AttemptTarget("98765"))),
        ("diagnose session 4567", Diagnose(SessionTarget("4567"))),
        ("diagnose job 12345", Diagnose(JobTarget("12345"))),
        (f"diagnose {JOB_URL}", Diagnose(JobTarget("12345"))),
        (f"diagnose {SESSION_URL}", Diagnose(SessionTarget("4567"))),
        (f"diagnose {ATTEMPT_URL}", Diagnose(AttemptTarget("98765"))),
        (f"diagnose session {SESSION_URL}", Diagnose(SessionTarget("4567"))),
        ("subscribe sales_etl", Subscribe(Scope("sales_etl"))),
        ("subscribe sales_etl/daily", Subscribe(Scope("sales_etl", "daily"))),
        ("subscribe sales_etl/*", Subscribe(Scope("sales_etl"))),
        ("subscribe *", Subscribe(Scope(None))),
        ("unsubscribe sales_etl/daily", Unsubscribe(Scope("sales_etl", "daily"))),
        ("unsubscribe *", Unsubscribe(Scope(None))),
        ("subscriptions", ListSubscriptions()),
        ("mute sales_etl 30m", Mute(Scope("sales_etl"), timedelta(minutes=30))),
        ("mute sales_etl/daily 4h", Mute(Scope("sales_etl", "daily"), timedelta(hours=4))),
        ("mute 2d sales_etl", Mute(Scope("sales_etl"), timedelta(days=2))),
        ("mute * 1h30m", Mute(Scope(None), timedelta(minutes=90))),
        ("mute sales_etl 90s", Mute(Scope("sales_etl"), timedelta(seconds=90))),
        ("mute sales_etl 1w", Mute(Scope("sales_etl"), timedelta(days=7))),
        ("mute sales_etl 30d", Mute(Scope("sales_etl"), timedelta(days=30))),
        ("mute sales_etl 2hours", Mute(Scope("sales_etl"), timedelta(hours=2))),
        ("unmute sales_etl/daily", Unmute(Scope("sales_etl", "daily"))),
        ("retry 98765", Retry("98765")),
        (f"retry {ATTEMPT_URL}", Retry("98765")),
        ("kill 98765", Kill("98765")),
        ("kill attempt 98765", Kill("98765")),
        ("kill job 12345", KillJob("12345")),
        (f"kill {JOB_URL}", KillJob("12345")),
        (f"kill job {JOB_URL}", KillJob("12345")),
        ("timeline 98765", Timeline("98765")),
        (f"timeline {ATTEMPT_URL}", Timeline("98765")),
        # A link on its own.
        (JOB_URL, ShowJob("12345")),
        (SESSION_URL, ShowSession("4567")),
        (ATTEMPT_URL, ShowAttempt("98765")),
        ("https://console.us01.treasuredata.com/app/jobs/1", ShowJob("1")),
        ("https://console.treasuredata.co.jp/app/jobs/2", ShowJob("2")),
        ("https://console.eu01.treasuredata.com/app/workflows/sessions/3", ShowSession("3")),
        (
            "https://console.ap02.treasuredata.com/app/workflows/1/sessions/2/attempt/4",
            ShowAttempt("4"),
        ),
        ("https://console.ap03.treasuredata.com/app/jobs/5/", ShowJob("5")),
        ("console.treasuredata.com/app/jobs/6", ShowJob("6")),
        (f"{JOB_URL}?tab=output#top", ShowJob("12345")),
    ],
)
def test_commands(text: str, command: Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        # Slack's wrapping of links, mentions and escaped characters.
        (f"job <{JOB_URL}|console.treasuredata.com/app/jobs/12345>", ShowJob("12345")),
        (f"job <{JOB_URL}>", ShowJob("12345")),
        (f"<{ATTEMPT_URL}>", ShowAttempt("98765")),
        (f"job &lt;{JOB_URL}&gt;", ShowJob("12345")),
        ("<@U123ABC> job 12345", ShowJob("12345")),
        ("<@U123ABC|tdbot>   why", Diagnose(None)),
        ("<@U123ABC> <@U999> diagnose", Diagnose(None)),
        ("/td job 12345", ShowJob("12345")),
        ("<@U123ABC> /td job 12345", ShowJob("12345")),
        # Case, spacing, width and quotes.
        ("  JOB   12345  ", ShowJob("12345")),
        ("Diagnose SESSION 4567", Diagnose(SessionTarget("4567"))),
        ("\u201cjob\u201d \u201812345\u2019", ShowJob("12345")),
        ("ｊｏｂ\u3000１２３４５", ShowJob("12345")),
        ("job\t12345\n", ShowJob("12345")),
        ("job 12345.", ShowJob("12345")),
        ("job\x00 12345", ShowJob("12345")),
    ],
)
def test_slack_and_typing_noise_is_tolerated(text: str, command: Command) -> None:
    assert parse(text) == command


def test_configured_console_base_links_are_understood() -> None:
    assert parse(f"{SANDBOX}/app/jobs/3", console_base=SANDBOX) == ShowJob("3")
    assert parse(f"job {SANDBOX}/app/jobs/3", console_base=SANDBOX) == ShowJob("3")
    based = "http://127.0.0.1:8123/console"
    assert parse(f"session {based}/app/workflows/sessions/8", console_base=based) == ShowSession(
        "8"
    )
    # Without the base the same URL is no console link.
    error = parse(f"job {SANDBOX}/app/jobs/3")
    assert isinstance(error, CommandError)
    assert "not a Treasure Data console link" in error.message


def _error(text: str) -> CommandError:
    result = parse(text)
    assert isinstance(result, CommandError), result
    assert result.message and result.usage
    return result


@pytest.mark.parametrize(
    ("text", "message", "usage_of"),
    [
        ("jbo 1", "unknown subcommand `jbo`; did you mean `job`?", "job"),
        ("sesions x", "unknown subcommand `sesions`; did you mean `sessions`?", "sessions"),
        ("whyy", "unknown subcommand `whyy`; did you mean `why`?", "diagnose"),
        ("frobnicate", "unknown subcommand `frobnicate`; `/td help` lists them all", None),
        ("help jbo", "there is no subcommand `jbo`; did you mean `job`?", "help"),
        ("help job jobs", "too many arguments: `help` takes at most one argument, so `jobs` is one too many", "help"),
        ("job", "`job` needs a job id or link, like `job 12345`", "job"),
        ("job abc", "`abc` is not a job id: job ids are numbers, like `job 12345`", "job"),
        ("job 0", "`0` is not a job id: job ids are numbers, like `job 12345`", "job"),
        ("job -5", "`-5` is not a job id: job ids are numbers, like `job 12345`", "job"),
        ("job 99999999999999999999", "`99999999999999999999` is not a job id", "job"),
        ("job 1 2", "too many arguments: `job` takes a job id or link, so `2` is one too many", "job"),
        (
            f"job {SESSION_URL}",
            "that URL is a session link, but `job` takes a job; for that session use `session 4567`",
            "job",
        ),
        (
            f"session {ATTEMPT_URL}",
            "that URL is an attempt link, but `session` takes a session; "
            "for that attempt use `attempt 98765`",
            "session",
        ),
        (
            f"retry {SESSION_URL}",
            "that URL is a session link, but `retry` takes an attempt; "
            "for that session use `session 4567`",
            "retry",
        ),
        (
            f"diagnose session {JOB_URL}",
            "that URL is a job link, but `diagnose session` takes a session; "
            "for that job use `diagnose job 12345`",
            "diagnose",
        ),
        (
            f"kill job {ATTEMPT_URL}",
            "that URL is an attempt link, but `kill job` takes a job; "
            "for that attempt use `kill 98765`",
            "kill",
        ),
        (
            f"timeline {CONSOLE}/app/workflows/11/info",
            "that URL is a console workflow page; `timeline` needs an attempt id or link",
            "timeline",
        ),
        (
            f"job {CONSOLE}/app/databases",
            "that console URL does not point at a job, a session or an attempt",
            "job",
        ),
        ("job https://example.com/app/jobs/1", "is not a Treasure Data console link", "job"),
        ("jobs erorr", "`erorr` is not a job status or a number; did you mean `error`?", "jobs"),
        ("jobs banana", "statuses: queued, booting, running, success, error, killed", "jobs"),
        ("jobs 0", "N must be 1-100, and `0` is not", "jobs"),
        ("jobs 101", "N must be 1-100, and `101` is not", "jobs"),
        ("jobs -3", "N must be 1-100, and `-3` is not", "jobs"),
        ("jobs 5 6", "give N only once", "jobs"),
        ("jobs error killed", "give the status only once", "jobs"),
        ("jobs error 5 x", "too many arguments: `jobs` takes at most two arguments, so `x` is one too many", "jobs"),
        ("sessions", "`sessions` needs a project (optionally /workflow), like", "sessions"),
        ("sessions *", "`sessions` needs a project, not `*`", "sessions"),
        ("sessions p 0", "N must be 1-100", "sessions"),
        ("sessions a/b/c", "`a/b/c` is not a scope: write <project> or <project>/<workflow>", "sessions"),
        ("sessions /daily", "`/daily` has no project name before the `/`", "sessions"),
        ("subscribe", "`subscribe` needs a project (optionally /workflow) or `*`", "subscribe"),
        ("subscribe a b", "too many arguments", "subscribe"),
        ("subscribe <#C123|general>", "`#general` looks like a channel", "subscribe"),
        ("subscribe <@U123>", "`@U123` looks like a mention", "subscribe"),
        (f"subscribe {JOB_URL}", "`subscribe` takes a project name (optionally /workflow), not a link", "subscribe"),
        ('subscribe a"b', 'is not a project name', "subscribe"),
        ("subscribe " + "p" * 300, "is not a project name", "subscribe"),
        ("subscriptions all", "too many arguments: `subscriptions` takes nothing", "subscriptions"),
        ("mute", "`mute` needs a project (optionally /workflow) and a duration", "mute"),
        ("mute sales_etl", "`mute` needs a duration too, like `mute sales_etl/daily 4h`", "mute"),
        ("mute 4h", "`mute` needs a project too", "mute"),
        ("mute sales_etl 4x", "`4x` is not a duration: use 30m, 4h or 2d", "mute"),
        ("mute sales_etl 1.5h", "`1.5h` is not a duration: use 30m, 4h or 2d", "mute"),
        ("mute sales_etl 30", "`30` needs a unit: 30m, 30h or 30d", "mute"),
        ("mute sales_etl 59s", "a mute lasts at least 1 minute", "mute"),
        ("mute sales_etl 0m", "a mute lasts at least 1 minute", "mute"),
        ("mute sales_etl 31d", "a mute lasts at most 30 days", "mute"),
        ("mute sales_etl 4h more", "too many arguments", "mute"),
        ("unmute", "`unmute` needs a project (optionally /workflow) or `*`", "unmute"),
        ("retry", "`retry` needs an attempt id or link, like `retry 98765`", "retry"),
        ("retry abc", "`abc` is not an attempt id: attempt ids are numbers, like `retry 98765`", "retry"),
        ("kill", "`kill` needs an attempt id or link, like `kill 98765`", "kill"),
        ("kill job", "`kill job` needs a job id or link, like `kill job 12345`", "kill"),
        ("kill session 4567", "`kill` stops an attempt or a job, not a session", "kill"),
        ("timeline", "`timeline` needs an attempt id or link, like `timeline 98765`", "timeline"),
        ("diagnose session", "`diagnose session` needs a session id or link, like `diagnose session 4567`", "diagnose"),
        ("diagnose abc", "`abc` is not an attempt id", "diagnose"),
        ("diagnose 1 2", "too many arguments", "diagnose"),
        ("why 1 2", "too many arguments", "diagnose"),
        ("attempt 1 2", "too many arguments", "attempt"),
        (
            "12345",
            "`12345` could be a job, a session or an attempt id; say which: "
            "`job 12345`, `session 12345` or `attempt 12345`",
            None,
        ),
        (f"{JOB_URL} extra", "too many arguments: a link alone is enough, so `extra` is one too many", "job"),
        (f"{CONSOLE}/app/projects/3", "that URL is a console project page", None),
        ("https://example.com/x", "is not a Treasure Data console link", None),
        ("x" * 5000, "that is too long for a command (5000 characters, at most 4000)", None),
    ],
)  # fmt: skip
def test_errors(text: str, message: str, usage_of: str | None) -> None:
    error = _error(text)
    assert message in error.message
    assert error.usage == (usage(usage_of) if usage_of else "/td help")


def test_echoed_text_is_short_masked_and_cannot_break_the_code_span() -> None:
    key = "1234/0123456789abcdef0123456789abcdef01234567"
    assert _error(f"job {key}").message.startswith("`1234/****` is not a job id")
    long_word = "`" + "y" * 200
    message = _error(f"job {long_word}").message
    assert message.count("`") == 4  # the two spans only: the echoed one and the example
    assert len(message) < 150


def test_usage_lines_are_the_help_entries() -> None:
    assert usage("job") == "/td job <job_id | job URL>"
    assert usage("no such thing") == "/td help"
