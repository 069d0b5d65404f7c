"""The tables. Each list import writes a complete, immutable snapshot; the newest one is in use.

Keeping whole snapshots (rather than updating rows in place) is what makes an import atomic and an
answer reproducible: every verdict names the snapshot it used, and the diff against the previous
snapshot is a plain comparison of record fingerprints.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow


def _json(**kw: Any) -> Any:
    return Field(default=None, sa_column=Column(JSONType, **kw))


def _ts(nullable: bool = False, **kw: Any) -> Any:
    return Field(
        default_factory=None if nullable else utcnow,
        sa_column=Column(UTCDateTime(), nullable=nullable, **kw),
    )


def _text(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(Text, nullable=nullable))


class ListSnapshot(SQLModel, table=True):
    """One imported version of the Consolidated Screening List."""

    __tablename__ = "list_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(sa_column=Column(Text, nullable=False))  # path or URL it came from
    layout: str  # "json" or "csv"
    file_sha256: str  # checksum of the bytes read (after gunzip)
    content_sha256: str = Field(
        index=True
    )  # checksum of the canonical records: same data, same sum
    record_count: int
    counts: dict[str, int] = _json(nullable=False)  # records per source short code
    names_count: int = 0
    normalizer_version: str = ""
    imported_at: datetime = _ts()
    imported_by: str = ""
    published_at: datetime | None = _ts(nullable=True)  # Last-Modified of a download, if known

    @property
    def version(self) -> str:
        """A short, human-readable list version: snapshot number and content checksum prefix."""
        return f"v{self.id}-{self.content_sha256[:8]}"


class Entry(SQLModel, table=True):
    """One record of one list (source) inside one snapshot. Every CSL field is kept."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "source", "list_id", name="uq_entry_snapshot_source_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="list_snapshot.id", index=True, ondelete="CASCADE")
    source: str = Field(index=True)  # short code: EL, DPL, SDN ...
    source_name: str = _text(nullable=False)  # the full `source` string as published
    list_id: str  # the list's own record id (`_id` in CSV, `id` in JSON)
    fingerprint: str  # sha256 of the canonical record, for diffs
    name: str = _text(nullable=False)
    entity_number: str | None = None
    type: str | None = None
    programs: list[str] | None = _json()
    title: str | None = _text()
    addresses: list[dict[str, Any]] | None = _json()  # [{"text": ..., "country": "CN"}]
    countries: list[str] | None = _json()  # ISO-2 from addresses, nationalities, citizenships
    federal_register_notice: str | None = _text()
    start_date: str | None = None
    end_date: str | None = None
    standard_order: str | None = None
    license_requirement: str | None = _text()
    license_policy: str | None = _text()
    call_sign: str | None = None
    vessel_type: str | None = None
    gross_tonnage: str | None = None
    gross_registered_tonnage: str | None = None
    vessel_flag: str | None = None
    vessel_owner: str | None = _text()
    remarks: str | None = _text()
    source_list_url: str | None = _text()
    alt_names: list[str] | None = _json()
    citizenships: list[str] | None = _json()
    dates_of_birth: list[str] | None = _json()
    nationalities: list[str] | None = _json()
    places_of_birth: list[str] | None = _json()
    source_information_url: str | None = _text()
    ids: list[str] | None = _json()  # "type, number, country[, issued, expires]"


