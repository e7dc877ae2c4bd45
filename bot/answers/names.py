"""Resolving `<project>/<workflow>` (``bot.commands.ByName``) to its newest failed attempt.

Names are matched case-insensitively, as people type them; a near miss is
answered with the names TD has that come closest ("did you mean").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TypeVar

from bot.commands import ByName, CommandError, Scope
from bot.commands.reader import fold, frag
from bot.message import Message, mrkdwn
from bot.td import TDClient
from bot.td.models import Project, Workflow

MAX_SCANNED = 1000  # attempts read, newest first, looking for a failure
_SUGGESTIONS = 3
_CUTOFF = 0.6

Named = TypeVar("Named", Project, Workflow)


async def newest_failed(td: TDClient, command: ByName, usage: str) -> str | CommandError | Message:
    """The id of the workflow's newest failed attempt, what is wrong with the name, or
    a message that it has not failed lately."""
    found = await find_workflow(td, command.scope, usage)
    if isinstance(found, CommandError):
        return found
    project, workflow = found
    scanned = 0
    async for attempt in td.iter_attempts(project=project.name, workflow=workflow.name):
        if attempt.status.failed:
            return attempt.id
        scanned += 1
        if scanned >= MAX_SCANNED:
            break
    name = f"{project.name}/{workflow.name}"
    return Message(
        title=f"No failed attempt of {name}",
        text=f"No failed attempt of {name} among its newest {scanned} attempts.",
        emoji=":information_source:",
        sections=(
            f"{mrkdwn.text(name, 300)} has no failed attempt among its newest {scanned}: "
            "nothing to stand for. Give an attempt id instead.",
        ),
    )


async def find_workflow(
    td: TDClient, scope: Scope, usage: str
) -> tuple[Project, Workflow] | CommandError:
    """The project and workflow ``scope`` names, matched case-insensitively."""
    wanted_project, wanted_workflow = scope.project, scope.workflow
    if wanted_project is None or wanted_workflow is None:
        raise ValueError(f"{scope} does not name one workflow")
    project = await td.project_by_name(wanted_project)
    if project is None:
        found = _match([p async for p in td.iter_projects()], wanted_project, "project", usage)
        if isinstance(found, CommandError):
            return found
        project = found
    workflow = _match(await td.workflows(project.id), wanted_workflow, "workflow", usage)
    if isinstance(workflow, CommandError):
        return workflow
    return project, workflow


def _match(items: Iterable[Named], wanted: str, noun: str, usage: str) -> Named | CommandError:
    by_fold: dict[str, Named] = {}
    for item in items:
        by_fold.setdefault(fold(item.name), item)
    exact = by_fold.get(fold(wanted))
    if exact is not None:
        return exact
    close = difflib.get_close_matches(fold(wanted), list(by_fold), n=_SUGGESTIONS, cutoff=_CUTOFF)
    if not close:
        return CommandError(f"TD has no {noun} named {frag(wanted)}", usage)
    names = " or ".join(frag(by_fold[c].name) for c in close)
    return CommandError(f"TD has no {noun} named {frag(wanted)}; did you mean {names}?", usage)
