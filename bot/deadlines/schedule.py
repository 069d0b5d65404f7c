"""Deadlines and the reminder rows that announce them.

A deadline is a date that ends at the close of the day in the configured time zone; reminders fire
at a configured local hour a set number of days before (0 = on the day, -1 = the day after). Only
reminders still in the future when a deadline is created are scheduled: a deadline recorded two
days ahead gets its 1-day, on-the-day and after-expiry reminders, not a burst of stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from bot.audit import Actor, record_audit
from bot.config import Settings
from storage.db import writer
from storage.models import Deadline, Reminder
from storage.types import utcnow


def reminder_time(due: date, offset_days: int, *, tz: ZoneInfo, hour: int) -> datetime:
    """When the reminder `offset_days` before `due` fires, in UTC."""
    local_day = due - timedelta(days=offset_days)
    return datetime.combine(local_day, time(hour=hour), tzinfo=tz).astimezone(UTC)


def days_left(due: date, *, now: datetime, tz: ZoneInfo) -> int:
    return (due - now.astimezone(tz).date()).days


@dataclass(frozen=True)
class ReminderPolicy:
    offsets: tuple[int, ...]
    tz: ZoneInfo
    hour: int


def open_deadline(
    session: Session,
    *,
    kind: str,
    ref_id: int,
    title: str,
    due: date,
    channel: str | None,
    policy: ReminderPolicy,
    now: datetime,
) -> Deadline:
    """Create the deadline and its future reminders (in the caller's transaction)."""
    deadline = Deadline(kind=kind, ref_id=ref_id, title=title, due=due, channel=channel)
    session.add(deadline)
    session.flush()
    assert deadline.id is not None
    for offset in policy.offsets:
        due_at = reminder_time(due, offset, tz=policy.tz, hour=policy.hour)
        if due_at > now:
            session.add(Reminder(deadline_id=deadline.id, offset_days=offset, due_at=due_at))
    return deadline


def close_deadline(session: Session, *, kind: str, ref_id: int, status: str) -> int:
    """Mark the open deadline(s) of a record extended/lapsed/closed; cancel what is pending."""
    deadlines = session.execute(
        select(Deadline).where(
            Deadline.kind == kind, Deadline.ref_id == ref_id, Deadline.status == "open"
        )
    ).scalars()
    cancelled = 0
    for deadline in deadlines:
        deadline.status = status
        result = session.execute(
            update(Reminder)
            .where(Reminder.deadline_id == deadline.id)
            .where(Reminder.status.in_(("pending", "claimed")))  # type: ignore[attr-defined]
            .values(status="cancelled", note=f"deadline {status}")
        )
        cancelled += result.rowcount  # type: ignore[attr-defined]
    return cancelled


def upcoming(session: Session, *, today: date, limit: int = 20) -> list[Deadline]:
    """Open deadlines from today on (and ones just past, still open), soonest first."""
    return list(
        session.execute(
            select(Deadline)
            .where(Deadline.status == "open")
            .where(Deadline.due >= today - timedelta(days=1))
            .order_by(Deadline.due)
            .limit(limit)
        ).scalars()
    )


def pending_count(session: Session) -> int:
    return session.execute(
        select(func.count())
        .select_from(Reminder)
        .where(Reminder.status.in_(("pending", "claimed")))  # type: ignore[attr-defined]
    ).scalar_one()


def snooze(
    engine: Engine, settings: Settings, deadline_id: int, *, by: str, today: date | None = None
) -> date:
    """One more reminder tomorrow at the reminder hour (an admin pressed "Snooze"). Audited."""

    today = today or utcnow().astimezone(settings.tz).date()
    tomorrow = today + timedelta(days=1)
    with Session(writer(engine)) as session:
        deadline = session.get(Deadline, deadline_id)
        if deadline is None:
            return tomorrow
        offset = (deadline.due - tomorrow).days
        due_at = reminder_time(deadline.due, offset, tz=settings.tz, hour=settings.reminder_hour)
        existing = session.execute(
            select(Reminder).where(
                Reminder.deadline_id == deadline_id, Reminder.offset_days == offset
            )
        ).scalar_one_or_none()
        if existing is None:
            session.add(
                Reminder(deadline_id=deadline_id, offset_days=offset, due_at=due_at, note="snoozed")
            )
        elif existing.status not in ("pending", "claimed"):
            existing.status, existing.due_at, existing.note = "pending", due_at, "snoozed"
            existing.claimed_by = existing.claimed_at = None
        record_audit(
            session,
            Actor(user=by, kind="slack"),
            "reminder.snooze",
            subject=deadline.title,
            detail={"deadline_id": deadline_id, "remind_on": tomorrow.isoformat()},
            channel=deadline.channel,
        )
        session.commit()
    return tomorrow
