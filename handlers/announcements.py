"""License announcements in watched channels: record with ✅ and Undo, or ask "Record this?"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.announcements.parse import Announcement
from bot.announcements.service import (
    PROMPT,
    RECORDED,
    UPDATED,
    WITHDRAWN,
    AnnouncementService,
    announcement_from_json,
)
from bot.announcements.watch import is_watched
from bot.authz import NotAdmin, require_admin
from bot.licensing.licenses import LicenseError, Source, normalize_number
from handlers.common import admin_or_refuse, once, post, services
from handlers.markup import to_plain_text
from handlers.views import button, esc, section
from handlers.views import context as context_block
from storage.models_licenses import License

log = logging.getLogger(__name__)
EDIT_MODAL = "announcement_edit_modal"


def _service(ctx: BoltContext) -> AnnouncementService:
    svc = services(ctx)
    return svc.announcements


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError:
        return None


def license_summary(row: License) -> str:
    parts = [f"*{esc(row.number)}* {esc(row.decision)}"]
    if row.party:
        linked = " (on the list)" if row.parties else " (not found on the list)"
        parts.append(f"for *{esc(row.party)}*{linked}")
    if row.scope:
        parts.append(f"— {esc(row.scope)}")
    if row.destination:
        parts.append(f"to {esc(row.destination)}")
    if row.valid_until:
        parts.append(f"— valid until {row.valid_until.isoformat()}")
    if row.conditions:
        parts.append("— conditions: " + esc("; ".join(row.conditions)))
    return " ".join(parts)


def _fields(ann: Announcement) -> str:
    rows = [
        ("Decision", ann.decision),
        ("Number", ann.number or "— missing —"),
        ("Party", ann.party),
        ("Scope", ann.scope),
        ("Destination", ann.destination),
        ("Valid until", ann.valid_until.isoformat() if ann.valid_until else None),
        ("Conditions", "; ".join(ann.conditions) if ann.conditions else None),
    ]
    return "\n".join(f"*{k}:* {esc(v)}" for k, v in rows if v)


def handle_channel_event(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, ctx: BoltContext
) -> None:
    channel = event.get("channel") or ""
    if not channel or not is_watched(services(ctx).engine, channel):
        return
    once(ctx, body, lambda: _handle(event, client, ctx, channel))


def _handle(event: dict[str, Any], client: WebClient, ctx: BoltContext, channel: str) -> None:
    service = _service(ctx)
    subtype = event.get("subtype")
    if subtype == "message_deleted":
        ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts") or ""
        user = (event.get("previous_message") or {}).get("user") or "unknown"
        handled = service.on_delete(channel=channel, ts=ts, user=user)
        if handled.kind == WITHDRAWN and handled.license is not None:
            post(
                client,
                channel=channel,
                thread_ts=ts,
                text=f"The announcement was deleted, so {handled.license.number} is withdrawn.",
            )
        return
    if subtype == "message_changed":
        message = event.get("message") or {}
        ts, user, text = (
            message.get("ts") or "",
            message.get("user") or "",
            message.get("text") or "",
        )
        handled = service.on_edit(
            channel=channel,
            ts=ts,
            user=user,
            text=_plain(text),
            permalink=_permalink(client, channel, ts),
        )
    else:
        ts, user = event.get("ts") or "", event.get("user") or ""
        handled = service.on_message(
            channel=channel,
            ts=ts,
            user=user,
            text=_plain(event.get("text") or ""),
            permalink=_permalink(client, channel, ts),
        )
    if handled.kind in (RECORDED, UPDATED) and handled.license is not None:
        _confirm_recorded(client, channel, ts, handled.license, handled.kind)
    elif handled.kind == WITHDRAWN and handled.license is not None:
        post(
            client,
            channel=channel,
            thread_ts=ts,
            text=f"After the edit this no longer announces {handled.license.number}: withdrawn.",
        )
    elif handled.kind == PROMPT and handled.pending is not None and handled.announcement:
        _ask(client, channel, ts, handled, service)


def _plain(text: str) -> str:

    return to_plain_text(text)


def _confirm_recorded(client: WebClient, channel: str, ts: str, row: License, kind: str) -> None:
    try:
        client.reactions_add(channel=channel, timestamp=ts, name="white_check_mark")
    except SlackApiError as exc:
        if exc.response.get("error") != "already_reacted":
            log.warning("reactions.add failed: %s", exc.response.get("error"))
    verb = "Recorded" if kind == RECORDED else "Updated"
    summary = license_summary(row)
    post(
        client,
        channel=channel,
        thread_ts=ts,
        text=f"{verb} license decision: {summary}",
        blocks=[
            section(f":white_check_mark: {verb}: {summary}"),
            {
                "type": "actions",
                "elements": [button("Undo", "license_undo", row.number, "danger")],
            },
        ],
    )


def _ask(
    client: WebClient, channel: str, ts: str, handled: Any, service: AnnouncementService
) -> None:
    pending, ann = handled.pending, handled.announcement
    value = str(pending.id)
    why = "; ".join(ann.reasons[:3])
    response = post(
        client,
        channel=channel,
        thread_ts=ts,
        text=f"Record this license decision? {ann.decision} {ann.number or ''}",
        blocks=[
            section(":memo: *Record this license decision?*\n" + _fields(ann)),
            context_block(f"Not sure because: {esc(why)}") if why else section(" "),
            {
                "type": "actions",
                "elements": [
                    button("Confirm", "announce_confirm", value, "primary"),
                    button("Edit", "announce_edit", value),
                    button("Ignore", "announce_ignore", value),
                ],
            },
        ],
    )
    if response and response.get("ts"):
        service.prompted(pending.id, str(response["ts"]))


# --- buttons ------------------------------------------------------------------------------------


def on_undo(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "undo a recorded license"):
        return
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    licenses = _service(context).licenses
    row = licenses.withdraw(
        number=body["actions"][0]["value"],
        source=Source(user=user, kind="slack", channel=channel),
        reason="undone in Slack",
    )
    number = row.number if row else body["actions"][0]["value"]
    respond(
        text=f"<@{user}> undid the record of {esc(number)}; it no longer counts.",
        replace_original=True,
    )


def on_confirm(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "record a license decision"):
        return
    _decide(body, respond, context, confirm=True)


def on_ignore(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "dismiss a license announcement"):
        return
    _decide(body, respond, context, confirm=False)


def _decide(
    body: dict[str, Any],
    respond: Respond,
    ctx: BoltContext,
    *,
    confirm: bool,
    overrides: dict[str, Any] | None = None,
) -> None:
    user = body["user"]["id"]
    try:
        handled = _service(ctx).decide_pending(
            int(body["actions"][0]["value"]), user=user, confirm=confirm, overrides=overrides
        )
    except LicenseError as exc:
        respond(
            text=f"{exc}. Nothing was recorded.", response_type="ephemeral", replace_original=False
        )
        return
    if handled.license is not None:
        respond(
            text=f"<@{user}> confirmed: {license_summary(handled.license)}", replace_original=True
        )
    elif confirm:
        respond(text="Already decided.", response_type="ephemeral", replace_original=False)
    else:
        respond(text=f"<@{user}> ignored this; nothing was recorded.", replace_original=True)


def on_edit_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    if not admin_or_refuse(context, body, respond, "record a license decision"):
        return
    pending_id = int(body["actions"][0]["value"])
    pending = _service(context).pending(pending_id)
    if pending is None or pending.status != "open":
        respond(text="Already decided.", response_type="ephemeral", replace_original=False)
        return
    client.views_open(
        trigger_id=body["trigger_id"],
        view=edit_modal(announcement_from_json(pending.parsed), pending_id),
    )


def edit_modal(ann: Announcement, pending_id: int) -> dict[str, Any]:
    def text_input(block_id: str, label: str, value: str | None, optional: bool = True):
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value"}
        if value:
            element["initial_value"] = value
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": element,
        }

    decision = {
        "type": "input",
        "block_id": "decision",
        "label": {"type": "plain_text", "text": "Decision"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "initial_option": _option(ann.decision),
            "options": [_option(d) for d in ("granted", "denied", "returned", "revoked")],
        },
    }
    until: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if ann.valid_until:
        until["initial_date"] = ann.valid_until.isoformat()
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL,
        "private_metadata": str(pending_id),
        "title": {"type": "plain_text", "text": "License decision"},
        "submit": {"type": "plain_text", "text": "Record"},
        "blocks": [
            text_input("number", "License or application number", ann.number, optional=False),
            decision,
            text_input("party", "Party", ann.party),
            text_input("scope", "Items / scope", ann.scope),
            {
                "type": "input",
                "block_id": "valid_until",
                "optional": True,
                "label": {"type": "plain_text", "text": "Valid until"},
                "element": until,
            },
        ],
    }


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def on_edit_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    svc = services(context)
    try:
        require_admin(svc.engine, svc.settings, body["user"]["id"], what="record a license")
    except NotAdmin as exc:
        ack(response_action="errors", errors={"number": str(exc)[:150]})
        return
    values = view["state"]["values"]

    def value(block: str) -> str | None:
        element = values.get(block, {}).get("value", {})
        return (
            (element.get("selected_option") or {}).get("value")
            or element.get("selected_date")
            or element.get("value")
        )

    overrides = {
        "number": (value("number") or "").strip().upper() or None,
        "decision": value("decision") or "granted",
        "party": value("party"),
        "scope": value("scope"),
        "valid_until": value("valid_until"),
    }
    try:
        overrides["number"] = normalize_number(overrides["number"] or "")
        handled = _service(context).decide_pending(
            int(view["private_metadata"]),
            user=body["user"]["id"],
            confirm=True,
            overrides=overrides,
        )
    except (LicenseError, ValueError) as exc:
        ack(response_action="errors", errors={"number": str(exc)[:150]})
        return
    ack()
    if handled.license is not None and handled.pending is not None:
        post(
            context.client,
            channel=handled.pending.channel,
            thread_ts=handled.pending.ts,
            text=f"<@{body['user']['id']}> recorded: {license_summary(handled.license)}",
        )


def register(app: App) -> None:
    app.action("license_undo")(on_undo)
    app.action("announce_confirm")(on_confirm)
    app.action("announce_ignore")(on_ignore)
    app.action("announce_edit")(on_edit_clicked)
    app.view(EDIT_MODAL)(on_edit_submitted)
