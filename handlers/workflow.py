"""The Workflow Builder step "Screen a party" (a custom function of this app, `screen_party`).

Inputs: the party's name, optionally its country and the item. Outputs: the verdict, a one-line
summary and, when the answer opened or joined a review case, a link to the case's message. The
step always ends: with `functions.completeSuccess`, or with `functions.completeError` and a
message saying what went wrong (a missing name, an unknown country, a failure on our side). An
`unavailable` answer (stale list, store down) is a result, not an error: workflows branch on it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, Complete, Fail
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.reviews.cases import review_target
from bot.screening.country_field import country_code
from handlers.common import EventOnce, services
from handlers.reviews import deliver_now
from handlers.views import fallback_text
from storage.events import AlreadyHandled
from storage.models_reviews import CaseAsker
from storage.models_sync import ListAlert

log = logging.getLogger(__name__)

FUNCTION = "screen_party"
FAILED = "canweship could not screen this party, so nothing was checked. Try the step again."


def on_screen_party(
    inputs: dict[str, Any],
    body: dict[str, Any],
    complete: Complete,
    fail: Fail,
    client: WebClient,
    context: BoltContext,
) -> None:
    event = body.get("event") or {}
    party = " ".join(str(inputs.get("party_name") or "").split())
    country = " ".join(str(inputs.get("country") or "").split())
    item = " ".join(str(inputs.get("item") or "").split()) or None
    if not party:
        fail("Give the party's name to screen (the step's “Party name” input is empty).")
        return
    code = country_code(country) if country else None
    if country and code is None:
        fail(f"Unknown country “{country[:60]}”: use an ISO code such as CN, or a name.")
        return
    handling = EventOnce(context, body)
    svc = services(context)
    try:
        outcome = svc.screener.screen(
            ScreeningRequest(party=party, country=code, item=item, text=party),
            Requester(
                user=f"workflow:{event.get('workflow_execution_id') or '?'}",
                kind="slack",
                event=handling.ref,
            ),
        )
        handling.claimed_with(outcome.audit_id)
        link = _case_link(context, client, outcome.audit_id)
        summary = fallback_text(outcome.decision, party)
        reasons = outcome.decision.reasons + outcome.decision.notes
        if reasons:
            summary += " — " + reasons[0]
        complete(
            outputs={
                "verdict": outcome.decision.verdict,
                "summary": summary[:2000],
                "case_link": link or "",
            }
        )
    except AlreadyHandled:
        log.info("function execution %s already handled", event.get("function_execution_id"))
        return
    except Exception:
        log.exception("the Screen a party step failed")
        fail(FAILED)
    handling.complete()


def _case_link(context: BoltContext, client: WebClient, audit_id: int | None) -> str | None:
    """A link to the review case this answer opened or joined, once its message is posted."""
    if audit_id is None:
        return None
    svc = services(context)
    with Session(svc.engine) as session:
        case_id = session.execute(
            select(CaseAsker.case_id).where(CaseAsker.audit_id == audit_id)
        ).scalar()
    if case_id is None:
        return None
    deliver_now(context, client)  # post the case message now, not at the next tick
    with Session(svc.engine) as session:
        posted = session.execute(
            select(ListAlert.target, ListAlert.message_ts)
            .where(ListAlert.key.like(f"case:{case_id}:%"))  # type: ignore[attr-defined]
            .where(ListAlert.message_ts.is_not(None))  # type: ignore[union-attr]
            .order_by(ListAlert.id.desc())  # type: ignore[union-attr]
        ).first()
    target = posted[0] if posted else review_target(svc.settings)
    if posted is not None:
        try:
            return str(client.chat_getPermalink(channel=target, message_ts=posted[1])["permalink"])
        except SlackApiError as exc:
            log.warning("no permalink for case %s: %s", case_id, exc.response.get("error"))
    return f"case {case_id} (/canweship cases)"


def register(app: App) -> None:
    app.function(FUNCTION)(on_screen_party)
