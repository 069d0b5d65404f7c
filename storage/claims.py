"""Claiming work under a lease: the one loop reminders, list alerts and list changes share.

A row is claimed with one conditional UPDATE (status, who, when), so two processes never take
the same row; a claim whose holder died lapses after its lease and the row is taken again. On
PostgreSQL the candidates are read with `FOR UPDATE SKIP LOCKED`, so concurrent claimers take
different rows instead of waiting on each other; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, and_, or_, select, update
from sqlmodel import Session

from storage.db import writer


def pending_or_lapsed(table: Table, now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Rows waiting to be taken: pending, or claimed by someone whose lease ran out."""
    return or_(
        table.c.status == "pending",
        and_(table.c.status == "claimed", table.c.claimed_at < now - lease),
    )


def claim_batch(
    engine: Engine,
    table: Table,
    *,
    key: Any,
    due: ColumnElement[bool],
    order_by: tuple[Any, ...],
    owner: str,
    now: datetime,
    batch: int,
    values: dict[str, Any] | None = None,
) -> list[Any]:
    """Claim up to `batch` rows matching `due` for `owner` (atomic per row); their `key`s."""
    with Session(writer(engine)) as session:
        candidates = select(key).where(due).order_by(*order_by).limit(batch)
        if engine.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = session.execute(
            update(table)
            .where(key.in_(candidates.scalar_subquery()))
            .where(due)  # re-checked by the database when the row is actually updated
            .values(status="claimed", claimed_by=owner, claimed_at=now, **(values or {}))
            .returning(key)
        )
        keys = [row[0] for row in claimed]
        session.commit()
    return keys
