"""Bump `data_version` whenever licenses, extensions, destination policies or ownership change,
in the same transaction.

Screening caches what authorizes shipments and what each destination's policy is
(bot/answers/screener.py) and re-reads them only when this counter moved. Hooking the ORM flush
makes every code path that changes those rows bump it, including ones written later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select, update
from sqlmodel import Session

from storage.models import CountryPolicy, DataVersion, Extension
from storage.models_licenses import License
from storage.models_ownership import OwnershipEdge, RulePeriod

AUTHORIZATIONS = "authorizations"
#: Bumped explicitly (bot/reviews) in the transaction of every decision, lapse or re-open.
ADJUDICATIONS = "adjudications"
#: Ownership edges and the 50% rules' periods (bot/ownership), bumped on every flush of them.
OWNERSHIP = "ownership"
_WATCHED = (License, Extension, CountryPolicy)
_OWNERSHIP = (OwnershipEdge, RulePeriod)


@event.listens_for(Session, "before_flush")
def _bump_on_change(session: Session, flush_context: Any, instances: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _WATCHED) for obj in changed):
        session.execute(
            update(DataVersion)
            .where(DataVersion.key == AUTHORIZATIONS)
            .values(version=DataVersion.version + 1)
        )
    if any(isinstance(obj, _OWNERSHIP) for obj in changed):
        bump(session, OWNERSHIP)


def version_query() -> Any:
    """One number that moves whenever any counter moves (each only ever grows): the sum."""
    return select(func.sum(DataVersion.version))


def bump(session: Any, key: str) -> None:
    """Bump one counter in the caller's transaction (Session or Connection)."""
    session.execute(
        update(DataVersion).where(DataVersion.key == key).values(version=DataVersion.version + 1)
    )
