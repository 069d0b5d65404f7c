"""License decisions: recorded from announcements or by admins, and used by screening answers.

One record per license or application number: a repeated announcement, a retried event or an
edit updates it (before and after go to the audit log); a deleted message or an Undo withdraws it.
A granted license's expiry joins the reminders (bot/deadlines/schedule.py).

Why one module (~430 lines): it is the one `Licenses` service. Record, add, withdraw and
revoke share the number normalization, the before/after snapshots for the audit log and the expiry
deadline handling; splitting the class would scatter one record's life cycle. What screening sees
of licenses (authorizations, denials) is in bot/licensing/license_screening.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.audit import Actor, record_audit
from bot.config import Settings
from bot.counterparties.registry import record_licensed
from bot.deadlines.schedule import ReminderPolicy, close_deadline, open_deadline
from bot.licensing.extensions import ExtensionError, resolve_party
from storage.db import writer
from storage.models import AuditEvent, Deadline
from storage.models_licenses import License
from storage.types import utcnow
from storage.versioning import AUTHORIZATIONS  # noqa: F401  (registers the version bump)

DECISIONS = ("granted", "denied", "returned", "revoked")
_NUMBER = re.compile(r"^[DZ]-?\d{6,7}$", re.IGNORECASE)


class LicenseError(ValueError):
    """A license request that cannot be carried out; the message says why."""


class LicenseExists(LicenseError):
    """`license add` with a number already on record: replacing it needs a confirmation."""

    def __init__(self, number: str, differences: tuple[str, ...]) -> None:
        self.number = number
        self.differences = differences
        super().__init__(
            f"license {number} is already on record; replacing it would change "
            + "; ".join(differences)
        )


@dataclass(frozen=True)
class Added:
    """What `Licenses.add` did: the record, whether it is new, and what the admin must know."""

    row: License
    created: bool
    differences: tuple[str, ...] = ()  # field: before → after, for a replacement
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source(Actor):
    """Who recorded it (an `Actor`) and the message it came from, when it came from one."""

    ts: str | None = None
    permalink: str | None = None


def normalize_number(text: str) -> str:
    number = text.strip().upper().replace("-", "")
    if not _NUMBER.match(number):
        raise LicenseError(
            f"“{text.strip()}” is not a license or application number "
            "(a D or Z and 6–7 digits, e.g. D1234567 or Z123456)"
        )
    return number


def snapshot(row: License | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "number": row.number,
        "number_kind": row.number_kind,
        "decision": row.decision,
        "status": row.status,
        "party": row.party,
        "parties": row.parties,
        "scope": row.scope,
        "destination": row.destination,
        "valid_from": row.valid_from.isoformat() if row.valid_from else None,
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        "conditions": list(row.conditions),
        "confidence": row.confidence,
        "source_channel": row.source_channel,
        "source_ts": row.source_ts,
        "source_permalink": row.source_permalink,
        "recorded_by": row.recorded_by,
    }


_COMPARED = ("decision", "party", "scope", "destination", "valid_from", "valid_until", "conditions")


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def differences(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, ...]:
    """`field: old → new` for each field a replacement changes (status counts as decision)."""
    if before is None:
        return ()
    out = []
    if before.get("status") == "withdrawn":
        out.append("status: withdrawn → active")
    for name in _COMPARED:
        if before.get(name) != after.get(name):
            label = name.replace("_", " ")
            out.append(f"{label}: {_shown(before.get(name))} → {_shown(after.get(name))}")
    return tuple(out)


def _party_links(screener: Any, party: str | None) -> list[dict[str, Any]]:
    """Link the party to list records when it is on the list; an unlisted party stays as text."""
    if not party or screener is None:
        return []

    try:
        return [resolve_party(screener, party)]
    except ExtensionError:
        return []


class Licenses:
    def __init__(self, settings: Settings, engine: Engine, screener: Any = None) -> None:
        self.settings = settings
        self.engine = engine
        self.screener = screener

    # --- recording --------------------------------------------------------------------------

    def record(
        self,
        *,
        number: str,
        decision: str,
        source: Source,
        party: str | None = None,
        scope: str | None = None,
        destination: str | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
        conditions: tuple[str, ...] | list[str] = (),
        confidence: str = "manual",
        now: datetime | None = None,
        merge: bool = True,
        warnings: tuple[str, ...] = (),
        links: list[dict[str, Any]] | None = None,
    ) -> tuple[License, bool]:
        """Create or update the record for `number`; returns (record, created).

        With `merge` (announcements: a revocation names only the number) fields not given keep
        their value; without it (an admin's confirmed replacement) the record becomes exactly
        what was given.
        """
        now = now or utcnow()
        number = normalize_number(number)
        if decision not in DECISIONS:
            raise LicenseError(f"decision must be one of {', '.join(DECISIONS)}")
        if valid_from and valid_until and valid_until < valid_from:
            raise LicenseError(f"valid until {valid_until} is before valid from {valid_from}")
        if links is None:
            links = _party_links(self.screener, party)
        with Session(writer(self.engine), expire_on_commit=False) as session:
            row = session.execute(
                select(License).where(License.number == number)
            ).scalar_one_or_none()
            before = snapshot(row)
            created = row is None
            fresh = created or not merge
            if row is None:
                row = License(number=number, decision=decision, recorded_by=source.user)
                session.add(row)
            row.number_kind = "application" if number.startswith("Z") else "license"
            row.decision = decision
            row.status = "active"
            if party or fresh:
                row.party, row.parties = party, links
            # A revocation names only the number: keep what the grant said.
            for name, value in (
                ("scope", scope),
                ("destination", destination),
                ("valid_from", valid_from),
                ("valid_until", valid_until),
            ):
                if value is not None or fresh:
                    setattr(row, name, value)
            if conditions or fresh:
                row.conditions = list(conditions)
            row.confidence = confidence
            if source.channel and source.ts:
                row.source_channel, row.source_ts = source.channel, source.ts
                row.source_permalink = source.permalink or row.source_permalink
            row.updated_at = now
            session.flush()
            self._deadline(session, row, now)
            after = snapshot(row)
            if before != after:
                record_audit(
                    session,
                    source,
                    "license.record" if created else "license.update",
                    subject=number,
                    detail={"before": before, "after": after}
                    | ({"warnings": list(warnings)} if warnings else {}),
                    permalink=source.permalink,
                    at=now,
                )
            session.commit()
        if party:
            self._remember_counterparty(party, destination, source)
        return row, created

    def add(
        self,
        *,
        number: str,
        source: Source,
        party: str | None,
        decision: str = "granted",
        scope: str | None = None,
        destination: str | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
        conditions: tuple[str, ...] | list[str] = (),
        replace: bool = False,
        now: datetime | None = None,
    ) -> Added:
        """An admin records a decision (`license add`): changes only on purpose.

        A license needs a party. A number already on record is replaced only with `replace`
        (Slack: the Replace button; CLI: --replace), and then the record is exactly what was
        given: fields left out are cleared, not carried over. An expired or not-yet-valid
        license, or a party that matches no list record, is recorded with a warning.
        """
        now = now or utcnow()
        number = normalize_number(number)
        if decision not in DECISIONS:
            raise LicenseError(f"decision must be one of {', '.join(DECISIONS)}")
        if not party or not party.strip():
            raise LicenseError("a license needs a party: give --party NAME")
        party = party.strip()
        existing = self.get(number)
        proposed = {
            "decision": decision,
            "party": party,
            "scope": scope,
            "destination": destination,
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "conditions": list(conditions),
        }
        changes = differences(snapshot(existing), proposed)
        if existing is not None and not changes:
            return Added(row=existing, created=False)
        if existing is not None and not replace:
            raise LicenseExists(number, changes)
        links = _party_links(self.screener, party)  # screened once, for the warning and the row
        warnings = self._warnings(party, links, valid_from, valid_until, now)
        row, created = self.record(
            number=number,
            decision=decision,
            source=source,
            party=party,
            scope=scope,
            destination=destination,
            valid_from=valid_from,
            valid_until=valid_until,
            conditions=conditions,
            now=now,
            merge=False,
            warnings=warnings,
            links=links,
        )
        return Added(row=row, created=created, differences=changes, warnings=warnings)

    def _warnings(
        self,
        party: str,
        links: list[dict[str, Any]],
        valid_from: date | None,
        valid_until: date | None,
        now: datetime,
    ) -> tuple[str, ...]:
        today = now.astimezone(self.settings.tz).date()
        out = []
        if valid_until and valid_until < today:
            out.append(f"it expired on {valid_until}: it authorizes nothing")
        if valid_from and valid_from > today:
            out.append(f"it is not valid before {valid_from}: it authorizes nothing until then")
        if self.screener is not None and not links:
            out.append(
                f"“{party}” matches no record on the list in use: the license is kept as "
                "text and authorizes no listed party"
            )
        return tuple(out)

    def _remember_counterparty(self, party: str, destination: str | None, source: Source) -> None:
        """A licensed party is a counterparty: re-screened whenever the list changes."""

        try:
            record_licensed(
                self.engine,
                name=party,
                country=destination,
                actor=source,
            )
        except Exception:  # best effort: the license itself is recorded and audited
            logging.getLogger(__name__).exception("could not register %s as a counterparty", party)

    def withdraw(
        self, *, number: str, source: Source, reason: str, now: datetime | None = None
    ) -> License | None:
        """Take a record back: message deleted, Undo, or edited into something else."""
        now = now or utcnow()
        with Session(writer(self.engine), expire_on_commit=False) as session:
            row = session.execute(
                select(License).where(License.number == normalize_number(number))
            ).scalar_one_or_none()
            if row is None or row.status == "withdrawn":
                return row
            before = snapshot(row)
            row.status = "withdrawn"
            row.updated_at = now
            close_deadline(session, kind="license", ref_id=row.id or 0, status="closed")
            record_audit(
                session,
                source,
                "license.withdraw",
                subject=row.number,
                detail={"before": before, "after": snapshot(row), "reason": reason},
                permalink=source.permalink,
                at=now,
            )
            session.commit()
        return row

    def revoke(self, *, number: str, source: Source, now: datetime | None = None) -> License:
        number = normalize_number(number)
        with Session(self.engine) as session:
            exists = session.execute(select(License.id).where(License.number == number)).first()
        if exists is None:
            raise LicenseError(f"no license {number} on record; see `license list`")
        row, _ = self.record(number=number, decision="revoked", source=source, now=now)
        return row

    def by_source(self, channel: str, ts: str) -> License | None:
        with Session(self.engine) as session:
            return session.execute(
                select(License).where(License.source_channel == channel, License.source_ts == ts)
            ).scalar_one_or_none()

    def get(self, number: str) -> License | None:
        with Session(self.engine) as session:
            return session.execute(
                select(License).where(License.number == normalize_number(number))
            ).scalar_one_or_none()

    def list(self, *, include_withdrawn: bool = False) -> list[License]:
        with Session(self.engine) as session:
            query = select(License).order_by(License.recorded_at.desc())  # type: ignore[attr-defined]
            if not include_withdrawn:
                query = query.where(License.status == "active")
            return list(session.execute(query).scalars())

    def history(self, number: str) -> list[AuditEvent]:
        with Session(self.engine) as session:
            return list(
                session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.subject == normalize_number(number))
                    .where(AuditEvent.action.like("license.%"))  # type: ignore[attr-defined]
                    .order_by(AuditEvent.id)  # type: ignore[arg-type]
                ).scalars()
            )

    def _deadline(self, session: Session, row: License, now: datetime) -> None:
        """Keep one open deadline for a granted, active license, at its current expiry."""
        wanted = row.decision == "granted" and row.status == "active" and row.valid_until
        open_ones = (
            session.execute(
                select(Deadline).where(
                    Deadline.kind == "license", Deadline.ref_id == row.id, Deadline.status == "open"
                )
            )
            .scalars()
            .all()
        )
        title = (
            f"License {row.number}"
            + (f" ({row.party})" if row.party else "")
            + f" expires {row.valid_until.isoformat() if row.valid_until else ''}"
        )
        same_due = [d for d in open_ones if wanted and d.due == row.valid_until]
        if same_due:
            # Same expiry: keep its reminders (some may have gone out), name the party it has now.
            for d in same_due:
                d.title = title
            return
        close_deadline(session, kind="license", ref_id=row.id or 0, status="closed")
        if wanted and row.valid_until >= now.astimezone(self.settings.tz).date():
            open_deadline(
                session,
                kind="license",
                ref_id=row.id or 0,
                title=title,
                due=row.valid_until,
                channel=self.settings.alert_channel,
                policy=ReminderPolicy(
                    offsets=self.settings.reminder_offsets,
                    tz=self.settings.tz,
                    hour=self.settings.reminder_hour,
                ),
                now=now,
            )
