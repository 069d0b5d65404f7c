"""Deliver due reminders exactly once, whichever and however many processes tick.

Reminders are rows. A tick claims due rows with one conditional UPDATE (only rows still pending, or
claimed by someone whose lease ran out), commits, and only then posts, outside any transaction. A
process that dies between claim and post leaves a claim whose lease expires, and the next tick
anywhere posts it. Several reminders of one deadline that fell due together (everything was down)
are collapsed into the latest, posted once and marked late.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, and_, or_, select, text, update
from sqlmodel import Session

from bot.audit import SYSTEM, record_audit
from bot.config import Settings
from bot.deadlines.schedule import days_left
from storage.claims import claim_batch
from storage.db import writer
from storage.models import Deadline, Extension, Reminder
from storage.types import utcnow

log = logging.getLogger(__name__)
FAULT_ENV = "CANWESHIP_FAULT"  # test-only fault injection: "die-after-claim"


@dataclass(frozen=True)
class ReminderNotice:
    """Everything a notifier needs to tell people about one reminder (no Slack types)."""

    reminder_id: int
    deadline_id: int
    kind: str
    ref_id: int
    title: str
    due: date
    days_left: int
    offset_days: int
    due_at: datetime
    late: bool
    skipped_offsets: tuple[int, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    def post_reminder(self, *, channel: str, thread_ts: str | None, notice: ReminderNotice) -> str:
        """Post the reminder; return the message id (Slack `ts`). Raise on failure."""
        ...


@dataclass
class TickReport:
    claimed: int = 0
    posted: int = 0
    late: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: int = 0


def _due_condition(now: datetime, lease: timedelta) -> Any:
    return or_(
        and_(Reminder.status == "pending", Reminder.due_at <= now),
        and_(Reminder.status == "claimed", Reminder.claimed_at < now - lease),  # type: ignore[operator]
    )


def claim_due(
    engine: Engine, *, owner: str, now: datetime, lease: timedelta, batch: int = 20
) -> list[int]:
    """Claim up to `batch` due reminders for `owner`; returns their ids. Atomic per row."""
    table = Reminder.__table__  # type: ignore[attr-defined]
    return claim_batch(
        engine,
        table,
        key=table.c.id,
        due=_due_condition(now, lease),
        order_by=(table.c.due_at,),
        owner=owner,
        now=now,
        batch=batch,
        values={"attempts": table.c.attempts + 1},
    )


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == point:
        log.warning("fault injection: %s", point)
        os.kill(os.getpid(), signal.SIGKILL)


def tick(
    *,
    engine: Engine,
    settings: Settings,
    notifier: Notifier,
    owner: str,
    now: datetime | None = None,
    max_batches: int = 50,
) -> TickReport:
    """Post every due reminder once. Safe to run concurrently in any number of processes."""
    report = TickReport()
    now = now or utcnow()
    lateness = max(settings.tick_interval * 2, timedelta(minutes=5))
    for _ in range(max_batches):
        ids = claim_due(engine, owner=owner, now=now, lease=settings.claim_lease)
        if not ids:
            break
        report.claimed += len(ids)
        _fault("die-after-claim")
        failed_before = report.failed
        _deliver(engine, settings, notifier, owner, ids, now, lateness, report)
        if report.failed > failed_before:
            break  # Slack or the channel is failing: leave the rest to the next tick
    return report


def _deliver(
    engine: Engine,
    settings: Settings,
    notifier: Notifier,
    owner: str,
    ids: list[int],
    now: datetime,
    lateness: timedelta,
    report: TickReport,
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(
            select(Reminder, Deadline)
            .join(Deadline, Deadline.id == Reminder.deadline_id)
            .where(Reminder.id.in_(ids))  # type: ignore[union-attr]
        ).all()
    by_deadline: dict[int, list[tuple[Reminder, Deadline]]] = defaultdict(list)
    for reminder, deadline in rows:
        by_deadline[deadline.id or 0].append((reminder, deadline))
    for group in by_deadline.values():
        group.sort(key=lambda pair: pair[0].due_at)
        *older, (reminder, deadline) = group
        for stale, _ in older:
            _finish(engine, stale, owner, status="skipped", note="superseded by a later reminder")
            report.skipped += 1
        if deadline.status != "open":
            _finish(engine, reminder, owner, status="cancelled", note=f"deadline {deadline.status}")
            report.cancelled += 1
            continue
        channel = deadline.channel or settings.alert_channel
        if not channel:
            log.warning("reminder %s is due but CANWESHIP_ALERT_CHANNEL is not set", reminder.id)
            _release(engine, reminder, owner)
            report.failed += 1
            continue
        notice = _notice(engine, settings, reminder, deadline, older, now, lateness)
        late = notice.late
        try:
            ts = notifier.post_reminder(
                channel=channel, thread_ts=deadline.thread_ts, notice=notice
            )
        except Exception as exc:
            log.error("posting reminder %s failed, will retry: %s", reminder.id, exc)
            _release(engine, reminder, owner)
            report.failed += 1
            continue
        _sent(engine, reminder, deadline, owner, ts, late, now, channel, notice)
        report.posted += 1
        report.late += int(late)


def _notice(
    engine: Engine,
    settings: Settings,
    reminder: Reminder,
    deadline: Deadline,
    older: list[tuple[Reminder, Deadline]],
    now: datetime,
    lateness: timedelta,
) -> ReminderNotice:
    return ReminderNotice(
        reminder_id=reminder.id or 0,
        deadline_id=deadline.id or 0,
        kind=deadline.kind,
        ref_id=deadline.ref_id,
        title=deadline.title,
        due=deadline.due,
        days_left=days_left(deadline.due, now=now, tz=settings.tz),
        offset_days=reminder.offset_days,
        due_at=reminder.due_at,
        late=now - reminder.due_at > lateness,
        skipped_offsets=tuple(r.offset_days for r, _ in older),
        details=_details(engine, deadline),
    )


@dataclass(frozen=True)
class DueReminder:
    """A reminder the next tick would post, and where (`channel` None: nowhere configured)."""

    channel: str | None
    thread_ts: str | None
    notice: ReminderNotice


def preview_due(
    engine: Engine, *, settings: Settings, now: datetime | None = None
) -> list[DueReminder]:
    """What a tick would post now, read-only: nothing is claimed, released or marked sent.

    For trying the bot without Slack: a reminder only shown on a terminal was not delivered, so
    it must stay pending for a process that can post it (a local run must not use it up).
    """
    now = now or utcnow()
    lateness = max(settings.tick_interval * 2, timedelta(minutes=5))
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(
            select(Reminder, Deadline)
            .join(Deadline, Deadline.id == Reminder.deadline_id)
            .where(_due_condition(now, settings.claim_lease))
            .order_by(Reminder.due_at)  # type: ignore[arg-type]
        ).all()
    by_deadline: dict[int, list[tuple[Reminder, Deadline]]] = defaultdict(list)
    for reminder, deadline in rows:
        by_deadline[deadline.id or 0].append((reminder, deadline))
    due = []
    for group in by_deadline.values():
        *older, (reminder, deadline) = group
        if deadline.status != "open":
            continue  # a tick would cancel it, not post it
        notice = _notice(engine, settings, reminder, deadline, older, now, lateness)
        channel = deadline.channel or settings.alert_channel
        due.append(DueReminder(channel=channel, thread_ts=deadline.thread_ts, notice=notice))
    return due


def _details(engine: Engine, deadline: Deadline) -> dict[str, Any]:
    if deadline.kind != "extension":
        return {}
    with Session(engine) as session:
        ext = session.get(Extension, deadline.ref_id)
    if ext is None:
        return {}
    return {
        "name": ext.name,
        "cite": ext.cite,
        "effective": ext.effective.isoformat(),
        "parties": [p.get("name") for p in ext.parties],
        "activities": list(ext.activities),
    }


def _finish(engine: Engine, reminder: Reminder, owner: str, *, status: str, note: str) -> None:
    with Session(writer(engine)) as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id, Reminder.claimed_by == owner)
            .values(status=status, note=note)
        )
        session.commit()


def _release(engine: Engine, reminder: Reminder, owner: str) -> None:
    """Give a claim back so the next tick (here or elsewhere) retries it."""
    with Session(writer(engine)) as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id, Reminder.claimed_by == owner)
            .where(Reminder.status == "claimed")
            .values(status="pending", claimed_by=None, claimed_at=None)
        )
        session.commit()


def _sent(
    engine: Engine,
    reminder: Reminder,
    deadline: Deadline,
    owner: str,
    ts: str,
    late: bool,
    now: datetime,
    channel: str,
    notice: ReminderNotice,
) -> None:
    with Session(writer(engine)) as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id)
            .values(status="sent", sent_at=now, message_ts=ts, late=late)
        )
        session.execute(
            update(Deadline)
            .where(Deadline.id == deadline.id, Deadline.thread_ts.is_(None))  # type: ignore[union-attr]
            .values(thread_ts=ts, channel=channel)
        )
        record_audit(
            session,
            SYSTEM,
            "reminder.post",
            subject=deadline.title,
            detail={
                "reminder_id": reminder.id,
                "deadline_id": deadline.id,
                "due": deadline.due.isoformat(),
                "offset_days": reminder.offset_days,
                "late": late,
                "skipped_offsets": list(notice.skipped_offsets),
                "message_ts": ts,
                "posted_by": owner,
            },
            channel=channel,
            at=now,
        )
        session.commit()


def reminder_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(text("SELECT status, count(*) FROM reminder GROUP BY status")).all()
    return {status: n for status, n in rows}
