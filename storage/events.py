"""Exactly-once handling of Slack events across retries and instances.

Slack redelivers an event it thinks was not acknowledged, and several instances may receive the
same one. The first to insert the event id owns it; a claim that was never completed (its process
died) can be taken over once its lease has run out: a question is never answered twice, nor lost.
"""

from __future__ import annotations

import atexit
import functools
import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, update

from storage.db import upsert_insert, writer
from storage.models import IntakeItem, ProcessedEvent
from storage.types import utcnow

log = logging.getLogger(__name__)


@functools.cache
def _done(dialect: str) -> Any:
    """Mark the question's intake row answered (storage/intake.py), with its event's completion."""
    table = IntakeItem.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.ref == bindparam("key"))
        .values(status="done", done_at=bindparam("now"))
    )


@functools.cache
def _sql(dialect: str) -> tuple[Any, Any, Any]:
    """(claim, take over, complete), built once per dialect and run with parameters.

    Every Slack event runs two of them, so their compiled form is reused rather than rebuilt.
    """
    insert = upsert_insert(dialect)
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
    params = {"key": event_id, "now": now or utcnow()}
    with writer(engine).begin() as conn:
        conn.execute(complete, params)
        conn.execute(_done(engine.dialect.name), params)


class Completions:
    """Marks handled events completed in batches, on one background thread per process.

    Completion is the last write of every answer and nobody waits for it, so the listener hands
    the event id over and returns; the thread writes whatever has queued up in one transaction
    (under load, one write lock for many answers instead of one each). Until it is written the
    claim's lease still stops a second answer; a process that dies with completions queued leaves
    claims that a redelivery could take over once the lease runs out, the same window as a crash
    between posting and marking done. The same batch marks the questions' intake rows done
    (storage/intake.py; same key). `flush()` writes what is queued (at exit, and in tests).
    """

    BATCH = 500

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue[tuple[str, datetime]] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def add(self, event_id: str) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put((event_id, utcnow()))
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="event-completions", daemon=True
                    )
                    self._thread.start()
                    atexit.register(self.flush)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything added so far is written; False if it took longer."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [{"key": event_id, "now": at} for event_id, at in batch]
            try:
                complete = _sql(self.engine.dialect.name)[2]
                with writer(self.engine).begin() as conn:
                    conn.execute(complete, rows)
                    conn.execute(_done(self.engine.dialect.name), rows)
            except Exception as exc:  # the leases still stop immediate second answers
                log.warning("cannot mark %d events handled: %s", len(rows), exc)
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()
