"""Exactly-once handling of Slack events across retries and instances.

Slack redelivers an event it thinks was not acknowledged, and several instances may receive the
same one. The first to insert the event id owns it; a claim that was never completed (its process
died) can be taken over once its lease has run out: a question is never answered twice, nor lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, update

from storage.db import writer
from storage.models import ProcessedEvent
from storage.types import utcnow


def claim_event(
    *, engine: Engine, event_id: str, owner: str, lease: timedelta, now: datetime | None = None
) -> bool:
    """True when this caller should handle the event now."""
    now = now or utcnow()
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    with writer(engine).begin() as conn:
        inserted = conn.execute(
            insert(table)
            .values(event_id=event_id, received_at=now, claimed_at=now, claimed_by=owner)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        ).first()
        if inserted is not None:
            return True
        taken_over = conn.execute(
            update(table)
            .where(table.c.event_id == event_id)
            .where(table.c.completed_at.is_(None))
            .where(table.c.claimed_at < now - lease)
            .values(claimed_at=now, claimed_by=owner)
            .returning(table.c.event_id)
        ).first()
        return taken_over is not None


def complete_event(*, engine: Engine, event_id: str, now: datetime | None = None) -> None:
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    with writer(engine).begin() as conn:
        conn.execute(
            update(table).where(table.c.event_id == event_id).values(completed_at=now or utcnow())
        )
