"""Slack listeners, one module per surface; `register(app)` wires them all."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    announcements,
    commands,
    conversation,
    files,
    home,
    license_commands,
    mentions,
    messages,
    reminders,
    reviews,
    shortcuts,
    workflow,
)

MODULES = (
    messages,
    mentions,
    commands,
    home,
    reminders,
    announcements,
    conversation,
    license_commands,
    reviews,
    files,
    shortcuts,
    workflow,
)


def register(app: App) -> None:
    for module in MODULES:
        module.register(app)
