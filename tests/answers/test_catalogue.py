"""Each subcommand is declared once, and help, parsing and answering all follow it."""

from __future__ import annotations

from dataclasses import replace

import bot.commands
from bot.answers import SUBCOMMANDS, Answerer, RequestContext, Services
from bot.commands import ByName, Command, CommandError, Grammar, Help, Scope
from bot.message import Message
from bot.td import TDClient, derive_endpoints

GRAMMAR = Grammar(SUBCOMMANDS)
# Nothing here calls TD: an address where nothing listens is enough.
NOWHERE = derive_endpoints("http://127.0.0.1:9", "http://127.0.0.1:9", "http://c")


def all_command_types() -> set[type[Command]]:
    found: set[type[Command]] = set()
    todo = list(Command.__subclasses__())
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo.extend(kind.__subclasses__())
    return found


def test_every_command_value_belongs_to_a_declared_subcommand() -> None:
    declared = {s.name for s in SUBCOMMANDS}
    for kind in all_command_types() - {ByName}:
        assert kind.subcommand in declared, kind.__name__
    assert len(declared) == len(SUBCOMMANDS)


def test_a_name_stands_in_only_for_subcommands_declared_to_take_one() -> None:
    for declared in SUBCOMMANDS:
        parsed = GRAMMAR.parse(f"{declared.name} sales/daily")
        if declared.names:
            assert parsed == ByName(declared.name, Scope("sales", "daily")), declared.name
        else:
            assert not isinstance(parsed, ByName), declared.name


def test_every_example_parses_to_its_own_subcommand_and_reads_back() -> None:
    for declared in SUBCOMMANDS:
        parsed = GRAMMAR.parse(declared.example)
        assert not isinstance(parsed, CommandError), (declared.name, parsed)
        assert parsed.subcommand == declared.name
        assert GRAMMAR.parse(parsed.text()) == parsed


def test_aliases_and_usage_come_from_the_declarations() -> None:
    assert GRAMMAR.parse("? mute") == Help("mute")
    assert GRAMMAR.parse("help why") == Help("diagnose")
    for declared in SUBCOMMANDS:
        assert GRAMMAR.usage(declared.name) == declared.usage
    assert GRAMMAR.usage("no-such-thing") == "/td help"


async def test_help_lists_exactly_the_declarations() -> None:
    async with TDClient("1/" + "0" * 40, NOWHERE) as td:
        services = Services(td=td, console="http://c", grammar=GRAMMAR)
        [declared] = [s for s in SUBCOMMANDS if s.name == "help"]
        shown = await declared.handler(Help(), RequestContext("U1", "C1"), services)
    text = "\n".join(shown.sections)
    for s in SUBCOMMANDS:
        assert s.summary.split("`")[0][:40].replace("&", "&amp;") in text


async def test_a_declaration_is_all_it_takes_to_add_a_subcommand() -> None:
    """A new handler under an existing name is what the answerer runs: no other table."""

    async def shout(command: Command, ctx: RequestContext, services: Services) -> Message:
        return Message(title=f"you asked {command.text()}", text="t")

    swapped = [replace(s, handler=shout) if s.name == "jobs" else s for s in SUBCOMMANDS]
    async with TDClient("1/" + "0" * 40, NOWHERE) as td:
        answerer = Answerer(td, "http://c", swapped)
        reply = await answerer.answer(answerer.read("jobs error 3"), RequestContext("U1", "C1"))
    assert reply.title == "you asked jobs error 3"
    assert bot.commands.ListJobs.subcommand == "jobs"
