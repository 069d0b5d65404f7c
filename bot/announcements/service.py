"""What to do with a message in a watched channel: record it, ask about it, or leave it alone.

Clear announcements are recorded at once (the channel shows a ✅ and an Undo button); uncertain
ones wait as a `PendingAnnouncement` for an admin's Confirm / Edit / Ignore; everything else is
chatter and is left alone. Edits update the record, deletions withdraw it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.announcements.parse import Announcement, parse_announcement
from bot.audit import Actor, record_audit
from bot.licensing.licenses import LicenseError, Licenses, Source
from bot.screening.country_field import country_code
from storage.db import writer
from storage.models_licenses import License, PendingAnnouncement

RECORDED = "recorded"
UPDATED = "updated"
PROMPT = "prompt"
IGNORED = "ignored"
WITHDRAWN = "withdrawn"


@dataclass
class Handled:
    kind: str  # RECORDED | UPDATED | PROMPT | IGNORED | WITHDRAWN
    announcement: Announcement | None = None
    license: License | None = None
    pending: PendingAnnouncement | None = None


def announcement_json(ann: Announcement) -> dict[str, Any]:
    out = asdict(ann)
    for key in ("valid_until", "valid_from"):
        out[key] = out[key].isoformat() if out[key] else None
    out["conditions"], out["reasons"] = list(ann.conditions), list(ann.reasons)
    return out


def announcement_from_json(doc: dict[str, Any]) -> Announcement:
    values = dict(doc)
    for key in ("valid_until", "valid_from"):
        values[key] = date.fromisoformat(values[key]) if values.get(key) else None
    values["conditions"] = tuple(values.get("conditions") or ())
    values["reasons"] = tuple(values.get("reasons") or ())
    return Announcement(**values)


class AnnouncementService:
    def __init__(self, licenses: Licenses) -> None:
        self.licenses = licenses
        self.engine = licenses.engine

    def _record(
        self, ann: Announcement, *, source: Source, confidence: str, now: datetime | None = None
    ) -> tuple[License, bool]:
        """Record what an announcement says (an edit or a repeat updates the same number)."""
        if not ann.number:
            raise LicenseError("the announcement has no license or application number")
        return self.licenses.record(
            number=ann.number,
            decision=ann.decision,
            source=source,
            party=ann.party,
            scope=ann.scope,
            destination=country_code(ann.destination) if ann.destination else None,
            valid_from=ann.valid_from,
            valid_until=ann.valid_until,
            conditions=ann.conditions,
            confidence=confidence,
            now=now,
        )

    def on_message(
        self, *, channel: str, ts: str, user: str, text: str, permalink: str | None = None
    ) -> Handled:
        ann = parse_announcement(text)
        if ann is None:
            return Handled(IGNORED)
        source = Source(user=user, kind="slack", channel=channel, ts=ts, permalink=permalink)
        if ann.confidence == "clear" and ann.number:
            row, created = self._record(ann, source=source, confidence="clear")
            return Handled(RECORDED if created else UPDATED, ann, row)
        return self._ask(channel=channel, ts=ts, user=user, text=text, ann=ann)

    def _ask(self, *, channel: str, ts: str, user: str, text: str, ann: Announcement) -> Handled:
        with Session(writer(self.engine), expire_on_commit=False) as session:
            pending = PendingAnnouncement(
                channel=channel, ts=ts, user=user, text=text, parsed=announcement_json(ann)
            )
            session.add(pending)
            try:
                session.commit()
            except IntegrityError:  # the same message again (a retry): ask once
                session.rollback()
                pending = session.execute(
                    select(PendingAnnouncement).where(
                        PendingAnnouncement.channel == channel, PendingAnnouncement.ts == ts
                    )
                ).scalar_one()
                if pending.status != "open" or pending.prompt_ts:
                    return Handled(IGNORED, ann, pending=pending)
        return Handled(PROMPT, ann, pending=pending)

    def pending(self, pending_id: int) -> PendingAnnouncement | None:
        with Session(self.engine) as session:
            return session.get(PendingAnnouncement, pending_id)

    def prompted(self, pending_id: int, prompt_ts: str) -> None:
        with Session(writer(self.engine)) as session:
            row = session.get(PendingAnnouncement, pending_id)
            if row is not None:
                row.prompt_ts = prompt_ts
                session.commit()

    def on_edit(
        self, *, channel: str, ts: str, user: str, text: str, permalink: str | None = None
    ) -> Handled:
        existing = self.licenses.by_source(channel, ts)
        if existing is None:
            return self.on_message(
                channel=channel, ts=ts, user=user, text=text, permalink=permalink
            )
        ann = parse_announcement(text)
        source = Source(user=user, kind="slack", channel=channel, ts=ts, permalink=permalink)
        if ann is None or not ann.number:
            row = self.licenses.withdraw(
                number=existing.number,
                source=source,
                reason="the message was edited and no longer announces it",
            )
            return Handled(WITHDRAWN, ann, row)
        if ann.number != existing.number:
            self.licenses.withdraw(
                number=existing.number, source=source, reason=f"the message now names {ann.number}"
            )
        row, _ = self._record(ann, source=source, confidence=existing.confidence)
        return Handled(UPDATED, ann, row)

    def on_delete(self, *, channel: str, ts: str, user: str) -> Handled:
        existing = self.licenses.by_source(channel, ts)
        with Session(writer(self.engine)) as session:
            pending = session.execute(
                select(PendingAnnouncement).where(
                    PendingAnnouncement.channel == channel, PendingAnnouncement.ts == ts
                )
            ).scalar_one_or_none()
            if pending is not None and pending.status == "open":
                pending.status = "withdrawn"
                session.commit()
        if existing is None:
            return Handled(IGNORED)
        row = self.licenses.withdraw(
            number=existing.number,
            source=Source(user=user, kind="slack", channel=channel, ts=ts),
            reason="the announcing message was deleted",
        )
        return Handled(WITHDRAWN, license=row)

    def decide_pending(
        self, pending_id: int, *, user: str, confirm: bool, overrides: dict[str, Any] | None = None
    ) -> Handled:
        """Confirm (optionally with edited fields) or ignore an uncertain announcement."""
        with Session(writer(self.engine), expire_on_commit=False) as session:
            pending = session.get(PendingAnnouncement, pending_id)
            if pending is None or pending.status != "open":
                return Handled(IGNORED, pending=pending)
            parsed = {**pending.parsed, **(overrides or {})}
            ann = announcement_from_json(parsed)
            if confirm and not ann.number:
                raise LicenseError("add the license or application number (Edit) to record it")
            pending.status = "recorded" if confirm else "ignored"
            pending.decided_by = user
            pending.parsed = parsed
            record_audit(
                session,
                Actor(user=user, kind="slack"),
                "announcement.confirm" if confirm else "announcement.ignore",
                subject=pending.text[:500],
                detail={"parsed": parsed},
                channel=pending.channel,
            )
            session.commit()
        if not confirm:
            return Handled(IGNORED, ann, pending=pending)
        source = Source(user=user, kind="slack", channel=pending.channel, ts=pending.ts)
        row, created = self._record(ann, source=source, confidence="confirmed")
        return Handled(RECORDED if created else UPDATED, ann, row, pending)
