"""Tables for ownership on record and the dated 50% rules (issue 17).

An ownership edge says that `owner` holds `percent` of `owned` (None: a share not known), with
where that comes from (`cite`) and when it was true (`as_of`). Names are kept as given and keyed
by the screening engine's normalised form, so "Acme Cloud Ltd" and "ACME CLOUD LIMITED" are one
party; one edge per (owned, owner) pair: recording it again replaces the share.

A rule period says whether a rule ("affiliates-rule", "ofac-50") was in effect or suspended
from `starts` to `ends` (inclusive; None: open). Periods are never edited: a new suspension is a
new row, and of the periods covering a day the one recorded last decides (so a suspension
recorded over an open-ended "in effect" period wins for its days, and the rule applies again
after it without anyone remembering to say so).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _now() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class OwnershipEdge(SQLModel, table=True):
    __tablename__ = "ownership_edge"
    __table_args__ = (
        UniqueConstraint("owned_key", "owner_key", name="uq_ownership_edge_pair"),
        Index("ix_ownership_edge_owner", "owner_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owned: str = Field(sa_column=Column(Text, nullable=False))  # as given
    owned_key: str = Field(sa_column=Column(Text, nullable=False))  # normalize_name(owned)
    owner: str = Field(sa_column=Column(Text, nullable=False))
    owner_key: str = Field(sa_column=Column(Text, nullable=False))
    percent: float | None = None  # 0 < percent <= 100; None: a share not known
    direct: bool = True  # False: held through intermediaries not on record
    country: str | None = None  # ISO-2 of the owned party, when given
    cite: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    as_of: date | None = None
    added_by: str
    added_kind: str
    added_at: datetime = _now()


class RulePeriod(SQLModel, table=True):
    __tablename__ = "rule_period"
    __table_args__ = (Index("ix_rule_period_rule", "rule", "starts"),)

    id: int | None = Field(default=None, primary_key=True)
    rule: str  # "affiliates-rule" | "ofac-50"
    status: str  # "in_effect" | "suspended"
    starts: date | None = None  # None: since before anything on record
    ends: date | None = None  # inclusive; None: until further notice
    cite: str = Field(sa_column=Column(Text, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recorded_by: str
    recorded_at: datetime = _now()
