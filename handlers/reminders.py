"""Reminders in Slack: how they look, how they are posted, and their buttons and modal.

The scheduler (bot/deadlines/reminders.py) decides what is due and guarantees exactly-once
delivery; this module only renders and posts, and handles "Extended — record new expiry", "Let it
lapse" and "Snooze" (admins only).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.audit import Actor
from bot.authz import NotAdmin, require_admin
from bot.deadlines.reminders import ReminderNotice
from bot.deadlines.schedule import snooze
from bot.licensing.extensions import ExtensionError, deadline_extension
from handlers.common import admin_or_refuse, services
from handlers.views import button, context, esc, header, section
from storage.models import Extension

log = logging.getLogger(__name__)
EXTEND_MODAL = "reminder_extend_modal"


def when_text(notice: ReminderNotice) -> str:
    if notice.days_left > 1:
        return f"expires in {notice.days_left} days"
    if notice.days_left == 1:
        return "expires tomorrow"
    if notice.days_left == 0:
        return "expires TODAY (end of day)"
    return f"EXPIRED {-notice.days_left} day{'s' if notice.days_left != -1 else ''} ago"


def reminder_message(notice: ReminderNotice, tz_name: str) -> tuple[str, list[dict[str, Any]]]:
    d = notice.details
    title = d.get("name") or notice.title
    cite = f" ({d['cite']})" if d.get("cite") else ""
    headline = f"⏰ {title}{cite} {when_text(notice)} — {notice.due.isoformat()}"
    lines = [f"*Deadline:* {notice.due.isoformat()} (end of day, {esc(tz_name)})"]
    if d.get("parties"):
        lines.append("*Covers:* " + esc(", ".join(d["parties"])))
    if d.get("activities"):
        lines.append("*Authorizes:*\n" + "\n".join(f"• {esc(a)}" for a in d["activities"]))
    if notice.days_left < 0:
        lines.append(":rotating_light: Shipments that relied on it need a license from now on.")
    blocks: list[dict[str, Any]] = [header(headline), section("\n".join(lines))]
    notes = []
    if notice.late:
        when = notice.due_at.strftime("%Y-%m-%d %H:%M UTC")
        notes.append(f":hourglass: Late: this reminder was due {when}.")
    if notice.skipped_offsets:
        notes.append(
            "Earlier reminders missed while the bot was down: "
            + ", ".join(f"{o} days before" for o in notice.skipped_offsets)
        )
    if notes:
        blocks.append(context(" ".join(notes)))
    value = str(notice.deadline_id)
    blocks.append(
        {
            "type": "actions",
            "block_id": f"reminder:{notice.reminder_id}",
            "elements": [
                button("Extended — record new expiry", "reminder_extend", value, "primary"),
                button("Let it lapse", "reminder_lapse", value, "danger"),
                button("Snooze 1 day", "reminder_snooze", value),
            ],
        }
    )
    fallback = headline + (" (late)" if notice.late else "")
    return esc(fallback), blocks


class SlackNotifier:
    """Posts reminders with a Web API client (retries are the client's)."""

    def __init__(self, client: WebClient, tz_name: str) -> None:
        self.client = client
        self.tz_name = tz_name

    def post_reminder(self, *, channel: str, thread_ts: str | None, notice: ReminderNotice) -> str:
        text, blocks = reminder_message(notice, self.tz_name)
        response = self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
        )
        return str(response["ts"])


def on_extend_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "record an extension"):
        return
    deadline_id = int(body["actions"][0]["value"])
    found = deadline_extension(services(context).engine, deadline_id)
    if found is None:
        respond(
            text="That deadline no longer exists.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    _, ext = found
    client.views_open(trigger_id=body["trigger_id"], view=extend_modal(ext, deadline_id))


def extend_modal(ext: Extension, deadline_id: int) -> dict[str, Any]:
    def date_input(block_id: str, label: str, optional: bool) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "datepicker", "action_id": "value"},
        }

    return {
        "type": "modal",
        "callback_id": EXTEND_MODAL,
        "private_metadata": str(deadline_id),
        "title": {"type": "plain_text", "text": "Record new expiry"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{esc(ext.name)}* currently expires {ext.expires.isoformat()}."),
            date_input("expires", "New expiry date", False),
            date_input("effective", "Effective from (default: today)", True),
            {
                "type": "input",
                "block_id": "cite",
                "optional": True,
                "label": {"type": "plain_text", "text": "Federal Register cite"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": "84 FR 64018"},
                },
            },
        ],
    }


def on_extend_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    svc = services(context)
    user = body["user"]["id"]
    try:
        require_admin(svc.engine, svc.settings, user, what="record an extension")
    except NotAdmin as exc:
        ack(response_action="errors", errors={"expires": str(exc)[:150]})
        return
    values = view["state"]["values"]

    def picked(block: str) -> str | None:
        element = values.get(block, {}).get("value", {})
        return element.get("selected_date") or element.get("value")

    found = deadline_extension(svc.engine, int(view["private_metadata"]))
    if found is None:
        ack(response_action="errors", errors={"expires": "That deadline no longer exists."})
        return
    deadline, ext = found
    try:
        row = svc.extensions.extend(
            name=ext.name,
            expires=picked("expires") or "",
            effective=picked("effective"),
            cite=picked("cite"),
            actor=Actor(user=user, kind="slack", channel=deadline.channel),
        )
    except ExtensionError as exc:
        ack(response_action="errors", errors={"expires": str(exc)[:150]})
        return
    ack()
    if deadline.channel:
        client.chat_postMessage(
            channel=deadline.channel,
            thread_ts=deadline.thread_ts,
            text=f"<@{user}> recorded the extension of {esc(ext.name)} to "
            f"{row.expires.isoformat()}{' (' + esc(row.cite) + ')' if row.cite else ''}. "
            "Reminders for the old expiry are cancelled; new ones are scheduled.",
        )


def on_lapse_clicked(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "let an extension lapse"):
        return
    svc = services(context)
    found = deadline_extension(svc.engine, int(body["actions"][0]["value"]))
    if found is None:
        respond(
            text="That deadline no longer exists.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    deadline, ext = found
    user = body["user"]["id"]
    try:
        svc.extensions.lapse(
            name=ext.name, actor=Actor(user=user, kind="slack", channel=deadline.channel)
        )
    except ExtensionError as exc:
        respond(text=str(exc), response_type="ephemeral", replace_original=False)
        return
    respond(
        text=f"<@{user}> chose to let {esc(ext.name)} lapse on {ext.expires.isoformat()}: no more "
        "reminders. It still covers shipments until then.",
        response_type="in_channel",
        replace_original=False,
    )


def on_snooze_clicked(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "snooze a reminder"):
        return
    svc = services(context)
    tomorrow = snooze(
        svc.engine, svc.settings, int(body["actions"][0]["value"]), by=body["user"]["id"]
    )
    respond(
        text=f"Snoozed: I'll remind again on {tomorrow.isoformat()}.",
        response_type="ephemeral",
        replace_original=False,
    )


def register(app: App) -> None:
    app.action("reminder_extend")(on_extend_clicked)
    app.action("reminder_lapse")(on_lapse_clicked)
    app.action("reminder_snooze")(on_snooze_clicked)
    app.view(EXTEND_MODAL)(on_extend_submitted)
