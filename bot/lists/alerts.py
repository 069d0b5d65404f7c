"""List alerts: an outbox of messages, incidents told once, and exactly-once delivery.

Why an outbox: the process that notices something (a sync, a question answered on a stale list,
a re-screen) is not always one that can post to Slack, and several processes notice the same
thing. Each message is a `list_alert` row with a unique key derived from what it is about
(`change:<snapshot>`, `sync_failure:<url>:<incident number>:open`, ...), so enqueueing twice is
harmless; delivery claims rows with a conditional UPDATE and a lease, like reminders, so each is
posted once even if a poster dies between claim and post.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from bot.audit import SYSTEM, record_audit
from bot.config import Settings
from storage.claims import claim_batch, pending_or_lapsed
from storage.db import upsert_insert, writer
from storage.models_sync import Incident, ListAlert
from storage.types import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # then the alert is marked failed: a bad target must not block the others


@dataclass(frozen=True)
class AlertNotice:
    """One message to post, with no Slack types: handlers render it."""

    alert_id: int
    key: str
    kind: str
    target: str  # channel id, or a user id for a DM
    payload: dict[str, Any]


class AlertNotifier(Protocol):
    def post_alert(self, notice: AlertNotice) -> str:
        """Post the message (and its thread); return the message id. Raise on failure."""
        ...


@dataclass
class DeliveryReport:
    claimed: int = 0
    posted: int = 0
    failed: int = 0


def upsert_ignore(session: Session, model: Any, values: dict[str, Any], keys: list[str]) -> bool:
    """INSERT unless a row with the same unique `keys` exists; True when this call inserted it."""
    table = model.__table__
    insert = upsert_insert(session.get_bind().dialect.name)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    inserted = session.execute(
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(*(table.c[k] for k in keys))
    ).first()
    return inserted is not None


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    target: str | None,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Add a message to the outbox once per key; a missing target is logged and skipped."""
    if not target:
        log.warning("list alert %s has nowhere to go: CANWESHIP_ALERT_CHANNEL is not set", key)
        return False
    return upsert_ignore(
        session,
        ListAlert,
        {
            "key": key,
            "kind": kind,
            "target": target,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        },
        ["key"],
    )


def open_incident(
    engine: Engine,
    settings: Settings,
    *,
    kind: str,
    key: str,
    detail: str,
    payload: dict[str, Any],
    dm_users: tuple[str, ...] = (),
    now: datetime | None = None,
) -> bool:
    """Mark the incident open; only the call that opens it enqueues the alert. True if opened."""
    now = now or utcnow()
    with Session(writer(engine)) as session:
        upsert_ignore(
            session,
            Incident,
            {"kind": kind, "key": key, "number": 0, "status": "closed"},
            ["kind", "key"],
        )
        table = Incident.__table__  # type: ignore[attr-defined]
        number = session.execute(
            update(table)
            .where(table.c.kind == kind, table.c.key == key, table.c.status == "closed")
            .values(
                status="open",
                number=table.c.number + 1,
                opened_at=now,
                closed_at=None,
                last_seen_at=now,
                detail=detail,
            )
            .returning(table.c.number)
        ).scalar_one_or_none()
        if number is None:
            session.execute(
                update(table)
                .where(table.c.kind == kind, table.c.key == key)
                .values(last_seen_at=now, detail=detail)
            )
            session.commit()
            return False
        body = {**payload, "incident": number, "detail": detail, "opened_at": now.isoformat()}
        base = f"{kind}:{key}:{number}:open"
        enqueue(session, key=base, kind=kind, target=settings.alert_channel, payload=body, now=now)
        for user in dm_users:
            enqueue(session, key=f"{base}:{user}", kind=kind, target=user, payload=body, now=now)
        session.commit()
        return True


