"""What answering does with reviewers' decisions: the `Hooks.adjudications` loader and the
`Hooks.adjudicate` rule (bot/runtime/wiring.py hands both to the screener).

Never looser than the facts: a decision only relaxes a fuzzy match. It cannot set aside an
exact match on a list that blocks or calls for a license (DPL, SDN, Entity List, MEU), and it
touches neither the destination policy nor the list's freshness, which `decide` weighs on
their own. A decision made on other content of the listed record (the fingerprint differs)
does not apply: the answer goes back to `review`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from bot.answers.screener import Adjudged
from bot.answers.verdicts import BLOCKING_LISTS, LICENSE_LISTS, LICENSE_REQUIRED, Match
from bot.reviews.keys import fingerprint, party_key, record_key
from storage.models_reviews import Adjudication

EXACT = 99.5


@dataclass(frozen=True)
class InForce:
    """One decision in force, as answers need it (no ORM row: shared between threads)."""

    id: int
    decision: str
    reason: str
    expires: date | None
    decided_by: str
    decided_at: datetime
    fingerprint: str
    record_name: str


Loaded = dict[str, dict[tuple[str, str], InForce]]


def load_adjudications(session: Session, today: date) -> Loaded:
    """Decisions in force `today`, per party key and record."""
    rows = session.execute(
        select(Adjudication).where(
            Adjudication.status == "active",
            or_(Adjudication.expires.is_(None), Adjudication.expires >= today),  # type: ignore[union-attr]
        )
    ).scalars()
    loaded: Loaded = {}
    for r in rows:
        loaded.setdefault(r.party_key, {})[(r.source, r.record_id)] = InForce(
            id=r.id or 0,
            decision=r.decision,
            reason=r.reason,
            expires=r.expires,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            fingerprint=r.fingerprint,
            record_name=r.record_name,
        )
    return loaded


def protected(match: Match) -> bool:
    """An exact match on a list that blocks or calls for a license: no decision relaxes it."""
    blocking = (
        match.source in BLOCKING_LISTS
        or match.source == "DPL"
        or match.source in LICENSE_LISTS
        or bool(match.license_requirement)
    )
    return blocking and match.score >= EXACT


def who(user: str) -> str:
    return f"@{user}" if user[:1] in ("U", "W") and user.isalnum() else user


def _by(a: InForce) -> str:
    until = f", until {a.expires.isoformat()}" if a.expires else ""
    return (
        f"decided by {who(a.decided_by)} on {a.decided_at.date().isoformat()}{until}, '{a.reason}'"
    )


def _listed(m: Match) -> str:
    where = f" ({', '.join(m.countries)})" if m.countries else ""
    return f"the listed {m.name}{where} [{m.source} {m.entry_id}]"


def adjudicate(
    loaded: Loaded, party: str, country: str | None, matches: list[Match], entry_of: Any
) -> Adjudged | None:
    """The matches as the decisions in force for this party leave them, or None (none apply)."""
    found = loaded.get(party_key(party, country))
    if not found:
        return None
    kept: list[Match] = []
    notes: list[str] = []
    settled: list[str] = []
    floor: tuple[str, str] | None = None
    for m in matches:
        a = found.get((m.source, m.entry_id))
        if a is None:
            kept.append(m)
            continue
        entry = entry_of(m.entry_key)
        if entry is None or fingerprint(entry) != a.fingerprint:
            notes.append(
                f"A decision on {_listed(m)} no longer applies: the listed record changed "
                f"since it was {_by(a)}."
            )
            kept.append(m)
            continue
        if a.decision == "not-match":
            if protected(m):
                notes.append(
                    f"{_listed(m)} was {_by(a)} not to be this party, but the name is an exact "
                    "match on a list that blocks or calls for a license: the list decides."
                )
                kept.append(m)
                continue
            notes.append(f"Not {_listed(m)}: {_by(a)}.")
        elif a.decision == "match":
            notes.append(f"Same party as {_listed(m)}: {_by(a)}.")
            kept.append(dataclasses.replace(m, score=100.0, matched_name=party, country_match=True))
        else:  # license-check
            kept.append(m)
            floor = (
                LICENSE_REQUIRED,
                f"Compliance requires a license check for {_listed(m)}: {_by(a)}.",
            )
        settled.append(record_key(m.source, m.entry_id))
    kept.sort(key=lambda m: -m.score)
    return Adjudged(matches=kept, notes=notes, floor=floor, settled=tuple(settled))
