"""`/canweship` and its sub-commands. Answers go privately to the person who typed them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.answers.ask import ask
from bot.answers.screener import Requester, ScreeningRequest
from bot.authz import NotAdmin, require_admin
from bot.screening.country_field import country_code
from handlers import (
    admin_commands,
    counterparty_commands,
    files,
    license_commands,
    ownership_commands,
    reviews,
)
from handlers.common import SORRY, EventOnce, services
from handlers.slashcmd import CommandSyntaxError, SlashCommand, parse_command
from handlers.status import list_status_line, rules_status_lines
from handlers.views import (
    answer_message,
    error_message,
    help_message,
    mark_late,
    render_answer,
    section,
)

log = logging.getLogger(__name__)

Reply = tuple[str, list[dict[str, Any]]]
SubCommand = Callable[[SlashCommand, dict[str, Any], BoltContext], Reply]


def _screen(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    if not cmd.options and not cmd.words:
        return error_message(
            "Give a party to screen, e.g. /canweship screen Huawei Technologies --country CN"
        )
    unknown = set(cmd.options) - {"country", "item"}
    if unknown:
        return error_message(
            f"Unknown option --{sorted(unknown)[0]}. Use --country CC and --item TEXT."
        )
    requester = Requester(user=command["user_id"], kind="slack", channel=command.get("channel_id"))
    if not cmd.options:
        # "/canweship screen can we ship routers to Huawei?" reads as a question.
        return render_answer(ask(services(context).screener, cmd.rest, requester))
    country = cmd.opt("country")
    code = country_code(country)
    if country and code is None:
        return error_message(f"Unknown country “{country}”. Use an ISO code such as CN, or a name.")
    party = " ".join(cmd.words).strip() or None
    if party is None:
        return error_message(
            "Give the party's name before the options, "
            "e.g. /canweship screen Acme GmbH --country DE"
        )
    request = ScreeningRequest(
        party=party,
        country=code,
        item=cmd.opt("item"),
        text=cmd.raw,
    )
    return answer_message(services(context).screener.screen(request, requester))


def _status(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    line = list_status_line(services(context))
    rules = rules_status_lines(services(context))
    return line, [
        section(f"*Screening list*\n{line}"),
        section("*The 50% rules today*\n" + "\n".join(f"• {r}" for r in rules)),
    ]


def _help(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    return help_message()


# Modules that add sub-commands: each has SUBCOMMANDS (name -> function) and
# needs_admin(name, cmd) -> what it would change, or None when it only reads.
COMMAND_MODULES = (
    admin_commands,
    license_commands,
    counterparty_commands,
    reviews,
    ownership_commands,
    files,
)

SUBCOMMANDS: dict[str, SubCommand] = {"screen": _screen, "status": _status, "help": _help}
for _module in COMMAND_MODULES:
    SUBCOMMANDS.update(_module.SUBCOMMANDS)
ADMIN_CHECKS: tuple[Callable[[str, SlashCommand], str | None], ...] = tuple(
    m.needs_admin for m in COMMAND_MODULES
)


def authorize(name: str, cmd: SlashCommand, user: str, context: BoltContext) -> None:
    """The one gate for every mutating slash command: raises NotAdmin, nothing is changed."""
    for check in ADMIN_CHECKS:
        what = check(name, cmd)
        if what is not None:
            svc = services(context)
            require_admin(svc.engine, svc.settings, user, what=what)


def command_key(command: dict[str, Any]) -> str | None:
    """The key of a slash command in the intake and its claim: its trigger id."""
    trigger = command.get("trigger_id")
    return f"cmd:{trigger}" if trigger else None


def on_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    run_command(command, respond, context)


def run_command(
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    late: datetime | None = None,
) -> bool:
    """Answer a `/canweship` command once (claimed by its trigger id); False when another
    process has it. `late`: when it was received, for an answer a sweeper gives after the first
    answerer died; a command that changes data is then not run again (it may have been applied
    already): the person is told to check and run it again."""
    handling = EventOnce(context, {}, key=command_key(command))
    if not handling.claim():
        return False
    try:
        cmd = parse_command(command.get("text") or "")
        handler = SUBCOMMANDS.get(cmd.name)
        changes = _changes(cmd)
        if late is not None and changes is not None:
            text, blocks = error_message(
                f"The bot restarted while it was handling your command ({changes}), so it may "
                "or may not have been applied. Check, and run it again if it was not."
            )
        elif handler is not None:
            authorize(cmd.name, cmd, command["user_id"], context)
            text, blocks = handler(cmd, command, context)
        elif not cmd.name:
            text, blocks = help_message()
        else:
            requester = Requester(
                user=command["user_id"], kind="slack", channel=command.get("channel_id")
            )
            text, blocks = render_answer(ask(services(context).screener, cmd.raw, requester))
    except (CommandSyntaxError, NotAdmin) as exc:
        text, blocks = error_message(str(exc))
    except Exception:
        log.exception("/canweship failed")
        text, blocks = error_message(SORRY)
    if late is not None:
        text, blocks = mark_late((text, blocks), late)
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    handling.complete()
    return True


def _changes(cmd: SlashCommand) -> str | None:
    """What the command would change (None when it only reads)."""
    for check in ADMIN_CHECKS:
        what = check(cmd.name, cmd)
        if what is not None:
            return what
    return None


def register(app: App) -> None:
    app.command("/canweship")(on_command)
