"""`/td` text -> Command | CommandError. Pure: no I/O, never raises on any input.

The same text arrives from slash commands (Slack escapes `&<>` and may wrap
links as `<url|label>`), from app mentions (`<@U123> job 1`), and from the
demo console (plain text). All three are reduced to the same tokens first.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.commands.durations import MAX_MUTE, MIN_MUTE, parse_duration
from bot.commands.grammar import (
    DEFAULT_LIMIT,
    GENERAL_USAGE,
    HELP_BY_NAME,
    JOB_STATUSES,
    MAX_ID,
    MAX_LIMIT,
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
    usage,
)
from bot.commands.urls import OBJECT_KINDS, ConsoleLink, ObjectKind, parse_console_url
from bot.td.models import JobStatus
from bot.text import cut, plain, strip_control

MAX_TEXT = 4000  # well above any real command; keeps parsing cheap on pasted logs
MAX_NAME = 255
_FRAGMENT = 40
_TOPICS = {"why": "diagnose", "?": "help"}  # words that share another's help entry
_STATUS_ALIASES = {"failed": JobStatus.ERROR, "succeeded": JobStatus.SUCCESS}
_EXAMPLE_ID = {"job": "12345", "session": "4567", "attempt": "98765"}
_TRAILING = ".,;:!?)"
_OBJECT_WORDS: dict[str, ObjectKind] = {kind: kind for kind in OBJECT_KINDS}

_LEADING_MENTIONS = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^<>]*)?>\s*)+")
_SLACK_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_QUOTES = str.maketrans(dict.fromkeys("“”„‟″«»", '"') | dict.fromkeys("‘’‚‛′", "'"))
# Double quotes group words (`"my project"/daily`); single quotes only wrap them.
_TOKEN = re.compile(r"(?:\"[^\"]*\"|\"(?![^\"]*\")|[^\s\"])+")
_QUOTED = re.compile(r"\"([^\"]*)\"")
_DIGITS = re.compile(r"[0-9]+")
_URLISH = re.compile(r"[a-z][a-z0-9+.\-]*://|console[\w\-.]*\.treasuredata\.", re.IGNORECASE)


def _unslack(match: re.Match[str]) -> str:
    target, _, label = match[1].partition("|")
    if "://" in target or target.startswith("@"):
        return target
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return "@" + (label.lstrip("@") or target[1:].partition("^")[0])
    return label or target


def _tokens(text: str) -> list[str]:
    """The words of a command, with Slack's markup, mention and `/td` prefix removed."""
    text = _LEADING_MENTIONS.sub("", text, count=1)
    # Slack escapes what the user typed, so `&lt;url&gt;` is a link typed by hand.
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    text = _SLACK_MARKUP.sub(_unslack, text)
    text = strip_control(text).translate(_QUOTES)
    words = []
    for match in _TOKEN.finditer(text):
        word = _QUOTED.sub(r"\1", match[0]).strip("'").strip()
        if word:
            words.append(word)
    if words and _fold(words[0]) == "/td":
        words = words[1:]
    return words


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def _frag(word: str) -> str:
    """User text echoed in a message: secrets masked, short, and unable to end the code span."""
    shown = cut(plain(word, MAX_TEXT), _FRAGMENT, marker="…")
    return "`" + shown.replace("`", "\u02cb") + "`"


def _article(noun: str) -> str:
    """`a job`, `an attempt`."""
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _canonical_id(word: str) -> str | None:
    digits = _fold(word).lstrip("#").lstrip("0")
    # NFKC can turn one character into several digits; int() refuses >4300 of them.
    if len(digits) > len(str(MAX_ID)) or not _DIGITS.fullmatch(digits):
        return None
    number = int(digits)
    return str(number) if 0 < number <= MAX_ID else None