def close_incident(
    engine: Engine,
    settings: Settings,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> bool:
    """Mark the incident closed; only the call that closes it enqueues the recovery message."""
    now = now or utcnow()
    if not incident_open(engine, kind, key):
        return False  # the usual case, checked without taking the write lock
    table = Incident.__table__  # type: ignore[attr-defined]
    with Session(writer(engine)) as session:
        row = session.execute(
            update(table)
            .where(table.c.kind == kind, table.c.key == key, table.c.status == "open")
            .values(status="closed", closed_at=now)
            .returning(table.c.number, table.c.opened_at)
        ).first()
        if row is None:
            session.rollback()
            return False
        number, opened_at = row
        body = {
            **payload,
            "incident": number,
            "opened_at": opened_at.isoformat() if opened_at else None,
            "closed_at": now.isoformat(),
        }
        enqueue(
            session,
            key=f"{kind}:{key}:{number}:closed",
            kind=f"{kind}_recovered",
            target=settings.alert_channel,
            payload=body,
            now=now,
        )
        session.commit()
        return True


def incident_open(engine: Engine, kind: str, key: str) -> bool:
    with Session(engine) as session:
        row = session.get(Incident, (kind, key))
        return row is not None and row.status == "open"


def claim_alerts(
    engine: Engine, *, owner: str, now: datetime, lease: timedelta, batch: int = 20
) -> list[int]:
    """Claim up to `batch` pending alerts (or ones whose claimer's lease ran out)."""
    table = ListAlert.__table__  # type: ignore[attr-defined]
    ids = claim_batch(
        engine,
        table,
        key=table.c.id,
        due=pending_or_lapsed(table, now, lease),
        order_by=(table.c.created_at, table.c.id),
        owner=owner,
        now=now,
        batch=batch,
        values={"attempts": table.c.attempts + 1},
    )
    return sorted(ids)


def deliver(
    engine: Engine,
    settings: Settings,
    notifier: AlertNotifier,
    *,
    owner: str,
    now: datetime | None = None,
    max_batches: int = 20,
) -> DeliveryReport:
    """Post every pending list alert once. Safe to run in any number of processes at once."""
    now = now or utcnow()
    report = DeliveryReport()
    with Session(engine) as session:  # most ticks have nothing to post: no write lock for that
        waiting = session.execute(
            select(ListAlert.id).where(ListAlert.status.in_(("pending", "claimed"))).limit(1)  # type: ignore[attr-defined]
        ).first()
    if waiting is None:
        return report
    for _ in range(max_batches):
        ids = claim_alerts(engine, owner=owner, now=now, lease=settings.claim_lease)
        if not ids:
            break
        report.claimed += len(ids)
        with Session(engine) as session:
            rows = session.execute(
                select(ListAlert).where(ListAlert.id.in_(ids)).order_by(ListAlert.id)  # type: ignore[union-attr]
            ).scalars()
            notices = [
                (
                    AlertNotice(
                        alert_id=r.id or 0,
                        key=r.key,
                        kind=r.kind,
                        target=r.target,
                        payload=dict(r.payload),
                    ),
                    r.attempts,
                )
                for r in rows
            ]
        failed_before = report.failed
        for notice, attempts in notices:
            try:
                ts = notifier.post_alert(notice)
            except Exception as exc:
                log.error("posting list alert %s failed: %s", notice.key, exc)
                _release(engine, notice, owner, str(exc), give_up=attempts >= MAX_ATTEMPTS)
                report.failed += 1
                continue
            _sent(engine, notice, owner, ts, now)
            report.posted += 1
        if report.failed > failed_before:
            break  # Slack is failing: leave the rest to the next run
    return report


def _release(engine: Engine, notice: AlertNotice, owner: str, error: str, give_up: bool) -> None:
    with Session(writer(engine)) as session:
        session.execute(
            update(ListAlert)
            .where(ListAlert.id == notice.alert_id, ListAlert.claimed_by == owner)
            .where(ListAlert.status == "claimed")
            .values(
                status="failed" if give_up else "pending",
                claimed_by=None,
                claimed_at=None,
                error=error[:500],
            )
        )
        session.commit()


def _sent(engine: Engine, notice: AlertNotice, owner: str, ts: str, now: datetime) -> None:
    with Session(writer(engine)) as session:
        session.execute(
            update(ListAlert)
            .where(ListAlert.id == notice.alert_id)
            .values(status="sent", sent_at=now, message_ts=ts, error=None)
        )
        record_audit(
            session,
            SYSTEM,
            "alert.post",
            subject=notice.key,
            detail={"kind": notice.kind, "message_ts": ts, "posted_by": owner},
            channel=notice.target,
            list_version=notice.payload.get("version"),
            at=now,
        )
        session.commit()


def alert_counts(engine: Engine) -> dict[str, int]:
    """Alerts per status, for `status` and tests."""
    with Session(engine) as session:
        rows = session.execute(
            select(ListAlert.status, func.count()).group_by(ListAlert.status)
        ).all()
    return {status: n for status, n in rows}
