"""`/td diagnose`: run bot.diagnosis and answer with its one presentation."""

from __future__ import annotations

from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services
from bot.commands import (
    AttemptTarget,
    CommandError,
    Diagnose,
    JobTarget,
    SessionTarget,
    Subcommand,
    read_diagnose,
    read_why,
)
from bot.diagnosis import diagnose_attempt, diagnose_job, diagnose_session
from bot.message import Message
from bot.present import problems
from bot.present.diagnosis import diagnosis_message, job_diagnosis_message


async def diagnose(command: Diagnose, ctx: RequestContext, services: Services) -> Message:
    target = command.target
    if target is None:
        if ctx.thread_attempt_id is None:
            return problems.bad_command(
                CommandError(
                    "diagnose needs an attempt, session or job id here; without one it "
                    "only works inside the thread of a tdbot alert",
                    services.grammar.usage("diagnose"),
                )
            )
        target = AttemptTarget(ctx.thread_attempt_id)
    td, console = services.td, services.console
    if isinstance(target, JobTarget):
        return job_diagnosis_message(await diagnose_job(td, target.job_id, console_base=console))
    if isinstance(target, SessionTarget):
        try:
            found = await diagnose_session(td, target.session_id, console_base=console)
        except ValueError:
            return Message(
                title=f"Session {target.session_id} has not run yet",
                text=f"Session {target.session_id} has no attempts yet: nothing to diagnose.",
                emoji=":hourglass_flowing_sand:",
                sections=("The session has no attempts yet, so nothing has failed.",),
            )
        return diagnosis_message(found, console)
    found = await diagnose_attempt(td, target.attempt_id, console_base=console)
    return diagnosis_message(found, console)


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "diagnose",
        "/td diagnose [<attempt_id | URL | project/workflow> | session <session_id> "
        "| job <job_id>]",
        "why it failed and whether a retry will help; with nothing after it, in an alert's "
        "thread, the attempt of that alert (`why` works too)",
        "/td diagnose 98765",
        read_diagnose,
        diagnose,
        aliases=("why",),
        parse_alias=read_why,
        names=True,
    ),
)
