"""`message` events: direct messages to the bot are questions."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.announcements import handle_channel_event
from handlers.conversation import answer_event
from handlers.files import on_dm_files

# Subtypes that are not a person typing a new message (joins, bot posts...). Edits and
# deletions matter only in watched channels, where they change recorded announcements.
_EDITS = {"message_changed", "message_deleted"}
_IGNORED_SUBTYPES = {
    "bot_message",
    "channel_join",
    "channel_leave",
    "message_replied",
    "thread_broadcast",
}


# The conversation types this module handles; manifest.json subscribes to `message.<type>` for each.
MESSAGE_CHANNEL_TYPES = ("im", "channels", "groups")


def is_dm_question(event: dict[str, Any]) -> bool:
    """A person's new message in a DM with the bot: a question."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") is None
        and not event.get("bot_id")
    )


def on_message(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    subtype = event.get("subtype")
    if subtype in _IGNORED_SUBTYPES or (event.get("bot_id") and subtype not in _EDITS):
        return
    if event.get("channel_type") == "im":
        if subtype == "file_share" and event.get("files"):
            on_dm_files(event, client, context)  # a customer list to screen (handlers/files.py)
        elif is_dm_question(event):
            answer_event(event, body, client, context)
        return
    # Public ("channel") and private ("group") channels: license announcements, if watched.
    handle_channel_event(event, body, client, context)


def register(app: App) -> None:
    app.event("message")(on_message)
