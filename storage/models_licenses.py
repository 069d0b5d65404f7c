"""Tables for license decisions, the channels watched for them, and announcements awaiting a yes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow


class License(SQLModel, table=True):
    """A license or application decision. One row per number: a repeat updates it."""

    __tablename__ = "license"
    __table_args__ = (Index("ix_license_source", "source_channel", "source_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    number_kind: str = "license"  # "license" | "application"
    decision: str  # "granted" | "denied" | "returned" | "revoked"
    status: str = "active"  # "active" | "withdrawn" (message deleted, undone, or recorded in error)
    party: str | None = Field(default=None, sa_column=Column(Text))
    parties: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    scope: str | None = Field(default=None, sa_column=Column(Text))
    destination: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    conditions: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    confidence: str = "manual"  # "clear" | "confirmed" | "manual"
    source_channel: str | None = None
    source_ts: str | None = None
    source_permalink: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class WatchedChannel(SQLModel, table=True):
    __tablename__ = "watched_channel"

    channel_id: str = Field(primary_key=True)
    added_by: str
    added_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PendingAnnouncement(SQLModel, table=True):
    """An announcement the bot was not sure about, waiting for Confirm / Edit / Ignore."""

    __tablename__ = "pending_announcement"
    __table_args__ = (UniqueConstraint("channel", "ts", name="uq_pending_announcement_message"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    ts: str
    user: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    parsed: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    status: str = "open"  # "open" | "recorded" | "ignored" | "withdrawn"
    prompt_ts: str | None = None
    decided_by: str | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
