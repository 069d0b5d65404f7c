"""`message` events: direct messages to the bot are questions."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.conversation import answer_event

# Subtypes that are not a person typing a new message (edits, joins, bot posts...).
_IGNORED_SUBTYPES = {
    "message_changed",
    "message_deleted",
    "bot_message",
    "channel_join",
    "channel_leave",
    "message_replied",
    "thread_broadcast",
}


# The conversation types this module handles; manifest.json subscribes to `message.<type>` for each.
MESSAGE_CHANNEL_TYPES = ("im",)


def on_message(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    if event.get("subtype") in _IGNORED_SUBTYPES or event.get("bot_id"):
        return
    if event.get("channel_type") == "im" and "im" in MESSAGE_CHANNEL_TYPES:
        answer_event(event, body, client, context)


def register(app: App) -> None:
    app.event("message")(on_message)
