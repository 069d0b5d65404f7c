"""Small helpers every listener uses: the shared services, exactly-once events, safe replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.authz import NotAdmin, require_admin
from bot.services import Services
from storage.events import EventRef, claim_event

log = logging.getLogger(__name__)
SORRY = (
    "Something went wrong on my side and nothing was checked, so do not rely on this. "
    "Please try again in a minute; if it keeps happening, ask compliance."
)


def services(context: BoltContext) -> Services:
    return context["services"]


class EventOnce:
    """Exactly-once handling of one Slack event across retries and instances.

    The claim is a row keyed by the event id, with a lease (storage/events.py). A handler that
    screens passes `ref` to the screener, which takes the claim in the same transaction as the
    answer's audit row (`claimed_with`); any other reply calls `claim()` before posting. After
    the reply, `complete()` so that no later retry answers again.
    """

    def __init__(self, context: BoltContext, body: dict[str, Any], key: str | None = None) -> None:
        svc = services(context)
        self.engine = svc.engine
        self.completions = svc.completions
        event_id = key or body.get("event_id")
        lease = svc.settings.answer_lease
        self.ref = EventRef(event_id, svc.instance_id, lease) if event_id else None
        self.claimed = self.ref is None  # nothing to deduplicate on

    def claimed_with(self, audit_id: int | None) -> None:
        """The screener wrote the audit row, and with it the claim."""
        if audit_id is not None:
            self.claimed = True

    def claim(self) -> bool:
        """True when this delivery should reply (claiming it now if not yet claimed)."""
        if self.claimed or self.ref is None:
            return True
        try:
            self.claimed = claim_event(
                engine=self.engine,
                event_id=self.ref.event_id,
                owner=self.ref.owner,
                lease=self.ref.lease,
            )
        except SQLAlchemyError as exc:
            # The store is down. Silence would leave the asker waiting; the work itself fails
            # closed (screening answers `unavailable`), so at worst a redelivery gets a second
            # such answer.
            log.warning("cannot claim event %s, handling it anyway: %s", self.ref.event_id, exc)
            self.claimed = True
        if not self.claimed:
            log.info("event %s already handled or in progress; skipping", self.ref.event_id)
        return self.claimed

    def complete(self) -> None:
        """Mark the event handled (written in the background, see storage.events.Completions)."""
        if self.ref is not None:
            self.completions.add(self.ref.event_id)


def once(context: BoltContext, body: dict[str, Any], work: Callable[[], None]) -> None:
    """Run `work` for this event id once across retries and instances."""
    event = EventOnce(context, body)
    if not event.claim():
        return
    work()
    event.complete()


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

    svc = services(context)
    try:
        require_admin(svc.engine, svc.settings, body["user"]["id"], what=what)
        return True
    except NotAdmin as exc:
        respond(text=str(exc), response_type="ephemeral", replace_original=False)
        return False
