"""Questions asked in a DM or by mentioning the bot: one answer per question, with evidence."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.ask import ANSWER, ask
from bot.screening_service import Requester
from handlers.common import SORRY, EventOnce, post, post_ephemeral, services
from handlers.views import error_message, render_answer
from storage.events import AlreadyHandled

log = logging.getLogger(__name__)


def answer_event(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Answer the question in `event` once, in a thread when asked in a channel."""
    handling = EventOnce(context, body)
    try:
        replied = _answer(event, client, context, handling)
    except AlreadyHandled:
        log.info("event %s already handled or in progress; skipping", body.get("event_id"))
        return
    if replied:
        handling.complete()


def _answer(
    event: dict[str, Any], client: WebClient, context: BoltContext, handling: EventOnce
) -> bool:
    """Screen and reply; False when another delivery of the event has it. A screened answer
    claims the event with its audit row (AlreadyHandled if it cannot); any other reply claims it
    before posting."""
    channel = event.get("channel") or ""
    user = event.get("user") or ""
    in_dm = event.get("channel_type") == "im" or channel.startswith("D")
    thread_ts = None if in_dm else (event.get("thread_ts") or event.get("ts"))
    try:
        answer = ask(
            services(context).screener,
            event.get("text") or "",
            Requester(actor=user, kind="slack", channel=channel, event=handling.ref),
        )
        if answer.outcome is not None:
            handling.claimed_with(answer.outcome.audit_id)
        text, blocks = render_answer(answer)
    except AlreadyHandled:
        raise
    except Exception:
        log.exception("answering a question failed")
        text, blocks = error_message(SORRY)
        answer = None
    if not handling.claim():
        return False
    if (answer is None or answer.kind != ANSWER) and not in_dm:
        # Errors and "what do you mean?" go only to the asker.
        post_ephemeral(
            client, channel=channel, user=user, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return True
    post(client, channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False)
    return True
