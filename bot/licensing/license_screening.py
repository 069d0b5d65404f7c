"""Licenses as screening sees them: granted licenses as authorizations, and earlier denials.

The decision engine (bot/answers/verdicts.py) asks an authorization whether it covers a matched
party, a destination and an item; `LicenseAuthorization` answers for a granted license. Denied,
returned and revoked decisions become notes in the answer. Recording and withdrawing licenses is
bot/licensing/licenses.py; the screener gets these functions as hooks from bot/runtime/wiring.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from bot.answers.verdicts import Match
from bot.licensing.activities import keywords, within_scope
from bot.screening.normalize import normalize_name
from storage.models_licenses import License


def _names_record(parties: list[dict], match: Match) -> bool:
    """Do the license's parties name this matched record (or the family it belongs to)?"""
    for party in parties:
        if "family" in party:
            for text in (match.name, match.matched_name):
                if party["family"] in normalize_name(text).split():
                    return True
        for record in party.get("records", []):
            if record["source"] == match.source and record["list_id"] == match.entry_id:
                return True
    return False


def _covers_party(row: License, match: Match) -> bool:
    """For notes about earlier denials: the records named, or failing that the same name."""
    if _names_record(row.parties, match):
        return True
    if row.party:
        wanted = normalize_name(row.party)
        return wanted in (normalize_name(match.name), normalize_name(match.matched_name))
    return False


_NEGATED = re.compile(r"^\s*(?:not\s+for|no|excluding|except|without)\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class LicenseAuthorization:
    """A granted license as the decision engine sees it: exact on every dimension.

    Party: only the list records its party resolved to when it was recorded (or the family it
    names); a name that resolved to nothing authorizes nothing. Destination: its own, which the
    question must name. Item: within its scope (`within_scope`), and no "not for ..." condition
    hit. Dates: valid_from..valid_until.
    """

    row: License
    kind: str = "license"
    requires_destination: bool = True

    @property
    def reference(self) -> str:
        return self.row.number

    @property
    def expires(self) -> date | None:
        return self.row.valid_until

    @property
    def valid_from(self) -> date | None:
        return self.row.valid_from

    @property
    def conditions(self) -> tuple[str, ...]:
        return tuple(self.row.conditions or ())

    def covers_party(self, match: Match) -> bool:
        return _names_record(self.row.parties, match)

    def covers_family(self, token: str) -> bool:
        return any(party.get("family") == token for party in self.row.parties)

    def covers_destination(self, code: str | None) -> bool:
        return bool(code and self.row.destination and code.upper() == self.row.destination.upper())

    def condition_hit(self, item: str | None, purpose: str | None) -> str | None:
        asked = keywords(f"{item or ''} {purpose or ''}")
        for condition in self.row.conditions:
            negated = _NEGATED.match(condition)
            if negated and keywords(negated.group(1)) & asked:
                return condition  # "not for 5G" and the question is about 5G
        return None

    def activity_for(self, item: str | None, purpose: str | None) -> str | None:
        if self.condition_hit(item, purpose):
            return None
        return within_scope(self.row.scope, item, purpose)

    def describe(self) -> str:
        what = "application" if self.row.number_kind == "application" else "license"
        return f"{what} {self.row.number}" + (f" ({self.row.scope})" if self.row.scope else "")


def active_authorizations(session: Session, today: date) -> list[LicenseAuthorization]:
    rows = session.execute(
        select(License).where(License.status == "active", License.decision == "granted")
    ).scalars()
    return [
        LicenseAuthorization(row)
        for row in rows
        if (row.valid_from is None or row.valid_from <= today)
        and (row.valid_until is None or row.valid_until >= today)
    ]


def denials(session: Session) -> list[License]:
    """Denied, returned and revoked decisions still on record (for mentions in answers)."""
    return list(
        session.execute(
            select(License).where(
                License.status == "active",
                License.decision.in_(("denied", "returned", "revoked")),  # type: ignore[attr-defined]
            )
        ).scalars()
    )


def denial_notes_for(rows: list[License], matches: list[Match]) -> list[str]:
    """Earlier denials, returns and revocations for the matched parties, for the answer."""
    notes = []
    for row in rows:
        if any(_covers_party(row, m) for m in matches[:3]):
            what = "Application" if row.number_kind == "application" else "License"
            verb = {"returned": "was returned without action"}.get(
                row.decision, f"was {row.decision}"
            )
            notes.append(f"{what} {row.number} for {row.party or 'this party'} {verb}.")
    return notes


def denial_notes(session: Session, matches: list[Match]) -> list[str]:
    return denial_notes_for(denials(session), matches) if matches else []