def parse(text: str, console_base: str | None = None) -> Command | CommandError:
    """Parse `/td` text (or the text of an @-mention) into a command or a specific error.

    `console_base` is the configured console URL, whose links are accepted as
    well as those of every TD console host.
    """
    if len(text) > MAX_TEXT:
        return CommandError(
            f"that is too long for a command ({len(text)} characters, at most {MAX_TEXT})",
            GENERAL_USAGE,
        )
    words = _tokens(text)
    if not words:
        return Help()
    return _Parser(console_base).command(words)


Handler = Callable[[list[str]], Command | CommandError]


class _Parser:
    def __init__(self, console_base: str | None) -> None:
        self._console_base = console_base
        self._handlers: dict[str, Handler] = {
            "help": self._help,
            "job": self._job,
            "jobs": self._jobs,
            "session": self._session,
            "sessions": self._sessions,
            "attempt": self._attempt,
            "diagnose": self._diagnose,
            "timeline": self._timeline,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "subscriptions": self._subscriptions,
            "mute": self._mute,
            "unmute": self._unmute,
            "retry": self._retry,
            "kill": self._kill,
            "why": self._why,
            "?": self._help,
        }

    def command(self, words: list[str]) -> Command | CommandError:
        first, args = words[0], words[1:]
        name = self._keyword(first)
        if name in self._handlers:
            return self._handlers[name](args)
        if _URLISH.match(first):
            return self._bare_link(first, args)
        ident = _canonical_id(first.rstrip(_TRAILING))
        if ident is not None:
            return CommandError(
                f"`{ident}` could be a job, a session or an attempt id; say which: "
                f"`job {ident}`, `session {ident}` or `attempt {ident}`",
                GENERAL_USAGE,
            )
        return self._unknown(first)

    def _keyword(self, word: str) -> str:
        """The subcommand `word` names, tolerating case, width and a trailing `?` or `:`."""
        folded = _fold(word)
        trimmed = folded.rstrip("?!.,:;")
        return trimmed if folded not in self._handlers and trimmed in self._handlers else folded

    def _unknown(self, word: str) -> CommandError:
        guess = difflib.get_close_matches(_fold(word)[:64], list(self._handlers), n=1, cutoff=0.6)
        if guess:
            return CommandError(
                f"unknown subcommand {_frag(word)}; did you mean `{guess[0]}`?",
                usage(_TOPICS.get(guess[0], guess[0])),
            )
        return CommandError(
            f"unknown subcommand {_frag(word)}; `/td help` lists them all", GENERAL_USAGE
        )

    # ---------------------------------------------------------------- arguments

    @staticmethod
    def _arity(
        name: str, args: Sequence[str], most: int, needs: str | None = None, example: str = ""
    ) -> CommandError | None:
        """An error when `args` has too many words, or none though `needs` something."""
        help_name = name.split()[0]
        example = example or HELP_BY_NAME[help_name].example.removeprefix("/td ")
        if needs is not None and not args:
            return CommandError(f"`{name}` needs {needs}, like `{example}`", usage(help_name))
        if len(args) > most:
            extra = args[most]
            counted = f"at most {('one', 'two')[most - 1]} argument{'s' * (most > 1)}"
            takes = "nothing" if most == 0 else needs or counted
            return CommandError(
                f"too many arguments: `{name}` takes {takes}, so {_frag(extra)} is one too many",
                usage(help_name),
            )
        return None

    def _object(
        self, word: str, want: Sequence[ObjectKind], name: str
    ) -> tuple[ObjectKind | None, str] | CommandError:
        """An id or console link of one of the `want` kinds; kind None for a bare id."""
        noun = want[0]
        word = word.rstrip(_TRAILING) or word
        help_name = name.split()[0]
        if _URLISH.match(word):
            link = parse_console_url(word, self._console_base)
            if link is None:
                return CommandError(
                    f"{_frag(word)} is not a Treasure Data console link", usage(help_name)
                )
            if link.kind not in OBJECT_KINDS or link.object_id is None:
                return CommandError(
                    f"{_not_an_object(link)}; `{name}` needs {_article(noun)} id or link",
                    usage(help_name),
                )
            if link.kind not in want:
                return CommandError(
                    f"that URL is {_article(link.kind)} link, but `{name}` takes "
                    f"{_article(noun)}; for that {link.kind} use "
                    f"`{_suggest(name, link.kind, link.object_id)}`",
                    usage(help_name),
                )
            return link.kind, link.object_id
        ident = _canonical_id(word)
        if ident is None:
            return CommandError(
                f"{_frag(word)} is not {_article(noun)} id: {noun} ids are numbers, "
                f"like `{name} {_EXAMPLE_ID[noun]}`",
                usage(help_name),
            )
        return None, ident

    def _single_object(
        self, name: str, args: list[str], want: Sequence[ObjectKind]
    ) -> tuple[ObjectKind | None, str] | CommandError:
        noun = want[0]
        needs = f"{_article(noun)} id or link"
        error = self._arity(name, args, 1, needs, f"{name} {_EXAMPLE_ID[noun]}")
        return error or self._object(args[0], want, name)

    def _scope(self, word: str, name: str, *, everything: bool) -> Scope | CommandError:
        fix = usage(name)
        if word == "*":
            if everything:
                return Scope(None)
            return CommandError(f"`{name}` needs a project, not `*`", fix)
        if _URLISH.match(word):
            return CommandError(
                f"`{name}` takes a project name (optionally /workflow), not a link", fix
            )
        if word[0] in "#@":
            what = "a channel" if word[0] == "#" else "a mention"
            return CommandError(
                f"{_frag(word)} looks like {what}; `{name}` takes a project name, "
                "and acts on the channel it is used in",
                fix,
            )
        if len(word) > MAX_NAME or '"' in word:
            return CommandError(f"{_frag(word)} is not a project name", fix)
        parts = [part.strip() for part in word.split("/")]
        if len(parts) > 2:
            return CommandError(
                f"{_frag(word)} is not a scope: write <project> or <project>/<workflow>", fix
            )
        project = parts[0]
        workflow = parts[1] if len(parts) == 2 and parts[1] not in ("", "*") else None
        if not project or project == "*":
            return CommandError(f"{_frag(word)} has no project name before the `/`", fix)
        return Scope(project, workflow)

    @staticmethod
    def _limit(word: str, name: str) -> int | CommandError:
        folded = _fold(word)
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", folded) or not 1 <= int(folded) <= MAX_LIMIT:
            return CommandError(f"N must be 1-{MAX_LIMIT}, and {_frag(word)} is not", usage(name))
        return int(folded)

    @staticmethod
    def _duration(word: str) -> timedelta | CommandError:
        folded = _fold(word)
        duration = parse_duration(folded)
        if duration is None:
            if _DIGITS.fullmatch(folded) and len(folded) <= 7:
                return CommandError(
                    f"{_frag(word)} needs a unit: {folded}m, {folded}h or {folded}d",
                    usage("mute"),
                )
            return CommandError(
                f"{_frag(word)} is not a duration: use 30m, 4h or 2d", usage("mute")
            )
        if duration < MIN_MUTE:
            return CommandError("a mute lasts at least 1 minute", usage("mute"))
        if duration > MAX_MUTE:
            return CommandError("a mute lasts at most 30 days", usage("mute"))
        return duration

    # ---------------------------------------------------------------- subcommands

    def _help(self, args: list[str]) -> Command | CommandError:
        if error := self._arity("help", args, 1):
            return error
        if not args:
            return Help()
        topic = self._keyword(args[0])
        topic = _TOPICS.get(topic, topic)
        if topic in HELP_BY_NAME:
            return Help(topic)
        guess = difflib.get_close_matches(topic[:64], list(HELP_BY_NAME), n=1, cutoff=0.6)
        hint = f"; did you mean `{guess[0]}`?" if guess else "; `/td help` lists them all"
        return CommandError(f"there is no subcommand {_frag(args[0])}{hint}", usage("help"))

    def _job(self, args: list[str]) -> Command | CommandError:
        found = self._single_object("job", args, ("job",))
        return found if isinstance(found, CommandError) else ShowJob(found[1])

    def _jobs(self, args: list[str]) -> Command | CommandError:
        if error := self._arity("jobs", args, 2):
            return error
        status: JobStatus | None = None
        limit: int | None = None
        for word in args:
            folded = _fold(word)
            if re.fullmatch(r"[+-]?[0-9]+", folded):
                if limit is not None:
                    return CommandError("give N only once", usage("jobs"))
                parsed = self._limit(word, "jobs")
                if isinstance(parsed, CommandError):
                    return parsed
                limit = parsed
                continue
            named = _job_status(folded)
            if named is None:
                guess = difflib.get_close_matches(folded[:64], [*JOB_STATUSES], n=1, cutoff=0.6)
                hint = f"did you mean `{guess[0]}`? " if guess else ""
                return CommandError(
                    f"{_frag(word)} is not a job status or a number; {hint}"
                    f"statuses: {', '.join(JOB_STATUSES)}",
                    usage("jobs"),
                )
            if status is not None:
                return CommandError("give the status only once", usage("jobs"))
            status = named
        return ListJobs(status, DEFAULT_LIMIT if limit is None else limit)

    def _session(self, args: list[str]) -> Command | CommandError:
        found = self._single_object("session", args, ("session",))
        return found if isinstance(found, CommandError) else ShowSession(found[1])

    def _sessions(self, args: list[str]) -> Command | CommandError:
        if error := self._arity("sessions", args, 2, "a project (optionally /workflow)"):
            return error
        scope = self._scope(args[0], "sessions", everything=False)
        if isinstance(scope, CommandError):
            return scope
        limit = self._limit(args[1], "sessions") if len(args) == 2 else DEFAULT_LIMIT
        if isinstance(limit, CommandError):
            return limit
        assert scope.project is not None  # `everything=False` refuses `*`
        return ListSessions(scope.project, scope.workflow, limit)

    def _attempt(self, args: list[str]) -> Command | CommandError:
        found = self._single_object("attempt", args, ("attempt",))
        return found if isinstance(found, CommandError) else ShowAttempt(found[1])

    def _timeline(self, args: list[str]) -> Command | CommandError:
        found = self._single_object("timeline", args, ("attempt",))
        return found if isinstance(found, CommandError) else Timeline(found[1])

    def _retry(self, args: list[str]) -> Command | CommandError:
        found = self._single_object("retry", args, ("attempt",))
        return found if isinstance(found, CommandError) else Retry(found[1])

    def _diagnose(self, args: list[str]) -> Command | CommandError:
        if not args:
            return Diagnose(None)
        kind = _OBJECT_WORDS.get(_fold(args[0]))
        if kind is not None:
            found = self._single_object(f"diagnose {kind}", args[1:], (kind,))
        else:
            if error := self._arity("diagnose", args, 1):
                return error
            found = self._object(args[0], ("attempt", "session", "job"), "diagnose")
        if isinstance(found, CommandError):
            return found
        resolved, ident = found
        if (resolved or kind) == "job":
            return Diagnose(JobTarget(ident))
        if (resolved or kind) == "session":
            return Diagnose(SessionTarget(ident))
        return Diagnose(AttemptTarget(ident))

    def _why(self, args: list[str]) -> Command | CommandError:
        """`why` also reads as a question ("why did it fail?"): prose means the thread's attempt."""
        result = self._diagnose(args)
        if isinstance(result, CommandError) and not any(
            _URLISH.match(word) or _canonical_id(word.rstrip(_TRAILING)) for word in args
        ):
            return Diagnose(None)
        return result

    def _kill(self, args: list[str]) -> Command | CommandError:
        kind = _OBJECT_WORDS.get(_fold(args[0])) if args else None
        if kind == "session":
            return CommandError(
                "`kill` stops an attempt or a job, not a session; "
                "find the session's attempt with `session <id>`",
                usage("kill"),
            )
        if kind is not None:
            found = self._single_object(f"kill {kind}", args[1:], (kind,))
        else:
            found = self._single_object("kill", args, ("attempt", "job"))
        if isinstance(found, CommandError):
            return found
        resolved, ident = found
        return KillJob(ident) if (resolved or kind) == "job" else Kill(ident)

    def _scoped(self, name: str, args: list[str]) -> Scope | CommandError:
        error = self._arity(name, args, 1, "a project (optionally /workflow) or `*`")
        return error or self._scope(args[0], name, everything=True)

    def _subscribe(self, args: list[str]) -> Command | CommandError:
        scope = self._scoped("subscribe", args)
        return scope if isinstance(scope, CommandError) else Subscribe(scope)

    def _unsubscribe(self, args: list[str]) -> Command | CommandError:
        scope = self._scoped("unsubscribe", args)
        return scope if isinstance(scope, CommandError) else Unsubscribe(scope)

    def _unmute(self, args: list[str]) -> Command | CommandError:
        scope = self._scoped("unmute", args)
        return scope if isinstance(scope, CommandError) else Unmute(scope)

    def _subscriptions(self, args: list[str]) -> Command | CommandError:
        return self._arity("subscriptions", args, 0) or ListSubscriptions()

    def _mute(self, args: list[str]) -> Command | CommandError:
        if error := self._arity("mute", args, 2, "a project (optionally /workflow) and a duration"):
            return error
        if len(args) == 1:
            missing = "a project" if parse_duration(_fold(args[0])) else "a duration"
            return CommandError(
                f"`mute` needs {missing} too, like `mute sales_etl/daily 4h`", usage("mute")
            )
        scope_word, duration_word = args
        # Either order is fine as long as only one of the two reads as a duration.
        if parse_duration(_fold(duration_word)) is None and parse_duration(_fold(scope_word)):
            scope_word, duration_word = duration_word, scope_word
        duration = self._duration(duration_word)
        if isinstance(duration, CommandError):
            return duration
        scope = self._scope(scope_word, "mute", everything=True)
        return scope if isinstance(scope, CommandError) else Mute(scope, duration)

    def _bare_link(self, word: str, args: list[str]) -> Command | CommandError:
        """A link on its own: show what it points at."""
        link = parse_console_url(word.rstrip(_TRAILING) or word, self._console_base)
        understood = "/td understands links to jobs, sessions and attempts"
        if link is None:
            return CommandError(
                f"{_frag(word)} is not a Treasure Data console link; {understood}", GENERAL_USAGE
            )
        if link.object_id is None or link.kind not in _OBJECT_WORDS:
            return CommandError(f"{_not_an_object(link)}; {understood}", GENERAL_USAGE)
        if args:
            return CommandError(
                f"too many arguments: a link alone is enough, so {_frag(args[0])} is one too many",
                usage(link.kind),
            )
        if link.kind == "session":
            return ShowSession(link.object_id)
        if link.kind == "attempt":
            return ShowAttempt(link.object_id)
        return ShowJob(link.object_id)


def _job_status(word: str) -> JobStatus | None:
    if word in _STATUS_ALIASES:
        return _STATUS_ALIASES[word]
    return next((status for status in JOB_STATUSES if status.value == word), None)


def _not_an_object(link: ConsoleLink) -> str:
    if link.kind in ("workflow", "project"):
        return f"that URL is a console {link.kind} page"
    return "that console URL does not point at a job, a session or an attempt"


def _suggest(name: str, kind: ObjectKind, ident: str) -> str:
    """The command that does take a link of `kind`, in the spirit of `name`."""
    if name.startswith("diagnose"):
        return f"diagnose {ident}" if kind == "attempt" else f"diagnose {kind} {ident}"
    if name.startswith("kill") and kind in ("job", "attempt"):
        return f"kill {ident}" if kind == "attempt" else f"kill job {ident}"
    return f"{kind} {ident}"
