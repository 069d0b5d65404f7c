"""`app_mention` events: "@canweship can we ship X to Y?" in a channel, answered in a thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.conversation import answer_event


def on_mention(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    answer_event(event, body, client, context)


def register(app: App) -> None:
    app.event("app_mention")(on_mention)
