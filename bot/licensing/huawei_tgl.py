"""The Huawei Temporary General License timeline (15 CFR 744 Supp. No. 7), as a worked example.

Effective and expiry dates and cites are as published (DESIGN.md); extensions were not always 90
days and often took effect before the old expiry, so nothing here is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select, update
from sqlmodel import Session

from bot.audit import Actor
from bot.licensing.extensions import Extensions, current_rule
from storage.db import writer
from storage.models import Deadline, Reminder

NAME = "Huawei TGL"
PARTY = "Huawei"
BASE_ACTIVITIES = [
    "continued operation of existing networks and equipment under contracts signed on or "
    "before 2019-05-16",
    "support for existing handsets",
    "cybersecurity vulnerability disclosure",
]
FIVE_G_STANDARDS = "5G standards development"


@dataclass(frozen=True)
class Rule:
    cite: str
    effective: date
    expires: date


RULES = (
    Rule("84 FR 23468", date(2019, 5, 20), date(2019, 8, 19)),
    Rule("84 FR 43487", date(2019, 8, 19), date(2019, 11, 18)),
    Rule("84 FR 64018", date(2019, 11, 18), date(2020, 2, 16)),
    Rule("85 FR 8722", date(2020, 2, 13), date(2020, 4, 1)),
    Rule("FR Doc 2020-05190", date(2020, 3, 10), date(2020, 5, 15)),
    Rule("85 FR 29610", date(2020, 5, 15), date(2020, 8, 13)),
)
REMOVED = Rule("85 FR 51596", date(2020, 8, 17), date(2020, 8, 17))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def seed(extensions: Extensions, *, actor: Actor, as_of: date) -> list[str]:
    """Record the rules known on `as_of`; reminders already in the past are not scheduled."""
    done: list[str] = []
    with Session(extensions.engine) as session:
        if current_rule(session, NAME) is not None:
            raise ValueError(f"“{NAME}” is already recorded; see `canweship extension list`")
    known = [r for r in RULES if r.effective <= as_of]
    if not known:
        raise ValueError(
            f"the TGL did not exist yet on {as_of} (first effective {RULES[0].effective})"
        )
    first = known[0]
    extensions.add(
        name=NAME,
        expires=first.expires.isoformat(),
        effective=first.effective.isoformat(),
        cite=first.cite,
        parties=[PARTY],
        activities=[*BASE_ACTIVITIES, FIVE_G_STANDARDS],
        actor=actor,
        now=_at(first.effective),
    )
    done.append(f"{first.cite}: effective {first.effective}, expires {first.expires}")
    for rule in known[1:]:
        extensions.extend(
            name=NAME,
            expires=rule.expires.isoformat(),
            effective=rule.effective.isoformat(),
            cite=rule.cite,
            actor=actor,
            now=_at(rule.effective),
        )
        done.append(f"{rule.cite}: effective {rule.effective}, expires {rule.expires}")
    if REMOVED.effective <= as_of:
        extensions.remove(name=NAME, actor=actor, now=_at(REMOVED.effective))
        done.append(f"{REMOVED.cite}: removed effective {REMOVED.effective}")
    _drop_history(extensions, as_of)
    return done


def _drop_history(extensions: Extensions, as_of: date) -> None:
    """Reminders that would have fired before `as_of` belong to history, not to the queue."""
    cutoff = _at(as_of)
    with Session(writer(extensions.engine)) as session:
        deadline_ids = select(Deadline.id).where(Deadline.kind == "extension").scalar_subquery()
        session.execute(
            update(Reminder)
            .where(Reminder.deadline_id.in_(deadline_ids))  # type: ignore[attr-defined]
            .where(Reminder.status == "pending", Reminder.due_at < cutoff)
            .values(status="cancelled", note="before the seed date")
        )
        session.commit()
