"""Which Slack requests are questions for the intake, and answering one late (issue 18).

A question (a DM to the bot, a mention, a `/canweship` command) is written to the store before
Slack is acknowledged (bot/runtime/intake.py); `question_key` says which requests those are and
under what key. `answer_late` answers one whose first answerer died or let it go, through the
same listeners, the answer marked as late.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.services import Services
from handlers.commands import command_key, run_command
from handlers.conversation import answer_event
from handlers.messages import is_dm_question

COMMAND = "/canweship"


def question_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """(key, kind) when the request is a question to keep in the intake, else None."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        event_id = body.get("event_id")
        if not event_id:
            return None
        if event.get("type") == "app_mention" or (
            event.get("type") == "message" and is_dm_question(event)
        ):
            return event_id, "event"
        return None
    if body.get("command") == COMMAND:
        key = command_key(body)
        return (key, "command") if key else None
    return None


def answer_late(
    services: Services, client: WebClient, kind: str, payload: dict[str, Any], received: datetime
) -> bool:
    """Answer a question taken from the intake, marked late; False when another process has it
    (its event claim is held and not yet lapsed)."""
    context = BoltContext({"services": services, "client": client})
    if kind == "event":
        event = payload.get("event") or {}
        return answer_event(event, payload, client, context, late=received)
    respond = Respond(response_url=payload.get("response_url"))
    return run_command(payload, respond, context, late=received)
