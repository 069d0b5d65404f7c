"""The Events API payloads a user's actions produce: messages, mentions, edits, reactions, Home.

Each builder returns the inner `event` dict; wrap it with `event_callback` (in `envelopes`) to
get a signed request. Shapes follow what Slack really sends, including its quirks (no
`channel_type` on app mentions, edits nested under `message`, no top-level `user` on deletes).
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from bot.localslack.envelopes import (
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    TEAM_ID,
    USER_ID,
    next_ts,
)

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def rich_text(text: str) -> list[dict[str, Any]]:
    """The `rich_text` block Slack attaches to a typed message; `<@U…>` become user elements.

    Handlers that read `blocks` instead of `text` (to find mentions reliably) see the same shape
    Slack's client produces.
    """
    elements: list[dict[str, Any]] = []
    pos = 0
    for match in _MENTION.finditer(text):
        if match.start() > pos:
            elements.append({"type": "text", "text": text[pos : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        pos = match.end()
    if pos < len(text):
        elements.append({"type": "text", "text": text[pos:]})
    return [
        {
            "type": "rich_text",
            "block_id": secrets.token_hex(3),
            "elements": [{"type": "rich_text_section", "elements": elements}],
        }
    ]


def _user_message(
    kind: str,
    text: str,
    user: str,
    channel: str,
    ts: str | None,
    thread_ts: str | None,
    team_id: str,
) -> dict[str, Any]:
    ts = ts or next_ts()
    event: dict[str, Any] = {
        "client_msg_id": str(uuid.uuid4()),
        "type": kind,
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": rich_text(text),
        "team": team_id,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = user
    return event


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def message_im(
    text: str,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A `message` event for a direct message to the bot (`channel_type: "im"`)."""
    event = _user_message("message", text, user, channel, ts, thread_ts, team_id)
    event["channel_type"] = "im"
    return event


def app_mention(
    text: str,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    bot_user_id: str = BOT_USER_ID,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """An `app_mention` event; the bot's `<@U…>` is prefixed unless `text` already mentions it.

    Slack sends no `channel_type` on app mentions; handlers must not rely on one.
    """
    mention = f"<@{bot_user_id}>"
    if mention not in text:
        text = f"{mention} {text}".rstrip()
    return _user_message("app_mention", text, user, channel, ts, thread_ts, team_id)


def channel_message(
    text: str,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A `message` event in a channel the bot is in (`channel_type` "channel"; "group" for G…)."""
    event = _user_message("message", text, user, channel, ts, thread_ts, team_id)
    event["channel_type"] = _channel_type(channel)
    return event


def message_changed(
    channel: str,
    ts: str,
    new_text: str,
    user: str = USER_ID,
    previous_text: str = "",
    *,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A `message_changed` event: the edited message is nested under `message`, not at the top."""
    event_ts = next_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": {
            "type": "message",
            "text": new_text,
            "user": user,
            "team": team_id,
            "edited": {"user": user, "ts": event_ts},
            "blocks": rich_text(new_text),
            "ts": ts,
            "source_team": team_id,
            "user_team": team_id,
        },
        "previous_message": {
            "type": "message",
            "text": previous_text,
            "user": user,
            "ts": ts,
            "team": team_id,
            "blocks": rich_text(previous_text),
        },
        "channel": channel,
        "hidden": True,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": _channel_type(channel),
    }


def message_deleted(
    channel: str,
    deleted_ts: str,
    previous_text: str = "",
    user: str = USER_ID,
    *,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A `message_deleted` event: no top-level `user`, only the one in `previous_message`."""
    event_ts = next_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": {
            "type": "message",
            "text": previous_text,
            "user": user,
            "ts": deleted_ts,
            "team": team_id,
        },
        "channel": channel,
        "hidden": True,
        "deleted_ts": deleted_ts,
        "event_ts": event_ts,
        "ts": event_ts,
        "channel_type": _channel_type(channel),
    }


def app_home_opened(
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    tab: str = "home",
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An `app_home_opened` event; `view` is present only once the app has published a Home view."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": next_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def reaction_added(
    reaction: str,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    item_ts: str = "",
    item_user: str | None = None,
) -> dict[str, Any]:
    """A `reaction_added` event on a message (emoji name without colons: `white_check_mark`)."""
    event: dict[str, Any] = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": item_ts},
        "event_ts": next_ts(),
    }
    if item_user is not None:
        event["item_user"] = item_user
    return event


def file_share_message(
    files: list[dict[str, Any]],
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    text: str = "",
    ts: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A `message` with subtype `file_share`: files shared in a DM (`channel_type` im) or a
    channel. `files` are Slack file objects (`FakeSlackAPI.add_file` makes them); give the same
    `ts` the file was added with, as Slack's share and message carry one ts."""
    ts = ts or next_ts()
    event = _user_message("message", text, user, channel, ts, None, team_id)
    event.update(
        subtype="file_share",
        files=files,
        upload=False,
        display_as_bot=False,
        channel_type=_channel_type(channel),
    )
    if not text:
        event.pop("blocks", None)
    return event


def file_shared(file_id: str, user: str = USER_ID, channel: str = DM_CHANNEL_ID) -> dict[str, Any]:
    """A `file_shared` event: only the ids; the file itself comes from files.info."""
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": next_ts(),
    }


def function_executed(
    callback_id: str,
    inputs: dict[str, Any],
    *,
    title: str = "",
    input_parameters: list[dict[str, Any]] | None = None,
    output_parameters: list[dict[str, Any]] | None = None,
    bot_access_token: str = "xwfp-local-function-token",
    app_id: str = "A0LOCAL",
) -> dict[str, Any]:
    """A `function_executed` event: a Workflow Builder step of this app was reached. It carries
    a short-lived `bot_access_token` (xwfp-) that functions.complete* are called with."""
    now = int(float(next_ts()))
    return {
        "type": "function_executed",
        "function": {
            "id": new_function_id(),
            "callback_id": callback_id,
            "title": title or callback_id,
            "description": "",
            "type": "app",
            "input_parameters": input_parameters or [],
            "output_parameters": output_parameters or [],
            "app_id": app_id,
            "date_created": now,
            "date_updated": now,
            "date_deleted": 0,
        },
        "inputs": inputs,
        "function_execution_id": "Fx" + uuid.uuid4().hex[:10].upper(),
        "workflow_execution_id": "Wx" + uuid.uuid4().hex[:10].upper(),
        "event_ts": next_ts(),
        "bot_access_token": bot_access_token,
    }


def new_function_id() -> str:
    return "Fn" + uuid.uuid4().hex[:10].upper()
