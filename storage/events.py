"""Exactly-once handling of Slack events across retries and instances.

Slack redelivers an event it thinks was not acknowledged, and several instances may receive the
same one. The first to insert the event id owns it; a claim that was never completed (its process
died) can be taken over once its lease has run out: a question is never answered twice, nor lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, update

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


@dataclass(frozen=True)
class EventRef:
    """One delivery of a Slack event, to be claimed by `owner` for `lease`."""

    event_id: str
    owner: str
    lease: timedelta


class AlreadyHandled(Exception):
    """Another delivery of this event (a retry, another instance) has it or has answered it."""


def claim_in(conn: Connection, event: EventRef, now: datetime | None = None) -> bool:
    """Claim `event` inside the caller's write transaction; True when this caller should handle
    it. The claim commits with that transaction, so an answer and its claim land together."""
    now = now or utcnow()
    claim, take_over, _ = _sql(conn.dialect.name)
    row = {
        "event_id": event.event_id,
        "received_at": now,
        "claimed_at": now,
        "claimed_by": event.owner,
    }
    if conn.execute(claim, row).first() is not None:
        return True
    taken_over = conn.execute(
        take_over,
        {
            "key": event.event_id,
            "expired": now - event.lease,
            "now": now,
            "owner": event.owner,
        },
    ).first()
    return taken_over is not None


def claim_event(
    *, engine: Engine, event_id: str, owner: str, lease: timedelta, now: datetime | None = None
) -> bool:
    """True when this caller should handle the event now (a transaction of its own)."""
    with writer(engine).begin() as conn:
        return claim_in(conn, EventRef(event_id, owner, lease), now)


def complete_event(*, engine: Engine, event_id: str, now: datetime | None = None) -> None:
    complete = _sql(engine.dialect.name)[2]
    with writer(engine).begin() as conn:
        conn.execute(complete, {"key": event_id, "now": now or utcnow()})
