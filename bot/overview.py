"""What the Home tab shows a user, gathered from the store (rendering lives in handlers/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.config import Settings
from bot.deadlines.schedule import upcoming
from bot.licensing.extension_text import deadline_line
from bot.ownership.rules import describe_today, load_periods, next_changes
from storage.models import AuditEvent


@dataclass
class HomeData:
    recent: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    #: The 50% rules: in effect today or not, then the next change of each.
    rules_today: list[str] = field(default_factory=list)
    rule_changes: list[str] = field(default_factory=list)


def home_data(engine: Engine, settings: Settings, *, user: str, limit: int = 10) -> HomeData:
    now = datetime.now(UTC)
    with Session(engine) as session:
        deadlines = [
            deadline_line(d, now=now, settings=settings)
            for d in upcoming(session, today=now.astimezone(settings.tz).date(), limit=10)
        ]
        rows = session.execute(
            select(AuditEvent.at, AuditEvent.subject, AuditEvent.verdict)
            .where(AuditEvent.actor == user, AuditEvent.action == "screen")
            .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
            .limit(limit)
        ).all()
        periods = load_periods(session)
    today = now.astimezone(settings.tz).date()
    recent = [
        {
            "at": at.strftime("%Y-%m-%d %H:%M UTC"),
            "subject": subject or "",
            "verdict": verdict or "",
        }
        for at, subject, verdict in rows
    ]
    return HomeData(
        recent=recent,
        deadlines=deadlines,
        rules_today=describe_today(periods, today),
        rule_changes=next_changes(periods, today),
    )