class EntryName(SQLModel, table=True):
    """Primary name and every alias of an entry, with its normalized form, for screening."""

    __tablename__ = "entry_name"
    __table_args__ = (Index("ix_entry_name_snapshot_normalized", "snapshot_id", "normalized"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="list_snapshot.id", ondelete="CASCADE")
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    name: str = _text(nullable=False)
    normalized: str = _text(nullable=False)
    is_primary: bool


class ImportRun(SQLModel, table=True):
    """History of every import attempt, applied, unchanged or failed."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    # When the list this run confirmed was known to be current: the file's own publication date,
    # or when that file was first seen; None means the run itself (a download vouches for now).
    as_of: datetime | None = _ts(nullable=True)
    origin: str = _text(nullable=False)
    actor: str = ""
    status: str  # "applied" | "unchanged" | "failed" | "quarantined"
    layout: str | None = None
    file_sha256: str | None = None
    snapshot_id: int | None = Field(
        default=None, foreign_key="list_snapshot.id", ondelete="SET NULL"
    )
    previous_snapshot_id: int | None = None
    record_count: int | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    by_source: dict[str, dict[str, int]] | None = _json()
    error: str | None = _text()


class AuditEvent(SQLModel, table=True):
    """Append-only record of every answer and every change. Never updated or deleted by the app
    (database triggers refuse both)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(index=True)  # Slack user id, OS user for the CLI, or "system"
    actor_kind: str  # "slack" | "cli" | "system"
    action: str = Field(index=True)  # "screen", "import", "license.add", "reminder.post", ...
    channel: str | None = None
    permalink: str | None = _text()
    subject: str | None = _text()  # what it is about: the query text, a license number ...
    verdict: str | None = None
    list_version: str | None = None
    detail: dict[str, Any] | None = _json()  # evidence, or before/after for changes


class CountryPolicy(SQLModel, table=True):
    """Destination policy: what the rules say about shipping to a country or region at all."""

    __tablename__ = "country_policy"

    code: str = Field(primary_key=True)  # ISO-2, or ISO 3166-2 for regions such as UA-43 (Crimea)
    policy: str  # "embargoed" | "license_required" | "review" | "none"
    reason: str = _text(nullable=False)
    cite: str | None = _text()
    updated_at: datetime = _ts()
    updated_by: str = "seed"


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids being or already handled, so a redelivered event is answered once.

    A claim that was never completed (the process died) may be taken over after a lease.
    """

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True)
    received_at: datetime = _ts()
    claimed_at: datetime = _ts()
    claimed_by: str = ""
    completed_at: datetime | None = _ts(nullable=True)


class Admin(SQLModel, table=True):
    """People allowed to change data (besides CANWESHIP_ADMINS, which seeds this list)."""

    __tablename__ = "admin"

    user_id: str = Field(primary_key=True)
    added_by: str
    added_at: datetime = _ts()


class Extension(SQLModel, table=True):
    """One rule of a temporary general license or similar authorization, e.g. a 90-day extension.

    An extension is a chain of rules sharing a `name`: each `extend` adds a rule and marks the
    previous one superseded. Effective and expiry dates are stored as published, never computed.
    """

    __tablename__ = "extension"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    parties: list[dict[str, Any]] = _json(nullable=False)  # [{"name", "family"|"records"}]
    activities: list[str] = _json(nullable=False)
    effective: date
    expires: date
    cite: str | None = _text()
    supersedes_id: int | None = Field(default=None, foreign_key="extension.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="extension.id")
    status: str = "active"  # "active" | "superseded" | "lapsed" | "removed"
    created_by: str
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Deadline(SQLModel, table=True):
    """A date something stops authorizing shipments: an extension rule's or a license's expiry."""

    __tablename__ = "deadline"
    __table_args__ = (Index("ix_deadline_kind_ref", "kind", "ref_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # "extension" | "license"
    ref_id: int
    title: str = _text(nullable=False)
    due: date = Field(index=True)  # ends at the close of this day in the configured time zone
    status: str = "open"  # "open" | "extended" | "lapsed" | "closed"
    channel: str | None = None  # where its reminders go (thread under the first)
    thread_ts: str | None = None
    created_at: datetime = _ts()


class Reminder(SQLModel, table=True):
    """One reminder of one deadline. Claimed with a conditional update and a lease; posted once."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("deadline_id", "offset_days", name="uq_reminder_deadline_offset"),
        Index("ix_reminder_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True)
    offset_days: int  # days before the deadline; 0 = on the day, -1 = the day after
    due_at: datetime = _ts()
    status: str = "pending"  # "pending" | "claimed" | "sent" | "cancelled" | "skipped"
    claimed_by: str | None = None
    claimed_at: datetime | None = _ts(nullable=True)
    attempts: int = 0
    sent_at: datetime | None = _ts(nullable=True)
    late: bool = False
    message_ts: str | None = None
    note: str | None = _text()


class DataVersion(SQLModel, table=True):
    """A counter bumped in the same transaction as every change to a kind of data, so caches in
    any process can tell, with one tiny query and without trusting clocks, that they are stale."""

    __tablename__ = "data_version"

    key: str = Field(primary_key=True)
    version: int = 0


# Tables of later features live in their own modules; importing them here registers them on
# SQLModel.metadata for Alembic and for anyone who imports storage.models.
from storage import (  # noqa: E402, F401
    models_licenses,
    models_ownership,
    models_reviews,
    models_sync,
)


class IntakeItem(SQLModel, table=True):
    """A question as Slack delivered it, written before Slack is acknowledged (issue 18).

    Keyed by Slack's event id (events) or `cmd:` and the trigger id (slash commands); inserted
    already claimed by the process that received it. The answerer marks it done; a row whose
    claim lapsed (its process died) or that was released (a process shutting down) is answered
    by the sweeper of any running process, marked as late.
    """

    __tablename__ = "intake"
    __table_args__ = (Index("ix_intake_status_claimed", "status", "claimed_at"),)

    ref: str = Field(primary_key=True)  # the event id, or cmd:<trigger id>
    kind: str  # "event" | "command"
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the request body, as JSON
    status: str = "claimed"  # "claimed" | "pending" | "done"
    received_at: datetime = _ts()
    claimed_at: datetime = _ts()
    claimed_by: str = ""
    late: bool = False  # answered by a sweeper, not by the process that received it
    done_at: datetime | None = _ts(nullable=True)
