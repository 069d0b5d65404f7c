"""Tables for review cases: uncertain answers sent to compliance, and the decisions remembered.

A case is about one party as screened (normalised name + country: its `party_key`) and the set
of candidate records its answer rested on. While it is open, `open_key` holds
"party_key|record_set"; a unique constraint on it makes every asker, retry and instance join
the one open case (NULLs never collide, so decided cases keep theirs empty).

An adjudication is a reviewer's decision on (party_key, listed record). The one in force for a
pair carries `active_key`, unique; one decided twice in the same case round is refused by the
(case, round, record) constraint, so double clicks and two reviewers make one decision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow


def _now() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def _when() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class ReviewCase(SQLModel, table=True):
    __tablename__ = "review_case"
    __table_args__ = (
        UniqueConstraint("open_key", name="uq_review_case_open_key"),
        Index("ix_review_case_party", "party_key"),
        Index("ix_review_case_status", "status", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    party_key: str = Field(sa_column=Column(Text, nullable=False))
    party: str = Field(sa_column=Column(Text, nullable=False))  # as screened
    country: str | None = None
    record_set: str  # "SRC:id,SRC:id" sorted: the candidates the answer rested on
    open_key: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = "open"  # "open" | "decided" | "closed"
    round: int = 1  # +1 each time it re-opens
    verdict: str  # the answer's verdict when (re)opened
    question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    candidates: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    list_version: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    opened_at: datetime = _now()
    decided_at: datetime | None = _when()
    lock: int = 0  # bumped by every decision: serialises two reviewers on one case
    notified_round: int = 0  # the round whose outcome the askers were sent


class CaseAsker(SQLModel, table=True):
    __tablename__ = "case_asker"
    __table_args__ = (UniqueConstraint("case_id", "asker_key", name="uq_case_asker"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="review_case.id", index=True)
    asker_key: str = Field(sa_column=Column(Text, nullable=False))  # user|channel|thread
    user: str
    kind: str  # "slack" | "cli" | "system"
    channel: str | None = None
    thread_ts: str | None = None
    permalink: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    audit_id: int | None = None
    asked_at: datetime = _now()


class Adjudication(SQLModel, table=True):
    __tablename__ = "adjudication"
    __table_args__ = (
        UniqueConstraint("active_key", name="uq_adjudication_active_key"),
        UniqueConstraint(
            "case_id", "case_round", "source", "record_id", name="uq_adjudication_case_record"
        ),
        Index("ix_adjudication_party", "party_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    party_key: str = Field(sa_column=Column(Text, nullable=False))
    party: str = Field(sa_column=Column(Text, nullable=False))
    source: str
    record_id: str
    record_name: str = Field(sa_column=Column(Text, nullable=False))
    decision: str  # "not-match" | "match" | "license-check"
    reason: str = Field(sa_column=Column(Text, nullable=False))
    expires: date | None = None
    fingerprint: str  # sha256 of the record's names, addresses, list and license fields
    judged: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )  # the content fingerprinted, to say what changed when it lapses
    decided_by: str
    decided_kind: str
    decided_at: datetime = _now()
    list_version: str | None = None
    case_id: int | None = Field(default=None, foreign_key="review_case.id")
    case_round: int | None = None
    status: str = "active"  # "active" | "lapsed" | "superseded" | "removed"
    active_key: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ended_at: datetime | None = _when()
    ended_why: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Reviewer(SQLModel, table=True):
    """People allowed to decide cases besides admins."""

    __tablename__ = "reviewer"

    user_id: str = Field(primary_key=True)
    added_by: str
    added_at: datetime = _now()
