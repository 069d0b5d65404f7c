"""The message shortcut "Screen with canweship": screen the parties and destination in any
message, exactly as if it had been asked as a question (bot/answers/ask.py).

The answer goes only to the person who used the shortcut (ephemeral, through the shortcut's
`response_url`; a DM when that cannot be used), with a button to post it in the message's
thread for everyone. Posting asks again for the clicker, so the posted answer is current and
audited under the person who posted it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.ask import ANSWER, ask
from bot.answers.screener import Requester
from handlers.common import SORRY, services
from handlers.markup import to_plain_text
from handlers.views import button, error_message, render_answer

log = logging.getLogger(__name__)

SHORTCUT = "screen_with_canweship"
POST_IN_THREAD = "shortcut_post_in_thread"
# A button's value holds at most 2,000 characters: the message text plus where to post.
_VALUE_LIMIT = 1900


def _ask(context: BoltContext, text: str, user: str, channel: str, thread_ts: str | None) -> Any:
    return ask(
        services(context).screener,
        text,
        Requester(user=user, kind="slack", channel=channel, thread_ts=thread_ts),
    )


def on_message_shortcut(
    ack: Ack, shortcut: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id") or ""
    user = (shortcut.get("user") or {}).get("id") or ""
    thread_ts = message.get("thread_ts") or message.get("ts")
    text = to_plain_text(message.get("text") or "", lines=True).strip()
    blocks: list[dict[str, Any]]
    if not text:
        reply, blocks = error_message(
            "That message has no text to screen. Use the shortcut on a message that names the "
            "party (and destination)."
        )
    else:
        try:
            answer = _ask(context, text, user, channel, thread_ts)
            reply, blocks = render_answer(answer)
            value = json.dumps({"c": channel, "t": thread_ts, "q": text}, ensure_ascii=False)
            if answer.kind == ANSWER and len(value) <= _VALUE_LIMIT:
                blocks = [
                    *blocks,
                    {
                        "type": "actions",
                        "elements": [button("Post in thread", POST_IN_THREAD, value, "primary")],
                    },
                ]
        except Exception:
            log.exception("the message shortcut failed")
            reply, blocks = error_message(SORRY)
    try:
        respond(text=reply, blocks=blocks, response_type="ephemeral", replace_original=False)
    except Exception as exc:  # the response_url expired or the conversation is closed to it
        log.warning("shortcut response_url failed (%s); answering in a DM", exc)
        try:
            dm = client.conversations_open(users=user)["channel"]["id"]
            client.chat_postMessage(channel=dm, text=reply, blocks=blocks)
        except SlackApiError as err:
            log.error("could not DM the shortcut's answer: %s", err.response.get("error"))


def on_post_in_thread(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Post the answer in the message's thread, for everyone, as the clicker's answer."""
    ack()
    user = (body.get("user") or {}).get("id") or ""
    try:
        value = json.loads(body["actions"][0]["value"])
        channel, thread_ts, text = str(value["c"]), value.get("t"), str(value["q"])
    except (KeyError, IndexError, TypeError, ValueError):
        respond(text="That button is out of date; use the shortcut again.", replace_original=False)
        return
    try:
        answer = _ask(context, text, user, channel, thread_ts)
        reply, blocks = render_answer(answer)
    except Exception:
        log.exception("posting a shortcut's answer failed")
        reply, blocks = error_message(SORRY)
        respond(text=reply, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    try:
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=reply, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as exc:
        error = exc.response.get("error")
        why = (
            "I'm not in this conversation: invite me (`/invite @canweship`) to post here."
            if error in ("not_in_channel", "channel_not_found")
            else f"Slack refused the post ({error})."
        )
        respond(text=why, response_type="ephemeral", replace_original=False)
        return
    respond(text="Posted in the thread.", response_type="ephemeral", replace_original=True)


def register(app: App) -> None:
    app.message_shortcut(SHORTCUT)(on_message_shortcut)
    app.action(POST_IN_THREAD)(on_post_in_thread)
