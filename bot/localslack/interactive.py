"""Slash commands and interactivity: the forms Slack posts for commands, clicks and submits.

`block_actions` and `view_submission` arrive as a form with one `payload` field holding JSON
(`envelopes.payload_form`); slash commands as a plain form in Slack's field order.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot.localslack.envelopes import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    USER_ID,
    USER_NAME,
    VERIFICATION_TOKEN,
    Body,
    Headers,
    form_body,
    new_id,
    new_trigger_id,
    next_ts,
    payload_form,
)


def _channel_name(channel_id: str) -> str:
    return {"D": "directmessage", "G": "privategroup"}.get(channel_id[:1], "local-channel")


def slash_command(
    command: str,
    text: str = "",
    *,
    secret: str,
    response_url: str,
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    channel_name: str | None = None,
    api_app_id: str = API_APP_ID,
    trigger_id: str | None = None,
    timestamp: int | None = None,
) -> tuple[Body, Headers]:
    """A slash command invocation: a url-encoded form, fields in Slack's order.

    `response_url` is required on purpose: `respond()` posts there, and a default pointing at
    hooks.slack.com would send test traffic to the real Slack. Use `FakeSlackAPI.response_url()`.
    """
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or _channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name,
        "command": command if command.startswith("/") else f"/{command}",
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return form_body(fields, secret, timestamp)


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def button(
    action_id: str, value: str = "", *, block_id: str | None = None, text: str = ""
) -> dict[str, Any]:
    """One element of `block_actions.actions` for a clicked button."""
    return {
        "action_id": action_id,
        "block_id": block_id or secrets.token_hex(3),
        "text": {"type": "plain_text", "text": text or action_id, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": next_ts(),
    }


def block_actions(
    actions: list[dict[str, Any]],
    *,
    secret: str,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    api_app_id: str = API_APP_ID,
    timestamp: int | None = None,
) -> tuple[Body, Headers]:
    """A `block_actions` payload (button click, select…) from a message or from a view.

    Give `message` (and `channel_id`) for a click in a message — Slack then includes a
    `response_url` — or `view` for a click inside a modal or the App Home, where it does not.
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": actions,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = view
    elif message is not None or channel_id is not None:
        message = message or {"type": "message", "ts": next_ts(), "text": "", "user": BOT_USER_ID}
        payload["container"] = {
            "type": "message",
            "message_ts": message.get("ts"),
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id or "")}
        payload["message"] = message
    payload["state"] = {"values": state_values or {}}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload_form(payload, secret, timestamp)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    secret: str,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    private_metadata: str = "",
    view_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    api_app_id: str = API_APP_ID,
    timestamp: int | None = None,
) -> tuple[Body, Headers]:
    """A modal's Submit: `values` is `view.state.values`, i.e. `{block_id: {action_id: {...}}}`.

    Each innermost dict is Slack's typed state, e.g. `{"type": "plain_text_input", "value": "x"}`
    or `{"type": "static_select", "selected_option": {...}}`.
    """
    view_id = view_id or new_id("V")
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": callback_id[:24] or "Modal", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": api_app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": view,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return payload_form(payload, secret, timestamp)


def message_action(
    callback_id: str,
    message: dict[str, Any],
    *,
    secret: str,
    response_url: str,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    channel_id: str = CHANNEL_ID,
    trigger_id: str | None = None,
    timestamp: int | None = None,
) -> tuple[Body, Headers]:
    """A message shortcut (`message_action`): the chosen `message` (a message event such as
    `channel_message(...)`) and where it is; `response_url` posts back into that conversation."""
    payload = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": next_ts(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {**_user(user_id, user_name, team_id)},
        "channel": {"id": channel_id, "name": _channel_name(channel_id)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": message.get("ts"),
        "message": {
            k: message[k]
            for k in ("client_msg_id", "type", "text", "user", "ts", "team", "blocks", "thread_ts")
            if k in message
        },
    }
    return payload_form(payload, secret, timestamp)
