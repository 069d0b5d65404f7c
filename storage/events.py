"""Exactly-once handling of Slack events across retries and instances.

Slack redelivers an event it thinks was not acknowledged, and several instances may receive the
same one. The first to insert the event id owns it; a claim that was never completed (its process
died) can be taken over once its lease has run out: a question is never answered twice, nor lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.db import writer
from storage.models import ProcessedEvent
from storage.types import utcnow


def claim_event(
    *, engine: Engine, event_id: str, owner: str, lease: timedelta, now: datetime | None = None
) -> bool:
    """True when this caller should handle the event now."""
    now = now or utcnow()
    with Session(writer(engine)) as session:
        session.add(
            ProcessedEvent(event_id=event_id, received_at=now, claimed_at=now, claimed_by=owner)
        )
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
        result = session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id == event_id)
            .where(ProcessedEvent.completed_at.is_(None))  # type: ignore[union-attr]
            .where(ProcessedEvent.claimed_at < now - lease)
            .values(claimed_at=now, claimed_by=owner)
        )
        session.commit()
        return result.rowcount == 1  # type: ignore[attr-defined]


def complete_event(*, engine: Engine, event_id: str, now: datetime | None = None) -> None:
    with Session(writer(engine)) as session:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id == event_id)
            .values(completed_at=now or utcnow())
        )
        session.commit()
