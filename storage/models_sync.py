"""Tables for list sync state, incidents, outgoing list alerts and counterparties.

Everything that must happen once across several bot processes is a row claimed with a
conditional UPDATE or a unique key: the scheduled download (`sync_state.claimed_at`), an
incident's opening and recovery (`incident.status`), the processing of one applied list change
(`list_change.status`) and each Slack message (`list_alert.key`, then a claim with a lease).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow


def _ts(nullable: bool = False) -> Any:
    return Field(
        default_factory=None if nullable else utcnow,
        sa_column=Column(UTCDateTime(), nullable=nullable),
    )


def _text(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(Text, nullable=nullable))


class SyncState(SQLModel, table=True):
    """What we know about one download URL: validators for a conditional GET, and health."""

    __tablename__ = "sync_state"

    url: str = Field(sa_column=Column(Text, primary_key=True))
    etag: str | None = _text()
    last_modified: str | None = _text()
    validated_snapshot_id: int | None = None  # the snapshot the validators describe
    last_checked_at: datetime | None = _ts(nullable=True)
    last_success_at: datetime | None = _ts(nullable=True)
    last_status: str | None = None  # applied | unchanged | not_modified | failed | quarantined
    last_error: str | None = _text()
    failing_since: datetime | None = _ts(nullable=True)
    failures: int = 0
    claimed_by: str | None = None  # scheduled runs: one process downloads per interval
    claimed_at: datetime | None = _ts(nullable=True)


class Incident(SQLModel, table=True):
    """A problem that is told once when it starts and once when it ends, not on every check."""

    __tablename__ = "incident"

    kind: str = Field(primary_key=True)  # "sync_failure" | "quarantine" | "stale"
    key: str = Field(sa_column=Column(Text, primary_key=True))  # URL, or "list"
    number: int = 0  # incremented at each opening; part of the alert keys
    status: str = "closed"  # "open" | "closed"
    opened_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)
    last_seen_at: datetime | None = _ts(nullable=True)
    detail: str | None = _text()


class ListChange(SQLModel, table=True):
    """One applied list change, processed once: change alert and counterparty re-screening."""

    __tablename__ = "list_change"

    snapshot_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    previous_snapshot_id: int | None = None
    status: str = "pending"  # "pending" | "claimed" | "done"
    claimed_by: str | None = None
    claimed_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    done_at: datetime | None = _ts(nullable=True)
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))


class ListAlert(SQLModel, table=True):
    """An outgoing list message (channel or DM). The unique key makes enqueueing idempotent."""

    __tablename__ = "list_alert"
    __table_args__ = (
        UniqueConstraint("key", name="uq_list_alert_key"),
        Index("ix_list_alert_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(Text, nullable=False))
    kind: str
    target: str  # channel id or user id (a DM)
    payload: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    status: str = "pending"  # "pending" | "claimed" | "sent"
    claimed_by: str | None = None
    claimed_at: datetime | None = _ts(nullable=True)
    attempts: int = 0
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)
    message_ts: str | None = None
    error: str | None = _text()


class Counterparty(SQLModel, table=True):
    """A party the company deals with, re-screened whenever the list changes."""

    __tablename__ = "counterparty"

    id: int | None = Field(default=None, primary_key=True)
    normalized: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    name: str = _text(nullable=False)
    country: str | None = None
    origins: list[str] = Field(sa_column=Column(JSONType, nullable=False))  # asked|licensed|...
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # The last known screening result, to tell "new or stronger" from old news.
    last_verdict: str | None = None
    last_score: float | None = None
    last_source: str | None = None
    last_list_id: str | None = _text()
    last_entry_name: str | None = _text()
    last_list_version: str | None = None
    last_screened_at: datetime | None = _ts(nullable=True)


class CounterpartyAsker(SQLModel, table=True):
    """Who asked about a counterparty, and what they were told the last time."""

    __tablename__ = "counterparty_asker"

    counterparty_id: int = Field(
        foreign_key="counterparty.id", primary_key=True, ondelete="CASCADE"
    )
    user: str = Field(primary_key=True)
    kind: str  # "slack" | "cli" | "system"
    channel: str | None = None
    question: str | None = _text()
    verdict: str | None = None
    list_version: str | None = None
    audit_id: int | None = None
    asked_at: datetime = _ts()
    times: int = 1
