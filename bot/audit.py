"""The audit log: who did what (`Actor`), and the log as CSV — every answer, recording, change and
reminder, oldest first."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from storage.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who made a change: a Slack user or an OS user at the command line."""

    user: str
    kind: str  # "slack" | "cli" | "system"
    channel: str | None = None


#: The bot itself (the scheduler, alerts): audited as "system".
SYSTEM = Actor(user="system", kind="system")


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
    channel: str | None = None,
    permalink: str | None = None,
    list_version: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one audit row for a change, in the caller's transaction (the one way rows are made
    in bot/; the importer in storage/, below this package, writes its own). `channel` defaults
    to the actor's."""
    row = AuditEvent(
        actor=actor.user,
        actor_kind=actor.kind,
        action=action,
        channel=channel if channel is not None else actor.channel,
        permalink=permalink,
        subject=subject,
        list_version=list_version,
        detail=detail,
    )
    if at is not None:
        row.at = at
    session.add(row)
    return row


COLUMNS = (
    "id",
    "at",
    "actor",
    "actor_kind",
    "action",
    "channel",
    "permalink",
    "subject",
    "verdict",
    "list_version",
    "detail",
)


def parse_since(text: str | None) -> datetime | None:
    """Midnight UTC of `YYYY-MM-DD`, or None for no bound; ValueError says what to type."""
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(0), tzinfo=UTC)
    except ValueError:
        raise ValueError(f"“{text}” is not a date: use YYYY-MM-DD") from None


SINCE_USAGE = "audit export [since YYYY-MM-DD]"


def parse_since_words(words: Sequence[str]) -> datetime | None:
    """The words after `export`: none, `DATE` or `since DATE` (the README's spelling).

    Slack and the CLI share this so both accept exactly the documented forms; anything else is
    a ValueError with a one-line reason, and nothing is exported.
    """
    rest = list(words)
    if rest and rest[0].lower() == "since":
        rest = rest[1:]
        if not rest:
            raise ValueError(f"“since” needs a date: {SINCE_USAGE}")
    if len(rest) > 1:
        raise ValueError(f"one date only: {SINCE_USAGE}")
    return parse_since(rest[0] if rest else None)


def export_csv(engine: Engine, *, since: datetime | None = None) -> tuple[str, int]:
    """CSV text and the number of rows; `detail` (evidence, before/after) as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    with Session(engine) as session:
        query = select(AuditEvent).order_by(AuditEvent.id)  # type: ignore[arg-type]
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        for row in session.execute(query.execution_options(yield_per=1000)).scalars():
            writer.writerow(
                [
                    row.id,
                    row.at.isoformat(),
                    row.actor,
                    row.actor_kind,
                    row.action,
                    row.channel or "",
                    row.permalink or "",
                    row.subject or "",
                    row.verdict or "",
                    row.list_version or "",
                    json.dumps(row.detail, ensure_ascii=False, sort_keys=True),
                ]
            )
            count += 1
    return out.getvalue(), count
