"""list sync state and counterparties

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")
STR = sqlmodel.sql.sqltypes.AutoString


def _ts(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("validated_snapshot_id", sa.Integer(), nullable=True),
        _ts("last_checked_at", True),
        _ts("last_success_at", True),
        sa.Column("last_status", STR(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("failing_since", True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("claimed_by", STR(), nullable=True),
        _ts("claimed_at", True),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_table(
        "incident",
        sa.Column("kind", STR(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", STR(), nullable=False),
        _ts("opened_at", True),
        _ts("closed_at", True),
        _ts("last_seen_at", True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    op.create_table(
        "list_change",
        sa.Column("snapshot_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("previous_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("status", STR(), nullable=False),
        sa.Column("claimed_by", STR(), nullable=True),
        _ts("claimed_at", True),
        _ts("created_at", False),
        _ts("done_at", True),
        sa.Column("summary", JSON, nullable=True),
        sa.PrimaryKeyConstraint("snapshot_id"),
    )
    op.create_table(
        "list_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", STR(), nullable=False),
        sa.Column("target", STR(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", STR(), nullable=False),
        sa.Column("claimed_by", STR(), nullable=True),
        _ts("claimed_at", True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("created_at", False),
        _ts("sent_at", True),
        sa.Column("message_ts", STR(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_list_alert_key"),
    )
    with op.batch_alter_table("list_alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_list_alert_status_created", ["status", "created_at"], unique=False
        )
    op.create_table(
        "counterparty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", STR(), nullable=True),
        sa.Column("origins", JSON, nullable=False),
        _ts("created_at", False),
        _ts("updated_at", False),
        sa.Column("last_verdict", STR(), nullable=True),
        sa.Column("last_score", sa.Float(), nullable=True),
        sa.Column("last_source", STR(), nullable=True),
        sa.Column("last_list_id", sa.Text(), nullable=True),
        sa.Column("last_entry_name", sa.Text(), nullable=True),
        sa.Column("last_list_version", STR(), nullable=True),
        _ts("last_screened_at", True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("normalized"),
    )
    op.create_table(
        "counterparty_asker",
        sa.Column("counterparty_id", sa.Integer(), nullable=False),
        sa.Column("user", STR(), nullable=False),
        sa.Column("kind", STR(), nullable=False),
        sa.Column("channel", STR(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("verdict", STR(), nullable=True),
        sa.Column("list_version", STR(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        _ts("asked_at", False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["counterparty_id"], ["counterparty.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("counterparty_id", "user"),
    )


def downgrade() -> None:
    op.drop_table("counterparty_asker")
    op.drop_table("counterparty")
    with op.batch_alter_table("list_alert", schema=None) as batch_op:
        batch_op.drop_index("ix_list_alert_status_created")
    op.drop_table("list_alert")
    op.drop_table("list_change")
    op.drop_table("incident")
    op.drop_table("sync_state")
