"""The App Home tab: recent questions, list status, upcoming deadlines."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.overview import home_data
from handlers.common import services
from handlers.status import list_status_line
from handlers.views import home_view

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
    client.views_publish(user_id=user, view=view)


def register(app: App) -> None:
    app.event("app_home_opened")(on_home_opened)
