"""`/canweship extension ...` and `deadlines` (authorization is checked in commands.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltContext
from sqlmodel import Session

from bot.audit import Actor
from bot.deadlines.schedule import upcoming
from bot.licensing.extension_text import deadline_line, extension_line
from bot.licensing.extensions import ExtensionError
from handlers.common import services
from handlers.slashcmd import SlashCommand
from handlers.views import error_message, esc, section

Reply = tuple[str, list[dict[str, Any]]]
EXTENSION_USAGE = (
    "Usage: `/canweship extension add NAME --expires YYYY-MM-DD [--effective YYYY-MM-DD] "
    '[--cite "84 FR 64018"] --party NAME [--party ...] --activity TEXT [--activity ...]`, '
    "`extension extend NAME --expires YYYY-MM-DD [--effective ...] [--cite ...]`, "
    "`extension list`, `extension remove NAME`"
)
MUTATING_EXTENSION_ACTIONS = frozenset({"add", "extend", "remove", "lapse"})


def _actor(command: dict[str, Any]) -> Actor:
    return Actor(user=command["user_id"], kind="slack", channel=command.get("channel_id"))


def extension(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    action = cmd.words[0].lower() if cmd.words else "list"
    name = " ".join(cmd.words[1:]).strip()
    ext = svc.extensions
    now = datetime.now(UTC)
    try:
        if action == "list":
            rows = ext.list()
            if not rows:
                return "No extensions on record.", [section("No extensions on record.")]
            lines = [esc(extension_line(r, now=now, settings=svc.settings)) for r in rows]
            return "Extensions on record: " + " | ".join(lines), [
                section("*Extensions*\n" + "\n".join(f"• {ln}" for ln in lines))
            ]
        if action not in MUTATING_EXTENSION_ACTIONS:
            return error_message(f"Unknown action “{action}”. {EXTENSION_USAGE}")
        if not name:
            return error_message(f"Name the extension. {EXTENSION_USAGE}")
        if action == "add":
            row = ext.add(
                name=name,
                expires=cmd.opt("expires") or "",
                effective=cmd.opt("effective"),
                cite=cmd.opt("cite"),
                parties=cmd.opts("party"),
                activities=cmd.opts("activity"),
                actor=_actor(command),
            )
            verb = "Recorded"
        elif action == "extend":
            row = ext.extend(
                name=name,
                expires=cmd.opt("expires") or "",
                effective=cmd.opt("effective"),
                cite=cmd.opt("cite"),
                actor=_actor(command),
            )
            verb = "Extended"
        elif action == "lapse":
            row = ext.lapse(name=name, actor=_actor(command))
            verb = "Letting lapse"
        else:
            row = ext.remove(name=name, actor=_actor(command))
            verb = "Removed"
    except ExtensionError as exc:
        return error_message(f"{exc}. Nothing was changed.")
    line = esc(extension_line(row, now=now, settings=svc.settings))
    return f"{verb}: {line}", [section(f":white_check_mark: *{verb}:* {line}")]


def deadlines(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    now = datetime.now(UTC)
    with Session(svc.engine) as session:
        rows = upcoming(session, today=now.astimezone(svc.settings.tz).date())
    if not rows:
        return "No upcoming deadlines.", [section("*Upcoming deadlines*\nNone on record.")]
    lines = [esc(deadline_line(d, now=now, settings=svc.settings)) for d in rows]
    return "Upcoming deadlines: " + " | ".join(lines), [
        section("*Upcoming deadlines*\n" + "\n".join(f"• {ln}" for ln in lines))
    ]


def needs_admin(name: str, cmd: SlashCommand) -> str | None:
    """What the command would change (for the refusal message), or None if it only reads."""
    if name == "extension" and cmd.words and cmd.words[0].lower() in MUTATING_EXTENSION_ACTIONS:
        return f"{cmd.words[0].lower()} extensions"
    return None


SUBCOMMANDS = {"extension": extension, "extensions": extension, "deadlines": deadlines}
