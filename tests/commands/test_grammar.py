from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import (
    JOB_STATUSES,
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
    command_text,
    format_duration,
    parse_duration,
)
from tests.commands.grammar import HELP, parse


def test_every_help_example_parses_to_its_own_subcommand() -> None:
    names = [entry.name for entry in HELP]
    assert len(names) == len(set(names))
    for entry in HELP:
        assert entry.usage.startswith(f"/td {entry.name}") and entry.summary
        command = parse(entry.example)
        assert not isinstance(command, CommandError), (entry.example, command)
        assert command_text(command).split()[0] == entry.name


def test_every_subcommand_has_help() -> None:
    documented = {entry.name for entry in HELP}
    every = "help job jobs session sessions attempt diagnose timeline subscribe unsubscribe"
    for word in [*every.split(), "subscriptions", "mute", "unmute", "retry", "kill"]:
        assert word in documented
        assert parse(f"help {word}") == Help(word)


@pytest.mark.parametrize(
    "build",
    [
        lambda: ShowJob("0"),
        lambda: ShowJob("007"),
        lambda: ShowJob("12a"),
        lambda: Retry(str(2**63)),
        lambda: ListJobs(None, 0),
        lambda: ListJobs(None, 101),
        lambda: ListSessions("p", None, True),
        lambda: Scope(None, "wf"),
        lambda: Scope(""),
        lambda: Scope("*"),
        lambda: Scope("a/b"),
        lambda: Scope(" a"),
        lambda: Mute(Scope("p"), timedelta(seconds=59)),
        lambda: Mute(Scope("p"), timedelta(days=30, seconds=1)),
        lambda: AttemptTarget("x"),
    ],
)
def test_commands_validate_their_values(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_scope_text() -> None:
    assert str(Scope(None)) == "*" and Scope(None).everything
    assert str(Scope("p", "w")) == "p/w" and not Scope("p").everything


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("4h", 14400),
        ("2d", 172800),
        ("1w", 604800),
        ("1h30m", 5400),
        ("2days", 172800),
        ("45min", 2700),
        ("1H", 3600),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text", ["", "4", "h", "4x", "1.5h", "-1h", "4 h", "1h-30m", "9" * 20 + "s"]
)
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_format_duration_is_short() -> None:
    assert format_duration(timedelta(days=1, hours=2, seconds=5)) == "1d2h5s"
    assert format_duration(timedelta(minutes=30)) == "30m"


# Round trip: every command written as text parses back to itself.
_id = st.integers(min_value=1, max_value=2**63 - 1).map(str)
_name = (
    st.text(
        alphabet=st.characters(
            categories=["L", "N"], include_characters="_-. ", exclude_characters="/"
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: s not in ("", "*"))
)
_scope = st.one_of(
    st.just(Scope(None)),
    st.builds(Scope, _name, st.none() | _name),
)
_named_scope = st.builds(Scope, _name, st.none() | _name)
_commands: st.SearchStrategy[Command] = st.one_of(
    st.builds(Help, st.none() | st.sampled_from([entry.name for entry in HELP])),
    st.builds(ShowJob, _id),
    st.builds(ListJobs, st.none() | st.sampled_from(JOB_STATUSES), st.integers(1, 100)),
    st.builds(ShowSession, _id),
    _named_scope.flatmap(
        lambda s: st.builds(
            ListSessions, st.just(s.project), st.just(s.workflow), st.integers(1, 100)
        )
    ),
    st.builds(ShowAttempt, _id),
    st.builds(
        Diagnose,
        st.none()
        | st.builds(AttemptTarget, _id)
        | st.builds(SessionTarget, _id)
        | st.builds(JobTarget, _id),
    ),
    st.builds(Subscribe, _scope),
    st.builds(Unsubscribe, _scope),
    st.just(ListSubscriptions()),
    st.builds(Mute, _scope, st.integers(60, 30 * 86400).map(lambda s: timedelta(seconds=s))),
    st.builds(Unmute, _scope),
    st.builds(Retry, _id),
    st.builds(Kill, _id),
    st.builds(KillJob, _id),
    st.builds(Timeline, _id),
)


@given(_commands)
def test_command_text_round_trips(command: Command) -> None:
    text = command_text(command)
    assert parse(text) == command
    assert parse(f"/td {text}") == command
    assert parse(f"<@U0BOT> {text}") == command
