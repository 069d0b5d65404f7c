"""Slack's request wire formats, built and signed exactly as Slack sends them to `/slack/events`.

Tests, benchmarks and the `canweship shell` all feed the Bolt app through these builders, so the
app is exercised through the same parsing and signature verification it meets in production. The
field names and encodings follow what Slack really sends (JSON `event_callback` envelopes,
url-encoded slash command forms, `payload=<json>` forms for interactivity); if one of these drifts
from Slack, every test built on it lies, so keep them boringly faithful.

Each builder returns `(body, headers)`: POST the body as-is (it is what was signed) with the
headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlencode

Body = str
Headers = dict[str, str]

TEAM_ID = "T0LOCAL"
TEAM_DOMAIN = "canweship-local"
API_APP_ID = "A0LOCAL"
BOT_USER_ID = "U0LOCALBOT"
BOT_ID = "B0LOCALBOT"
USER_ID = "U0LOCALUSER"
USER_NAME = "local-user"
CHANNEL_ID = "C0LOCAL"
DM_CHANNEL_ID = "D0LOCALUSER"  # what the fake's conversations.open returns for USER_ID
# The deprecated verification token Slack still puts in every payload; Bolt ignores it by default.
VERIFICATION_TOKEN = "localverificationtoken"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ts_lock = threading.Lock()
_last_ts = 0.0
# A per-process prefix plus a counter keeps ids unique in one process and very unlikely to clash
# across processes (a benchmark may run several shells against one app).
_ID_PREFIX = secrets.token_hex(2).upper()
_id_counter = itertools.count(1)


def sign(body: str, secret: str, timestamp: int | None = None) -> Headers:
    """Sign `body` the way Slack does: HMAC-SHA256 over `v0:{timestamp}:{body}` with the secret.

    `timestamp` defaults to now; pass an old one to produce the stale requests Bolt must refuse
    (Slack's replay window is five minutes).
    """
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def next_ts() -> str:
    """A Slack message timestamp (`"1700000000.000100"`), strictly increasing within the process.

    Slack uses `ts` as a message's identity (threads, edits, deletions), so two messages built in
    the same microsecond must still differ.
    """
    global _last_ts
    with _ts_lock:
        now = max(time.time(), _last_ts + 0.000001)
        _last_ts = now
    return f"{now:.6f}"


def new_id(prefix: str) -> str:
    """A Slack-looking unique id (`Ev…`, `F…`, `V…`, trigger ids) for this process."""
    return f"{prefix}{_ID_PREFIX}{next(_id_counter):06X}"


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (`"13345224609.738474920.8088930838d88f008e0"`)."""
    return f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


def _headers(body: str, secret: str, content_type: str, timestamp: int | None) -> Headers:
    return {"Content-Type": content_type, "User-Agent": USER_AGENT, **sign(body, secret, timestamp)}


def _form(fields: dict[str, Any], secret: str, timestamp: int | None) -> tuple[Body, Headers]:
    body = urlencode(fields)
    return body, _headers(body, secret, FORM_CONTENT_TYPE, timestamp)


def _payload_form(
    payload: dict[str, Any], secret: str, timestamp: int | None
) -> tuple[Body, Headers]:
    # Interactivity arrives as a form with a single `payload` field holding compact JSON.
    return _form({"payload": json.dumps(payload, separators=(",", ":"))}, secret, timestamp)


def redelivery(
    body: Body,
    *,
    secret: str,
    retry_num: int = 1,
    retry_reason: str = "http_timeout",
    timestamp: int | None = None,
) -> tuple[Body, Headers]:
    """Slack's retry of an event it thinks was not acknowledged: same body, fresh signature.

    The body (and so the `event_id`) is unchanged, which is what deduplication must key on.
    """
    content_type = JSON_CONTENT_TYPE if body.lstrip().startswith("{") else FORM_CONTENT_TYPE
    headers = _headers(body, secret, content_type, timestamp)
    headers["X-Slack-Retry-Num"] = str(retry_num)
    headers["X-Slack-Retry-Reason"] = retry_reason
    return body, headers


# ---- Events API ----------------------------------------------------------------------------------


def _event_context(event: dict[str, Any], team_id: str, api_app_id: str) -> str:
    context = {"et": event.get("type", ""), "tid": team_id, "aid": api_app_id}
    if event.get("channel"):
        context["cid"] = event["channel"]
    raw = json.dumps(context, separators=(",", ":")).encode()
    return "4-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def event_callback(
    event: dict[str, Any],
    *,
    secret: str,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
    authorizations: list[dict[str, Any]] | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    timestamp: int | None = None,
) -> tuple[Body, Headers]:
    """The Events API envelope around `event`, as JSON.

    Pass the same `event_id` with `retry_num` to model Slack redelivering an event (or build the
    first delivery and call `redelivery` on its body).
    """
    if authorizations is None:
        authorizations = [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_id("Ev"),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": authorizations,
        "is_ext_shared_channel": False,
        "event_context": _event_context(event, team_id, api_app_id),
    }
    body = json.dumps(envelope, separators=(",", ":"))
    if retry_num is not None:
        return redelivery(
            body, secret=secret, retry_num=retry_num, retry_reason=retry_reason, timestamp=timestamp
        )
    return body, _headers(body, secret, JSON_CONTENT_TYPE, timestamp)


def url_verification(
    challenge: str, *, secret: str, timestamp: int | None = None
) -> tuple[Body, Headers]:
    """The handshake Slack sends when the Events request URL is set; the app echoes `challenge`."""
    body = json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"},
        separators=(",", ":"),
    )
    return body, _headers(body, secret, JSON_CONTENT_TYPE, timestamp)


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


# ---- Slash commands and interactivity ------------------------------------------------------------


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
    return _form(fields, secret, timestamp)


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
    return _payload_form(payload, secret, timestamp)


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
    return _payload_form(payload, secret, timestamp)
