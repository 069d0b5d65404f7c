"""`/canweship license|admins|watch|unwatch|country|audit` (authorization: commands.py)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot.announcements.watch import set_watched, watched
from bot.audit import SINCE_USAGE, export_csv, parse_since_words
from bot.authz import (
    FIRST_ADMIN_HINT,
    BadUserId,
    NotAdmin,
    add_admin,
    admin_ids,
    remove_admin,
    user_id_from,
)
from bot.licensing.destinations import PolicyError, set_policy
from bot.licensing.licenses import Added, LicenseError, LicenseExists, Source
from bot.screening.country_field import country_code
from handlers.announcements import license_summary
from handlers.common import admin_or_refuse, services
from handlers.slashcmd import CommandSyntaxError, SlashCommand, parse_command
from handlers.views import button, error_message, esc, section

Reply = tuple[str, list[dict[str, Any]]]
_BUTTON_VALUE_MAX = 2000  # Slack's limit on a button's value
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|^@?([UW][A-Z0-9]{2,})$")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|^([CG][A-Z0-9]{2,})$")
LICENSE_USAGE = (
    "Usage: `/canweship license add D1234567 --party NAME --scope TEXT [--until YYYY-MM-DD] "
    "[--from YYYY-MM-DD] [--destination CC] [--condition TEXT] "
    "[--decision granted|denied|returned]`"
    ", `license show NUMBER`, `license list`, `license revoke NUMBER`"
)


def ok(text: str) -> Reply:
    return text, [section(f":white_check_mark: {text}")]


def _source(command: dict[str, Any]) -> Source:
    return Source(user=command["user_id"], kind="slack", channel=command.get("channel_id"))


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LicenseError(f"--{name} “{text}” is not a date: use YYYY-MM-DD") from None


def license_cmd(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    lic = svc.licenses
    action = cmd.words[0].lower() if cmd.words else "list"
    arg = cmd.words[1] if len(cmd.words) > 1 else ""
    try:
        if action == "list":
            rows = lic.list()
            if not rows:
                return "No licenses on record.", [section("No licenses on record.")]
            lines = [license_summary(r) for r in rows[:50]]
            return "Licenses: " + " | ".join(lines), [
                section("*Licenses on record*\n" + "\n".join(f"• {ln}" for ln in lines))
            ]
        if action == "show":
            row = lic.get(arg) if arg else None
            if row is None:
                return error_message(f"No license {arg or '(number missing)'} on record.")
            history = [f"{e.at:%Y-%m-%d %H:%M} {e.action} by {e.actor}" for e in lic.history(arg)]
            text = license_summary(row) + f" · status {row.status}"
            if row.source_permalink:
                text += f" · <{row.source_permalink}|announcement>"
            return text, [section(text), section("*History*\n" + esc("\n".join(history)))]
        if action == "add":
            if not arg:
                return error_message(f"Give the number. {LICENSE_USAGE}")
            try:
                added = lic.add(**_add_args(cmd, command), replace=False)
            except LicenseExists as exc:
                return replace_prompt(exc, command.get("text") or "")
            return ok(_added_text(added))
        if action == "revoke":
            return ok("Revoked " + license_summary(lic.revoke(number=arg, source=_source(command))))
        return error_message(f"Unknown action “{action}”. {LICENSE_USAGE}")
    except LicenseError as exc:
        return error_message(f"{exc}. Nothing was changed.")


def _add_args(cmd: SlashCommand, command: dict[str, Any]) -> dict[str, Any]:
    """The fields of `license add NUMBER --party … --scope …` (LicenseError when one is bad)."""
    destination = cmd.opt("destination")
    code = country_code(destination) if destination else None
    if destination and code is None:
        raise LicenseError(f"Unknown country “{destination}”")
    return {
        "number": cmd.words[1],
        "decision": (cmd.opt("decision") or "granted").lower(),
        "source": _source(command),
        "party": cmd.opt("party"),
        "scope": cmd.opt("scope"),
        "destination": code,
        "valid_from": _date(cmd.opt("from"), "from"),
        "valid_until": _date(cmd.opt("until"), "until"),
        "conditions": cmd.opts("condition"),
    }


def _added_text(added: Added) -> str:
    verb = "Recorded " if added.created else ("Replaced " if added.differences else "Unchanged: ")
    text = verb + license_summary(added.row)
    text += "".join(f"\n• changed {esc(d)}" for d in added.differences)
    text += "".join(f"\n:warning: {esc(w)}" for w in added.warnings)
    return text


def replace_prompt(exc: LicenseExists, command_text: str) -> Reply:
    """The number is on record: show what replacing it changes, and ask (admins confirm)."""
    changes = "\n".join(f"• {esc(d)}" for d in exc.differences)
    text = (
        f"License *{esc(exc.number)}* is already on record. Replacing it changes:\n{changes}\n"
        "Fields you did not give are cleared, not kept. Nothing has changed yet."
    )
    blocks = [section(f":warning: {text}")]
    if len(command_text) <= _BUTTON_VALUE_MAX:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Replace it", "license_replace", command_text, style="danger"),
                    button("Keep the one on record", "license_replace_cancel", exc.number),
                ],
            }
        )
    else:
        blocks.append(
            section(
                "The command is too long to confirm here: use `canweship license "
                "add … --replace` from the command line."
            )
        )
    return text, blocks


def on_replace(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The Replace button: an admin re-runs the same `license add` with replacement allowed."""
    ack()
    if not admin_or_refuse(context, body, respond, "replace a license"):
        return
    svc = services(context)
    user = body["user"]["id"]
    command = {"user_id": user, "channel_id": (body.get("channel") or {}).get("id")}
    try:
        cmd = parse_command(body["actions"][0]["value"])
        if (
            cmd.name not in ("license", "licenses")
            or cmd.words[:1] != ["add"]
            or len(cmd.words) < 2
        ):
            raise LicenseError("This button does not carry a `license add` command")
        added = svc.licenses.add(**_add_args(cmd, command), replace=True)
    except (LicenseError, CommandSyntaxError) as exc:
        respond(
            text=f"{exc}. Nothing was changed.", response_type="ephemeral", replace_original=False
        )
        return
    respond(text=f"<@{user}>: " + _added_text(added), replace_original=True)


