"""The 50% rules' dates are data: periods in effect or suspended, each with its cite.

Of the periods covering a day, the one recorded last decides; no period: not in effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.audit import Actor, record_audit
from storage.db import writer
from storage.models_ownership import RulePeriod

AFFILIATES = "affiliates-rule"
OFAC = "ofac-50"
RULES = {
    AFFILIATES: "BIS Affiliates Rule",
    OFAC: "OFAC 50 Percent Rule",
}
#: Where each rule is published (its periods carry their own cites).
RULE_CITES = {
    AFFILIATES: "90 FR 47201",
    OFAC: "OFAC guidance of 2014-08-13",
}
IN_EFFECT = "in_effect"
SUSPENDED = "suspended"
STATUSES = {"in-effect": IN_EFFECT, "in_effect": IN_EFFECT, "suspended": SUSPENDED}


class PolicyError(ValueError):
    """Bad input about a rule period; one line, safe to show."""


@dataclass(frozen=True)
class Period:
    id: int
    rule: str
    status: str
    starts: date | None
    ends: date | None
    cite: str
    note: str | None = None

    def covers(self, day: date) -> bool:
        return (self.starts is None or self.starts <= day) and (
            self.ends is None or day <= self.ends
        )

    def span(self) -> str:
        if self.starts and self.ends:
            return f"{self.starts.isoformat()} to {self.ends.isoformat()}"
        if self.starts:
            return f"from {self.starts.isoformat()}, until further notice"
        if self.ends:
            return f"until {self.ends.isoformat()}"
        return "always, until further notice"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "rule": self.rule,
            "status": self.status,
            "starts": self.starts.isoformat() if self.starts else None,
            "ends": self.ends.isoformat() if self.ends else None,
            "cite": self.cite,
            "note": self.note,
        }


def load_periods(session: Session) -> tuple[Period, ...]:
    rows = session.execute(select(RulePeriod).order_by(RulePeriod.id)).scalars()  # type: ignore[arg-type]
    return tuple(
        Period(
            id=r.id or 0,
            rule=r.rule,
            status=r.status,
            starts=r.starts,
            ends=r.ends,
            cite=r.cite,
            note=r.note,
        )
        for r in rows
    )


def state_on(periods: tuple[Period, ...], rule: str, day: date) -> Period | None:
    """The period that decides `rule` on `day` (the last recorded covering it), or None."""
    found = None
    for p in periods:
        if p.rule == rule and p.covers(day):
            found = p if found is None or p.id > found.id else found
    return found


def in_effect(periods: tuple[Period, ...], rule: str, day: date) -> bool:
    p = state_on(periods, rule, day)
    return p is not None and p.status == IN_EFFECT


def next_change(
    periods: tuple[Period, ...], rule: str, today: date, horizon: int = 3660
) -> tuple[date, Period | None] | None:
    """The first day after `today` on which the rule's state differs, and the period then."""
    now = state_on(periods, rule, today)
    edges = sorted(
        {p.starts for p in periods if p.rule == rule and p.starts and p.starts > today}
        | {
            date.fromordinal(p.ends.toordinal() + 1)
            for p in periods
            if p.rule == rule and p.ends and p.ends >= today
        }
    )
    for day in edges:
        if (day - today).days > horizon:
            break
        then = state_on(periods, rule, day)
        if (then.status if then else None) != (now.status if now else None):
            return day, then
    return None


def _day(text: str | None, what: str) -> date | None:
    if text is None or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise PolicyError(f"{what} “{text}” is not a date (YYYY-MM-DD)") from None


def record_period(
    engine: Engine,
    *,
    rule: str,
    status: str,
    starts: str | None,
    ends: str | None,
    cite: str | None,
    actor: Actor,
    note: str | None = None,
) -> Period:
    """Record that `rule` is in effect or suspended from `starts` to `ends`; audited."""
    if rule not in RULES:
        raise PolicyError(f"unknown rule “{rule}”: one of {', '.join(RULES)}")
    if status not in STATUSES:
        raise PolicyError(f"unknown state “{status}”: in-effect or suspended")
    start, end = _day(starts, "--from"), _day(ends, "--until")
    if start is None:
        raise PolicyError("give the first day with --from YYYY-MM-DD")
    if end is not None and end < start:
        raise PolicyError(f"--until {end} is before --from {start}")
    if not (cite or "").strip():
        raise PolicyError("give the rule's cite with --cite TEXT (e.g. the Federal Register)")
    with Session(writer(engine)) as session:
        row = RulePeriod(
            rule=rule,
            status=STATUSES[status],
            starts=start,
            ends=end,
            cite=(cite or "").strip(),
            note=note,
            recorded_by=actor.user,
        )
        session.add(row)
        session.flush()
        period = Period(row.id or 0, rule, row.status, start, end, row.cite, note)
        record_audit(
            session,
            actor,
            "policy_period",
            subject=rule,
            detail=period.as_json(),
        )
        session.commit()
    return period


def list_periods(engine: Engine) -> tuple[Period, ...]:
    with Session(engine) as session:
        return load_periods(session)


def describe_today(periods: tuple[Period, ...], today: date) -> list[str]:
    """One line per rule: in effect or not today, since/until when, and the cite."""
    lines = []
    for rule, name in RULES.items():
        p = state_on(periods, rule, today)
        if p is None:
            lines.append(f"{name}: not in effect (no period on record covers {today})")
            continue
        state = "in effect" if p.status == IN_EFFECT else "SUSPENDED"
        until = f" until {p.ends.isoformat()}" if p.ends else ""
        since = f" since {p.starts.isoformat()}" if p.starts else ""
        lines.append(f"{name}: {state}{since}{until} ({p.cite})")
    return lines


def next_changes(periods: tuple[Period, ...], today: date) -> list[str]:
    """The next change of each rule, in words (for the Home tab and `policy list`)."""
    out = []
    for rule, name in RULES.items():
        found = next_change(periods, rule, today)
        if found is None:
            continue
        day, then = found
        state = "applies again" if then and then.status == IN_EFFECT else "is suspended"
        if then is None:
            state = "ends"
        days = (day - today).days
        out.append(
            f"{name} {state} on {day.isoformat()} (in {days} day{'s' if days != 1 else ''})"
            + (f" — {then.cite}" if then else "")
        )
    return out
