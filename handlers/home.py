"""The App Home tab: recent questions, list status, upcoming deadlines."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.overview import home_data
from bot.reviews.cases import list_cases
from bot.reviews.reviewers import NotReviewer, require_reviewer
from bot.reviews.text import age
from handlers.common import services
from handlers.status import list_status_line
from handlers.views import esc, home_view, section

log = logging.getLogger(__name__)


def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    user = event.get("user") or ""
    svc = services(context)
    data = home_data(svc.engine, svc.settings, user=user)
    view = home_view(
        recent=data.recent,
        list_line=list_status_line(svc),
        deadlines=data.deadlines,
        now=datetime.now(UTC),
    )
    view["blocks"].extend(rules_section(data.rules_today, data.rule_changes))
    view["blocks"].extend(review_queue(svc, user))
    client.views_publish(user_id=user, view=view)


def rules_section(today: list[str], changes: list[str]) -> list[dict[str, Any]]:
    """The 50% rules in effect today, and the next change of each (e.g. a suspension ending)."""
    lines = [f"• {esc(line)}" for line in today]
    lines += [f"• :calendar: Next: {esc(line)}" for line in changes] or ["• No change on record."]
    return [{"type": "divider"}, section("*The 50% rules*\n" + "\n".join(lines))]


def review_queue(svc: Any, user: str) -> list[dict[str, Any]]:
    """For reviewers: the open review cases, oldest first (nothing for everyone else)."""
    try:
        require_reviewer(svc.engine, svc.settings, user)
    except NotReviewer:
        return []
    now = datetime.now(UTC)
    cases = list_cases(svc.engine, open_only=True)
    lines = [
        f"• *case {c['case']}* {esc(c['party'])} — {age(c['opened_at'], now)} old, "
        f"{len(set(c['askers']))} asker(s): " + ", ".join(f"`{esc(r)}`" for r in c["records"])
        for c in cases[:20]
    ]
    more = f"\n…and {len(cases) - 20} more (`/canweship cases`)" if len(cases) > 20 else ""
    return [
        {"type": "divider"},
        section(
            f"*Review queue* ({len(cases)} open)\n"
            + ("\n".join(lines) or "Nothing to review.")
            + more
        ),
    ]


def register(app: App) -> None:
    app.event("app_home_opened")(on_home_opened)
