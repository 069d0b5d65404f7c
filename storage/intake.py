"""The intake: every question is in the store before Slack is acknowledged (issue 18).

`record` is the one write on the acknowledgement path: a single INSERT of the request as
delivered, keyed by Slack's event id (or `cmd:` and the trigger id of a slash command), already
claimed by the receiving process, so nothing else is written before the ack. On PostgreSQL it
runs in autocommit (the INSERT is the whole round trip: no BEGIN, no COMMIT of its own); on
SQLite it commits under the shared write lock (WAL, `synchronous=NORMAL`).

The answerer marks the row done with the event's completion (storage/events.py `Completions`,
batched in the background). A row still claimed when its lease runs out (the process died), or
released by a process shutting down, is claimed again by `claim_lapsed` (storage/claims.py, as
reminders are) and answered late by the sweeper of any running process.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update

from storage.claims import claim_batch, pending_or_lapsed
from storage.db import upsert_insert, writer
from storage.models import IntakeItem
from storage.types import utcnow

TABLE = IntakeItem.__table__  # type: ignore[attr-defined]


@functools.cache
def _insert(dialect: str) -> Any:
    return (
        upsert_insert(dialect)(TABLE)
        .on_conflict_do_nothing(index_elements=["ref"])
        .returning(TABLE.c.ref)
    )


def record(
    engine: Engine,
    *,
    key: str,
    kind: str,
    payload: dict[str, Any],
    owner: str,
    now: datetime | None = None,
) -> bool:
    """Write the question, claimed by `owner`; True when it is new (this delivery answers it),
    False when the store already has it (a redelivery: whoever has it answers, or the sweeper)."""
    now = now or utcnow()
    row = {
        "ref": key,
        "kind": kind,
        "payload": json.dumps(payload, separators=(",", ":")),
        "status": "claimed",
        "received_at": now,
        "claimed_at": now,
        "claimed_by": owner,
        "late": False,
    }
    statement = _insert(engine.dialect.name)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return conn.execute(statement, row).first() is not None
    with writer(engine).begin() as conn:
        return conn.execute(statement, row).first() is not None


@dataclass(frozen=True)
class Lapsed:
    """A question whose first answerer died or let it go, now claimed by a sweeper."""

    key: str
    kind: str
    payload: dict[str, Any]
    received_at: datetime


def claim_lapsed(
    engine: Engine, *, owner: str, lease: timedelta, now: datetime | None = None, batch: int = 20
) -> list[Lapsed]:
    """Claim questions that were released, or whose claim is older than `lease`, marked late."""
    now = now or utcnow()
    keys = claim_batch(
        engine,
        TABLE,
        key=TABLE.c.ref,
        due=pending_or_lapsed(TABLE, now, lease),
        order_by=(TABLE.c.received_at,),
        owner=owner,
        now=now,
        batch=batch,
        values={"late": True},
    )
    if not keys:
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            select(TABLE.c.ref, TABLE.c.kind, TABLE.c.payload, TABLE.c.received_at)
            .where(TABLE.c.ref.in_(keys))
            .order_by(TABLE.c.received_at)
        ).all()
    return [Lapsed(r.ref, r.kind, json.loads(r.payload), r.received_at) for r in rows]


def release(engine: Engine, *, owner: str, keys: list[str] | None = None) -> int:
    """Give back questions `owner` holds but has not answered (all of them, or `keys`): the
    next sweep anywhere takes them. The number released."""
    statement = (
        update(TABLE)
        .where(TABLE.c.claimed_by == owner)
        .where(TABLE.c.status == "claimed")
        .values(status="pending")
    )
    if keys is not None:
        if not keys:
            return 0
        statement = statement.where(TABLE.c.ref.in_(keys))
    with writer(engine).begin() as conn:
        return conn.execute(statement).rowcount


def mark_done(engine: Engine, key: str, now: datetime | None = None) -> None:
    """Mark one question answered now (the sweeper; answers in bulk go through Completions)."""
    with writer(engine).begin() as conn:
        conn.execute(
            update(TABLE).where(TABLE.c.ref == key).values(status="done", done_at=now or utcnow())
        )


def prune(engine: Engine, *, older_than: timedelta, now: datetime | None = None) -> int:
    """Forget answered questions received more than `older_than` ago."""
    cutoff = (now or utcnow()) - older_than
    with writer(engine).begin() as conn:
        return conn.execute(
            delete(TABLE).where(TABLE.c.status == "done").where(TABLE.c.received_at < cutoff)
        ).rowcount


def status_of(engine: Engine, key: str) -> tuple[str, bool] | None:
    """(status, late) of a question, or None when the store does not have it."""
    with engine.connect() as conn:
        row = conn.execute(select(TABLE.c.status, TABLE.c.late).where(TABLE.c.ref == key)).first()
    return (row.status, bool(row.late)) if row is not None else None
