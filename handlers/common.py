"""Small helpers every listener uses: the shared services, exactly-once events, safe replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

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
    try:
        claimed = claim_event(
            engine=svc.engine, event_id=event_id, owner=svc.instance_id, lease=EVENT_LEASE
        )
    except SQLAlchemyError as exc:
        # The store is down. Silence would leave the asker waiting; the work itself fails closed
        # (screening answers `unavailable`), so at worst a redelivery gets a second such answer.
        log.warning("cannot claim event %s, handling it anyway: %s", event_id, exc)
        claimed = True
    if not claimed:
        log.info("event %s already handled or in progress; skipping", event_id)
        return
    work()
    try:
        complete_event(engine=svc.engine, event_id=event_id)
    except SQLAlchemyError as exc:  # the claim's lease still stops an immediate second answer
        log.warning("cannot mark event %s handled: %s", event_id, exc)


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


def admin_or_refuse(context: BoltContext, body: dict[str, Any], respond: Any, what: str) -> bool:
    """For buttons: True when the clicking user is an admin, else tell them (only them) why not."""
    from bot.authz import NotAdmin, require_admin

    svc = services(context)
    try:
        require_admin(svc.engine, svc.settings, body["user"]["id"], what=what)
        return True
    except NotAdmin as exc:
        respond(text=str(exc), response_type="ephemeral", replace_original=False)
        return False
