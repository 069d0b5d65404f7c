"""Slack's request wire formats, built and signed exactly as Slack sends them to `/slack/events`.

Tests, benchmarks and the `canweship shell` all feed the Bolt app through these builders, so the
app is exercised through the same parsing and signature verification it meets in production. The
field names and encodings follow what Slack really sends (JSON `event_callback` envelopes,
url-encoded slash command forms, `payload=<json>` forms for interactivity); if one of these drifts
from Slack, every test built on it lies, so keep them boringly faithful.

Each builder returns `(body, headers)`: POST the body as-is (it is what was signed) with the
headers.

Why a facade: the builders live in `envelopes` (constants, signing, ids, the `event_callback`
envelope), `events` (message, mention, edit, reaction, Home, file and workflow-step events)
and `interactive` (slash commands, buttons, `block_actions`, `view_submission`, message
shortcuts). A request is nearly always built from two of them at once
(`wire.event_callback(wire.message_im(...), secret=...)`), in some 20 test files,
benchmarks and the shell; `wire.` reads as "what Slack sends" at each of those places, where three
imports per call site would say less. So this module only re-exports, and adds nothing.
"""

from __future__ import annotations

from bot.localslack.envelopes import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    TEAM_DOMAIN,
    TEAM_ID,
    USER_AGENT,
    USER_ID,
    USER_NAME,
    VERIFICATION_TOKEN,
    Body,
    Headers,
    event_callback,
    new_id,
    new_trigger_id,
    next_ts,
    redelivery,
    sign,
    url_verification,
)
from bot.localslack.events import (
    app_home_opened,
    app_mention,
    channel_message,
    file_share_message,
    file_shared,
    function_executed,
    message_changed,
    message_deleted,
    message_im,
    reaction_added,
    rich_text,
)
from bot.localslack.interactive import (
    block_actions,
    button,
    message_action,
    slash_command,
    view_submission,
)

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DM_CHANNEL_ID",
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "USER_AGENT",
    "USER_ID",
    "USER_NAME",
    "VERIFICATION_TOKEN",
    "Body",
    "Headers",
    "app_home_opened",
    "app_mention",
    "block_actions",
    "button",
    "channel_message",
    "event_callback",
    "file_share_message",
    "file_shared",
    "function_executed",
    "message_action",
    "message_changed",
    "message_deleted",
    "message_im",
    "new_id",
    "new_trigger_id",
    "next_ts",
    "reaction_added",
    "redelivery",
    "rich_text",
    "sign",
    "slash_command",
    "url_verification",
    "view_submission",
]
