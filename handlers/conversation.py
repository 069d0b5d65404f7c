"""Questions asked in a DM or by mentioning the bot: one answer per question, with evidence."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.ask import ANSWER, ask
from bot.answers.reading import Reading
from bot.answers.screener import Requester, ScreeningRequest
from handlers.common import SORRY, EventOnce, post, post_ephemeral, services
from handlers.markup import to_plain_text
from handlers.views import (
    SCREEN_GUESS,
    answer_message,
    error_message,
    mark_late,
    render_answer,
)
from storage.events import AlreadyHandled

log = logging.getLogger(__name__)


class _Threads:
    """The last question read in each conversation (a thread, or a DM), for follow-ups such as
    "what about Dahua?". Kept per process and bounded: a follow-up that reaches another
    instance is read on its own (the bot then asks for what is missing, never guesses)."""

    def __init__(self, size: int = 2000) -> None:
        self._lock = threading.Lock()
        self._last: OrderedDict[tuple[str, str], Reading] = OrderedDict()
        self._size = size

    def get(self, key: tuple[str, str]) -> Reading | None:
        with self._lock:
            return self._last.get(key)

    def put(self, key: tuple[str, str], reading: Reading | None) -> None:
        if reading is None or not (reading.parties or reading.destination):
            return
        with self._lock:
            self._last[key] = reading
            self._last.move_to_end(key)
            while len(self._last) > self._size:
                self._last.popitem(last=False)


THREADS = _Threads()


def answer_event(
    event: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    late: datetime | None = None,
) -> bool:
    """Answer the question in `event` once, in a thread when asked in a channel; False when
    another delivery of it has it. `late`: when it was received, for an answer a sweeper gives
    after its first answerer died (the answer says it comes late)."""
    handling = EventOnce(context, body)
    ref = handling.ref
    if late is not None and ref is not None and already_answered(client, event, ref.event_id):
        # Slack took the answer before its process died, which could not mark it done.
        log.info("event %s was answered before its process stopped", ref.event_id)
        handling.complete()
        return True
    try:
        replied = _answer(event, client, context, handling, late)
    except AlreadyHandled:
        log.info("event %s already handled or in progress; skipping", body.get("event_id"))
        return False
    if replied:
        handling.complete()
    return replied


def _answer(
    event: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    handling: EventOnce,
    late: datetime | None = None,
) -> bool:
    """Screen and reply; False when another delivery of the event has it. A screened answer
    claims the event with its audit row (AlreadyHandled if it cannot); any other reply claims it
    before posting."""
    channel = event.get("channel") or ""
    user = event.get("user") or ""
    in_dm = event.get("channel_type") == "im" or channel.startswith("D")
    thread_ts = None if in_dm else (event.get("thread_ts") or event.get("ts"))
    key = (channel, "" if in_dm else (event.get("thread_ts") or ""))
    try:
        answer = ask(
            services(context).screener,
            to_plain_text(event.get("text") or "", lines=True),
            Requester(
                user=user,
                kind="slack",
                channel=channel,
                event=handling.ref,
                thread_ts=thread_ts,
            ),
            previous=THREADS.get(key) if key[1] or in_dm else None,
        )
        if in_dm or not event.get("thread_ts"):
            key = (channel, "" if in_dm else (event.get("ts") or ""))
        THREADS.put(key, answer.reading)
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
    if late is not None:
        text, blocks = mark_late((text, blocks), late)
    if (answer is None or answer.kind != ANSWER) and not in_dm:
        # Errors and "what do you mean?" go only to the asker.
        post_ephemeral(
            client, channel=channel, user=user, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return True
    post(
        client,
        channel=channel,
        text=text,
        blocks=blocks,
        thread_ts=thread_ts,
        unfurl_links=False,
        metadata=_answers(handling.ref.event_id) if handling.ref is not None else None,
    )
    return True


ANSWER_EVENT = "canweship_answer"


def _answers(key: str) -> dict[str, Any]:
    """Message metadata naming the question a posted answer answers (see `already_answered`)."""
    return {"event_type": ANSWER_EVENT, "event_payload": {"question": key}}


def already_answered(client: WebClient, event: dict[str, Any], key: str) -> bool:
    """True when the conversation of `event` holds the bot's answer to question `key` (its
    metadata says so): a process that died after Slack took its answer, before marking the
    question done, must not have it answered twice. When Slack cannot tell, False (answer)."""
    channel = event.get("channel") or ""
    in_dm = event.get("channel_type") == "im" or channel.startswith("D")
    thread_ts = None if in_dm else (event.get("thread_ts") or event.get("ts"))
    try:
        if thread_ts:
            found = client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        else:
            found = client.conversations_history(
                channel=channel, oldest=event.get("ts") or "0", include_all_metadata=True, limit=200
            )
    except SlackApiError as exc:
        log.warning("cannot read the conversation of %s: %s", key, exc.response.get("error"))
        return False
    for message in found.get("messages") or []:
        meta = message.get("metadata") or {}
        if (
            meta.get("event_type") == ANSWER_EVENT
            and (meta.get("event_payload") or {}).get("question") == key
        ):
            return True
    return False


def on_screen_guess(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The asker picked one of the bot's guesses: screen it, with the question's destination and
    item, and answer only them (they can ask again in the channel)."""
    ack()
    try:
        value = json.loads(body["actions"][0]["value"])
        party = str(value["party"])
    except (KeyError, IndexError, TypeError, ValueError):
        respond(text="That button is out of date; ask the question again.", replace_original=False)
        return
    user = body.get("user", {}).get("id", "")
    channel = (body.get("channel") or {}).get("id")
    request = ScreeningRequest(
        party=party,
        country=value.get("country") or None,
        item=value.get("item") or None,
        text=f"(picked from a guess) {party}",
    )
    try:
        outcome = services(context).screener.screen(
            request, Requester(user=user, kind="slack", channel=channel)
        )
        text, blocks = answer_message(outcome)
    except Exception:
        log.exception("screening a picked guess failed")
        text, blocks = error_message(SORRY)
    respond(text=text, blocks=blocks, replace_original=False, response_type="ephemeral")


def register(app: App) -> None:
    app.action(SCREEN_GUESS)(on_screen_guess)
