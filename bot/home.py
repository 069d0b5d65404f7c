"""What the Home tab shows a user, gathered from the store (rendering lives in handlers/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from storage.models import AuditEvent


@dataclass
class HomeData:
    recent: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)


def home_data(engine: Engine, *, user: str, limit: int = 10) -> HomeData:
    with Session(engine) as session:
        rows = session.execute(
            select(AuditEvent.at, AuditEvent.subject, AuditEvent.verdict)
            .where(AuditEvent.actor == user, AuditEvent.action == "screen")
            .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
            .limit(limit)
        ).all()
    recent = [
        {
            "at": at.strftime("%Y-%m-%d %H:%M UTC"),
            "subject": subject or "",
            "verdict": verdict or "",
        }
        for at, subject, verdict in rows
    ]
    return HomeData(recent=recent)