def on_replace_cancel(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    number = body["actions"][0]["value"]
    respond(
        text=f"<@{body['user']['id']}> kept license {esc(number)} as it is on record.",
        replace_original=True,
    )


def register(app: App) -> None:
    app.action("license_replace")(on_replace)
    app.action("license_replace_cancel")(on_replace_cancel)


def admins_cmd(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    action = cmd.words[0].lower() if cmd.words else "list"
    if action == "list":
        ids = sorted(admin_ids(svc.engine, svc.settings))
        text = ", ".join(f"<@{u}>" for u in ids) or f"none. {FIRST_ADMIN_HINT}"
        return f"Admins: {text}", [section(f"*Admins:* {text}")]
    if action == "add":
        # Every word must be a user: adding some of "add @ann bob" would hide the typo.
        try:
            users = [user_id_from(w) for w in (command.get("text") or "").split()[2:]]
        except BadUserId as exc:
            return error_message(f"{exc}. Nothing was changed.")
    else:
        users = _users(command.get("text") or "")
    if action not in ("add", "remove") or not users:
        return error_message(
            "Usage: `/canweship admins add @person`, `admins remove @person`, "
            "`admins list`. Nothing was changed."
        )
    done = []
    for user in users:
        try:
            changed = (
                add_admin(svc.engine, user=user, by=command["user_id"], by_kind="slack")
                if action == "add"
                else remove_admin(
                    svc.engine, svc.settings, user=user, by=command["user_id"], by_kind="slack"
                )
            )
        except NotAdmin as exc:
            return error_message(str(exc))
        done.append(f"<@{user}>" + ("" if changed else " (no change)"))
    return ok(f"{'Added' if action == 'add' else 'Removed'} admin: {', '.join(done)}")


def _users(raw: str) -> list[str]:
    return [m.group(1) or m.group(2) for w in raw.split() if (m := _USER.search(w))]


def watch_cmd(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    on = cmd.name == "watch"
    raw = (command.get("text") or "").split(maxsplit=1)
    target = raw[1] if len(raw) > 1 else ""
    if cmd.name == "watch" and target.strip() == "list":
        names = ", ".join(f"<#{c}>" for c in watched(svc.engine)) or "none"
        return f"Watched channels: {names}", [section(f"*Watched channels:* {names}")]
    channels = [m.group(1) or m.group(2) for w in target.split() if (m := _CHANNEL.search(w))]
    if target.strip() and not channels:
        return error_message(
            "Pick the channel from Slack's autocomplete (#channel) so I get its "
            "id, or give the id (C0123…). Nothing was changed."
        )
    channels = channels or [command.get("channel_id") or ""]
    verb = "Watching" if on else "No longer watching"
    for channel in channels:
        set_watched(svc.engine, channel=channel, on=on, by=command["user_id"], by_kind="slack")
    note = " Invite me there (/invite @canweship) so I can read announcements." if on else ""
    return ok(f"{verb} {', '.join(f'<#{c}>' for c in channels)} for license announcements.{note}")


def country_cmd(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    if len(cmd.words) < 4 or cmd.words[0].lower() != "set":
        return error_message(
            'Usage: `/canweship country set CC POLICY "reason" [cite]` with POLICY '
            "embargoed, license_required, review or none. Nothing was changed."
        )
    code, policy, reason = cmd.words[1], cmd.words[2], cmd.words[3]
    cite = " ".join(cmd.words[4:]) or cmd.opt("cite")
    try:
        row = set_policy(
            svc.engine,
            code=code,
            policy=policy,
            reason=reason,
            cite=cite,
            by=command["user_id"],
            by_kind="slack",
        )
    except PolicyError as exc:
        return error_message(f"{exc}. Nothing was changed.")
    return ok(
        f"{esc(row.code)} is now {esc(row.policy)}: {esc(row.reason)}"
        + (f" ({esc(row.cite)})" if row.cite else "")
    )


def audit_cmd(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    if not cmd.words or cmd.words[0].lower() != "export":
        return error_message(f"Usage: `/canweship {SINCE_USAGE}`")
    try:
        since = parse_since_words(cmd.words[1:])
    except ValueError as exc:
        return error_message(f"{exc}. Nothing was exported.")
    text, count = export_csv(svc.engine, since=since)
    user = command["user_id"]
    client = context.client
    try:
        dm = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            content=text,
            filename="canweship-audit.csv",
            title="canweship audit log",
            initial_comment=(
                f"Audit log: {count} rows" + (f" since {since.date()}" if since else "")
            ),
        )
    except SlackApiError as exc:
        return error_message(f"Could not send the file: {exc.response.get('error')}")
    return ok(f"Sent the audit log ({count} rows) to you in a direct message.")


SUBCOMMANDS = {
    "license": license_cmd,
    "licenses": license_cmd,
    "admins": admins_cmd,
    "admin": admins_cmd,
    "watch": watch_cmd,
    "unwatch": watch_cmd,
    "country": country_cmd,
    "audit": audit_cmd,
}


def needs_admin(name: str, cmd: SlashCommand) -> str | None:
    first = cmd.words[0].lower() if cmd.words else ""
    if name in ("license", "licenses") and first in ("add", "revoke"):
        return f"{first} licenses"
    if name in ("admins", "admin") and first in ("add", "remove"):
        return "change the admin list"
    if (name == "watch" and first != "list") or name == "unwatch":
        return "change watched channels"
    if name == "country":
        return "change destination policies"
    if name == "audit":
        return "export the audit log"
    return None
