"""Extensions (e.g. the Huawei Temporary General License): record, extend, list, remove; and the
authorization they give to screening answers while in force.

Every change needs an admin (checked by the caller through `bot.authz`) and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.answers.verdicts import Match
from bot.audit import Actor, record_audit
from bot.config import Settings
from bot.deadlines.schedule import ReminderPolicy, close_deadline, open_deadline
from bot.licensing.activities import covering_activity
from bot.screening.normalize import normalize_name
from storage.db import writer
from storage.models import Deadline, Extension
from storage.types import utcnow
from storage.versioning import AUTHORIZATIONS  # noqa: F401  (registers the version bump)


class ExtensionError(ValueError):
    """An extension request that cannot be carried out; the message says why and what to do."""


def parse_date(text: str | None, *, field: str) -> date:
    if not text or not text.strip():
        raise ExtensionError(f"{field} is missing: give a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ExtensionError(
            f"{field} “{text.strip()}” is not a date: use YYYY-MM-DD, e.g. 2020-02-16"
        ) from None


def policy(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        offsets=settings.reminder_offsets, tz=settings.tz, hour=settings.reminder_hour
    )


def resolve_party(screener: Any, name: str) -> dict[str, Any]:
    """Tie a party name to the list: a family ("Huawei") or the records it strongly matches."""

    name = name.strip()
    if not name:
        raise ExtensionError("a --party name is empty")
    outcome = screener.screen(
        ScreeningRequest(party=name, text=f"extension party {name}"), _system(), audit=False
    )
    decision = outcome.decision
    if decision.family is not None and decision.family.count > 1:
        return {"name": name, "family": decision.family.token, "count": decision.family.count}
    strong = [m for m in decision.matches if m.score >= screener.settings.strong_match]
    if not strong:
        best = decision.matches[0] if decision.matches else None
        hint = f" (closest: {best.name}, score {best.score:.0f})" if best else ""
        raise ExtensionError(
            f"unknown party “{name}”: it matches nothing on the list in use{hint}. "
            "Name a listed company or a family such as Huawei."
        )
    return {
        "name": name,
        "records": [{"source": m.source, "list_id": m.entry_id, "name": m.name} for m in strong],
    }


def _system() -> Any:

    return Requester(user="system", kind="system")


@dataclass(frozen=True)
class ExtensionAuthorization:
    """An extension rule in force, as the decision engine sees it."""

    row: Extension
    kind: str = "extension"
    # An extension rule covers listed parties wherever they are; it never relaxes a
    # destination's own license requirement (`covers_destination` is always False).
    requires_destination: bool = False

    @property
    def reference(self) -> str:
        cite = f" ({self.row.cite})" if self.row.cite else ""
        return f"{self.row.name}{cite}"

    @property
    def expires(self) -> date:
        return self.row.expires

    @property
    def valid_from(self) -> date:
        return self.row.effective

    def covers_family(self, token: str) -> bool:
        return any(party.get("family") == token for party in self.row.parties)

    def covers_party(self, match: Match) -> bool:
        for party in self.row.parties:
            if "family" in party:
                token = party["family"]
                for text in (match.name, match.matched_name):
                    if token in normalize_name(text).split():
                        return True
            for record in party.get("records", []):
                if record["source"] == match.source and record["list_id"] == match.entry_id:
                    return True
        return False

    def covers_destination(self, code: str | None) -> bool:
        return False  # extensions cover listed parties, not embargoed destinations

    def activity_for(self, item: str | None, purpose: str | None) -> str | None:
        return covering_activity(list(self.row.activities), item, purpose)

    def describe(self) -> str:
        return f"extension {self.reference}"


def active_authorizations(session: Session, today: date) -> list[ExtensionAuthorization]:
    """Rules in force today: effective on or before today, not yet expired, not removed."""
    rows = session.execute(
        select(Extension)
        .where(Extension.effective <= today, Extension.expires >= today)
        .where(Extension.status != "removed")
        .order_by(Extension.expires.desc())  # type: ignore[attr-defined]
    ).scalars()
    return [ExtensionAuthorization(row) for row in rows]


def deadline_extension(engine: Engine, deadline_id: int) -> tuple[Deadline, Extension] | None:
    """The extension rule behind a deadline (for the buttons on its reminders)."""
    with Session(engine, expire_on_commit=False) as session:
        deadline = session.get(Deadline, deadline_id)
        if deadline is None or deadline.kind != "extension":
            return None
        ext = session.get(Extension, deadline.ref_id)
        return (deadline, ext) if ext else None


def current_rule(session: Session, name: str) -> Extension | None:
    """The newest rule of an extension chain (the one nothing supersedes)."""
    return session.execute(
        select(Extension)
        .where(Extension.name == name, Extension.superseded_by_id.is_(None))  # type: ignore[union-attr]
        .order_by(Extension.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).scalar_one_or_none()


def snapshot(row: Extension | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "name": row.name,
        "effective": row.effective.isoformat(),
        "expires": row.expires.isoformat(),
        "cite": row.cite,
        "parties": row.parties,
        "activities": row.activities,
        "status": row.status,
        "supersedes_id": row.supersedes_id,
        "superseded_by_id": row.superseded_by_id,
    }


class Extensions:
    def __init__(self, settings: Settings, engine: Engine, screener: Any) -> None:
        self.settings = settings
        self.engine = engine
        self.screener = screener

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.settings.tz).date()

    def add(
        self,
        *,
        name: str,
        expires: str,
        effective: str | None,
        cite: str | None,
        parties: list[str],
        activities: list[str],
        actor: Actor,
        now: datetime | None = None,
    ) -> Extension:
        now = now or utcnow()
        name = name.strip()
        if not name:
            raise ExtensionError("give the extension a name, e.g. “Huawei TGL”")
        expires_on = parse_date(expires, field="--expires")
        effective_on = parse_date(effective, field="--effective") if effective else self._today(now)
        self._check_dates(effective_on, expires_on, now)
        if not parties:
            raise ExtensionError("name at least one --party it covers (a listed company or family)")
        if not activities:
            raise ExtensionError("name at least one --activity it authorizes")
        resolved = [resolve_party(self.screener, p) for p in parties]
        with Session(writer(self.engine), expire_on_commit=False) as session:
            if current_rule(session, name) is not None:
                raise ExtensionError(
                    f"an extension named “{name}” exists: use `extension extend {name} "
                    "--expires DATE` to record a new expiry"
                )
            row = Extension(
                name=name,
                parties=resolved,
                activities=[a.strip() for a in activities if a.strip()],
                effective=effective_on,
                expires=expires_on,
                cite=(cite or "").strip() or None,
                created_by=actor.user,
            )
            session.add(row)
            session.flush()
            self._open(session, row, now)
            record_audit(
                session,
                actor,
                "extension.add",
                subject=name,
                detail={"before": None, "after": snapshot(row)},
            )
            session.commit()
        return row

    def extend(
        self,
        *,
        name: str,
        expires: str,
        effective: str | None,
        cite: str | None,
        actor: Actor,
        now: datetime | None = None,
    ) -> Extension:
        """Record a new rule extending `name`: old expiry reminders stop, new ones start."""
        now = now or utcnow()
        expires_on = parse_date(expires, field="--expires")
        effective_on = parse_date(effective, field="--effective") if effective else self._today(now)
        self._check_dates(effective_on, expires_on, now)
        with Session(writer(self.engine), expire_on_commit=False) as session:
            old = current_rule(session, name.strip())
            if old is None or old.status == "removed":
                raise ExtensionError(f"no extension named “{name.strip()}”; see `extension list`")
            if expires_on <= old.expires:
                raise ExtensionError(
                    f"the new expiry {expires_on} is not after the current one ({old.expires})"
                )
            before = snapshot(old)
            row = Extension(
                name=old.name,
                parties=old.parties,
                activities=old.activities,
                effective=effective_on,
                expires=expires_on,
                cite=(cite or "").strip() or None,
                supersedes_id=old.id,
                created_by=actor.user,
            )
            session.add(row)
            session.flush()
            old.superseded_by_id = row.id
            old.status = "superseded"
            old.updated_at = now
            close_deadline(session, kind="extension", ref_id=old.id or 0, status="extended")
            self._open(session, row, now)
            record_audit(
                session,
                actor,
                "extension.extend",
                subject=old.name,
                detail={"before": before, "after": snapshot(row)},
            )
            session.commit()
        return row

    def lapse(self, *, name: str, actor: Actor, now: datetime | None = None) -> Extension:
        """The team lets it lapse: reminders stop; it still covers shipments until it expires."""
        return self._end(name, actor, now, status="lapsed", action="extension.lapse")

    def remove(self, *, name: str, actor: Actor, now: datetime | None = None) -> Extension:
        """Withdraw it (e.g. recorded in error, or revoked): it no longer authorizes anything."""
        return self._end(name, actor, now, status="removed", action="extension.remove")

    def _end(
        self, name: str, actor: Actor, now: datetime | None, *, status: str, action: str
    ) -> Extension:
        now = now or utcnow()
        with Session(writer(self.engine), expire_on_commit=False) as session:
            row = current_rule(session, name.strip())
            if row is None or row.status == "removed":
                raise ExtensionError(f"no extension named “{name.strip()}”; see `extension list`")
            before = snapshot(row)
            row.status = status
            row.updated_at = now
            close_deadline(session, kind="extension", ref_id=row.id or 0, status=status)
            record_audit(
                session,
                actor,
                action,
                subject=row.name,
                detail={"before": before, "after": snapshot(row)},
            )
            session.commit()
        return row

    def list(self, *, include_history: bool = False) -> list[Extension]:
        with Session(self.engine) as session:
            query = select(Extension).order_by(Extension.name, Extension.id)  # type: ignore[arg-type]
            if not include_history:
                query = query.where(Extension.superseded_by_id.is_(None))  # type: ignore[union-attr]
            return list(session.execute(query).scalars())

    def _check_dates(self, effective: date, expires: date, now: datetime) -> None:
        if expires < effective:
            raise ExtensionError(f"--expires {expires} is before --effective {effective}")
        if expires < self._today(now):
            raise ExtensionError(
                f"--expires {expires} is in the past (today is {self._today(now)}): "
                "nothing to remind about"
            )

    def _open(self, session: Session, row: Extension, now: datetime) -> None:
        cite = f" ({row.cite})" if row.cite else ""
        open_deadline(
            session,
            kind="extension",
            ref_id=row.id or 0,
            title=f"{row.name}{cite} expires {row.expires.isoformat()}",
            due=row.expires,
            channel=self.settings.alert_channel,
            policy=policy(self.settings),
            now=now,
        )
