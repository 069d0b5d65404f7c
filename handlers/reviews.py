"""Review cases in Slack: the case message, its buttons and modal, the outcome in each asker's
thread, `/canweship cases` and `/canweship reviewers` (bot/reviews decides; this renders).

The case and outcome messages are list-alert outbox rows (kinds `review_case`,
`case_outcome`), so each is posted once by whichever process delivers (handlers/list_alerts.py
hands them to `render`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.audit import Actor
from bot.authz import BadUserId, NotAdmin
from bot.lists.alerts import deliver
from bot.reviews.apply import who
from bot.reviews.cases import (
    AlreadyDecided,
    ReviewError,
    decide,
    list_cases,
    notify_outcomes,
)
from bot.reviews.reviewers import (
    NotReviewer,
    add_reviewer,
    list_reviewers,
    remove_reviewer,
    require_reviewer,
)
from bot.reviews.text import age
from handlers.common import services
from handlers.list_alerts import SlackAlertNotifier
from handlers.review_views import ACTIONS, user_ref
from handlers.slashcmd import SlashCommand
from handlers.views import error_message, esc, section

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]
Reply = tuple[str, Blocks]
DECIDE_MODAL = "case_decide"


def deliver_now(context_: BoltContext, client: WebClient) -> None:
    """Tell the askers and post pending messages now rather than at the next tick (both are
    exactly-once, so racing the scheduler is harmless). Never raises."""
    svc = services(context_)
    try:
        notify_outcomes(svc.engine, svc.settings, svc.screener)
        deliver(svc.engine, svc.settings, SlackAlertNotifier(client), owner=svc.instance_id)
    except Exception:
        log.exception("delivering review messages failed")


def _modal(case_id: int, record: str, decision: str, label: str, round_: int) -> dict[str, Any]:
    meta = json.dumps({"case": case_id, "record": record, "decision": decision, "round": round_})
    return {
        "type": "modal",
        "callback_id": DECIDE_MODAL,
        "private_metadata": meta,
        "title": {"type": "plain_text", "text": f"Case {case_id}"[:24]},
        "submit": {"type": "plain_text", "text": "Decide"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{esc(label)}* — `{esc(record)}`"),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why (kept in the audit log)"},
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
            },
            {
                "type": "input",
                "block_id": "expires",
                "optional": True,
                "label": {"type": "plain_text", "text": "Until (optional: it lapses then)"},
                "element": {"type": "datepicker", "action_id": "value"},
            },
        ],
    }


def on_decide_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    svc = services(context)
    user = body["user"]["id"]
    action = body["actions"][0]
    try:
        value = json.loads(action["value"])
        case_id, record = int(value["case"]), str(value["record"])
    except (KeyError, TypeError, ValueError):
        respond(
            text="That button is out of date.", response_type="ephemeral", replace_original=False
        )
        return
    try:
        require_reviewer(svc.engine, svc.settings, user)
    except NotReviewer as exc:
        respond(text=str(exc), response_type="ephemeral", replace_original=False)
        return
    decision, label = ACTIONS[action["action_id"]]
    client.views_open(
        trigger_id=body["trigger_id"],
        view=_modal(case_id, record, decision, label, int(value.get("round", 1))),
    )


def on_decide_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    svc = services(context)
    user = body["user"]["id"]
    try:
        require_reviewer(svc.engine, svc.settings, user)
    except NotReviewer as exc:
        ack(response_action="errors", errors={"reason": str(exc)[:150]})
        return
    meta = json.loads(view.get("private_metadata") or "{}")
    values = view["state"]["values"]
    reason = (values.get("reason", {}).get("value", {}) or {}).get("value") or ""
    picked = (values.get("expires", {}).get("value", {}) or {}).get("selected_date")
    try:
        decide(
            svc.engine,
            svc.settings,
            case_id=int(meta["case"]),
            record=str(meta["record"]),
            decision=str(meta["decision"]),
            reason=reason,
            expires=date.fromisoformat(picked) if picked else None,
            actor=Actor(user=user, kind="slack"),
        )
    except (ReviewError, AlreadyDecided) as exc:
        ack(response_action="errors", errors={"reason": str(exc)[:150]})
        return
    ack()
    deliver_now(context, client)


# ---- /canweship cases, /canweship reviewers -----------------------------------------------------


def cases(cmd: SlashCommand, command: dict[str, Any], context_: BoltContext) -> Reply:
    now = datetime.now(UTC)
    rows = list_cases(services(context_).engine, open_only=True)
    if not rows:
        return "No open review cases.", [section("No open review cases.")]
    lines = [
        f"• *case {c['case']}* {esc(c['party'])}"
        + (f" ({esc(c['country'])})" if c.get("country") else "")
        + f" — {age(c['opened_at'], now)} old, asked by "
        + ", ".join(user_ref(u) for u in dict.fromkeys(c["askers"]))
        + ": "
        + ", ".join(f"`{esc(r)}`" for r in c["records"])
        for c in rows
    ]
    title = f"{len(rows)} open review case{'s' if len(rows) != 1 else ''}, oldest first"
    return title, [section(f"*{title}*\n" + "\n".join(lines[:40]))]


def reviewers(cmd: SlashCommand, command: dict[str, Any], context_: BoltContext) -> Reply:
    svc = services(context_)
    action = cmd.words[0].lower() if cmd.words else "list"
    by = Actor(user=command["user_id"], kind="slack", channel=command.get("channel_id"))
    # The raw text keeps mentions as <@U…>: every word after the action must be a user.
    users = (command.get("text") or "").split()[2:]
    try:
        if action == "add" and len(users) == 1:
            added = add_reviewer(svc.engine, svc.settings, user=users[0], by=by)
            text = f"{users[0]} is {'now' if added else 'already'} a reviewer."
        elif action == "remove" and len(users) == 1:
            gone = remove_reviewer(svc.engine, svc.settings, user=users[0], by=by)
            text = f"{users[0]} {'is no longer a reviewer' if gone else 'was not a reviewer'}."
        elif action == "list":
            people = list_reviewers(svc.engine)
            text = "Reviewers (besides admins): " + (", ".join(who(u) for u in people) or "none")
        else:
            return error_message("Usage: `/canweship reviewers add|remove @user`, `reviewers list`")
    except (BadUserId, NotAdmin) as exc:
        return error_message(str(exc))
    return text, [section(esc(text))]


SUBCOMMANDS = {"cases": cases, "reviewers": reviewers}


def needs_admin(name: str, cmd: SlashCommand) -> str | None:
    if name == "reviewers" and cmd.words and cmd.words[0].lower() in ("add", "remove"):
        return "change the reviewers"
    return None


def register(app: App) -> None:
    for action_id in ACTIONS:
        app.action(action_id)(on_decide_clicked)
    app.view(DECIDE_MODAL)(on_decide_submitted)
