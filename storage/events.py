"""Exactly-once handling of Slack events across retries and instances.

Slack redelivers an event it thinks was not acknowledged, and several instances may receive the
same one. The first to insert the event id owns it; a claim that was never completed (its process
died) can be taken over once its lease has run out: a question is never answered twice, nor lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, update

from storage.db import writer
from storage.models import ProcessedEvent
from storage.types import utcnow

_statements: dict[str, tuple[Any, Any, Any]] = {}


def _sql(dialect: str) -> tuple[Any, Any, Any]:
    """(claim, take over, complete), built once per dialect and run with parameters.

    Every Slack event runs two of them, so their compiled form is reused rather than rebuilt.
    """
    found = _statements.get(dialect)
    if found is not None:
        return found
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    claim = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.event_id)
    )
    take_over = (
        update(table)
        .where(table.c.event_id == bindparam("key"))
        .where(table.c.completed_at.is_(None))
        .where(table.c.claimed_at < bindparam("expired"))
        .values(claimed_at=bindparam("now"), claimed_by=bindparam("owner"))
        .returning(table.c.event_id)
    )
    complete = (
        update(table)
        .where(table.c.event_id == bindparam("key"))
        .values(completed_at=bindparam("now"))
    )
    _statements[dialect] = (claim, take_over, complete)
    return claim, take_over, complete


def claim_event(
    *, engine: Engine, event_id: str, owner: str, lease: timedelta, now: datetime | None = None
) -> bool:
    """True when this caller should handle the event now."""
    now = now or utcnow()
    claim, take_over, _ = _sql(engine.dialect.name)
    with writer(engine).begin() as conn:
        row = {"event_id": event_id, "received_at": now, "claimed_at": now, "claimed_by": owner}
        if conn.execute(claim, row).first() is not None:
            return True
        taken_over = conn.execute(
            take_over, {"key": event_id, "expired": now - lease, "now": now, "owner": owner}
        ).first()
        return taken_over is not None


def complete_event(*, engine: Engine, event_id: str, now: datetime | None = None) -> None:
    complete = _sql(engine.dialect.name)[2]
    with writer(engine).begin() as conn:
        conn.execute(complete, {"key": event_id, "now": now or utcnow()})
