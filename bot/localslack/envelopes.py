"""Slack's signed request envelopes: constants, signing, ids, and the Events API wrapper.

Everything here is about *how* a request reaches `/slack/events`: the HMAC signature Bolt
verifies, the headers Slack sends, the `event_callback` envelope and the url-encoded forms the
other builders (`events`, `interactive`) put their payloads in. Callers use it through the
`bot.localslack.wire` facade; see there for why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
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


def form_body(fields: dict[str, Any], secret: str, timestamp: int | None) -> tuple[Body, Headers]:
    """A url-encoded form body, signed (slash commands; interactivity via `payload_form`)."""
    body = urlencode(fields)
    return body, _headers(body, secret, FORM_CONTENT_TYPE, timestamp)


def payload_form(
    payload: dict[str, Any], secret: str, timestamp: int | None
) -> tuple[Body, Headers]:
    # Interactivity arrives as a form with a single `payload` field holding compact JSON.
    return form_body({"payload": json.dumps(payload, separators=(",", ":"))}, secret, timestamp)


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
