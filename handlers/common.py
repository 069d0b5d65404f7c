"""Small helpers every listener uses: the shared services, exactly-once events, safe replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from storage.events import claim_event, complete_event

log = logging.getLogger(__name__)
EVENT_LEASE = timedelta(minutes=2)
SORRY = (
    "Something went wrong on my side and nothing was checked, so do not rely on this. "
    "Please try again in a minute; if it keeps happening, ask compliance."
)


def services(context: BoltContext) -> Services:
    return context["services"]


def once(context: BoltContext, body: dict[str, Any], work: Callable[[], None]) -> None:
    """Run `work` for this event id once across retries and instances."""
    svc = services(context)
    event_id = body.get("event_id")
    if not event_id:
        work()
        return
    if not claim_event(
        engine=svc.engine, event_id=event_id, owner=svc.instance_id, lease=EVENT_LEASE
    ):
        log.info("event %s already handled or in progress; skipping", event_id)
        return
    work()
    complete_event(engine=svc.engine, event_id=event_id)


def post(client: WebClient, **kwargs: Any) -> dict[str, Any] | None:
    """chat.postMessage that logs instead of raising (retries are the client's job)."""
    try:
        return client.chat_postMessage(**kwargs).data  # type: ignore[return-value]
    except SlackApiError as exc:
        log.error("chat.postMessage failed: %s", exc.response.get("error"))
        return None


def post_ephemeral(client: WebClient, *, channel: str, user: str, **kwargs: Any) -> None:
    try:
        client.chat_postEphemeral(channel=channel, user=user, **kwargs)
    except SlackApiError as exc:
        log.error("chat.postEphemeral failed: %s", exc.response.get("error"))
