"""Plain-text descriptions of extensions and deadlines, shared by Slack replies and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.deadlines.schedule import days_left
from storage.models import Deadline, Extension


def party_text(parties: list[dict[str, Any]]) -> str:
    out = []
    for p in parties:
        if "family" in p:
            out.append(f"{p['name']} (family, {p.get('count', '?')} records)")
        else:
            names = ", ".join(r["name"] for r in p.get("records", []))
            out.append(f"{p['name']} ({names})" if names and names != p["name"] else p["name"])
    return "; ".join(out)


def extension_line(row: Extension, *, now: datetime, settings: Settings) -> str:
    cite = f" ({row.cite})" if row.cite else ""
    left = days_left(row.expires, now=now, tz=settings.tz)
    when = f"{left} days left" if left >= 0 else f"expired {-left} days ago"
    status = "" if row.status == "active" else f" [{row.status}]"
    return (
        f"{row.name}{cite}{status}: effective {row.effective}, expires {row.expires} ({when}); "
        f"covers {party_text(row.parties)}; authorizes: {'; '.join(row.activities)}"
    )


def extension_json(row: Extension, *, now: datetime, settings: Settings) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "effective": row.effective.isoformat(),
        "expires": row.expires.isoformat(),
        "days_left": days_left(row.expires, now=now, tz=settings.tz),
        "cite": row.cite,
        "parties": row.parties,
        "activities": row.activities,
        "supersedes_id": row.supersedes_id,
        "superseded_by_id": row.superseded_by_id,
    }


def deadline_line(deadline: Deadline, *, now: datetime, settings: Settings) -> str:
    left = days_left(deadline.due, now=now, tz=settings.tz)
    when = f"{left} days left" if left > 1 else {1: "tomorrow", 0: "today"}.get(left, "expired")
    return f"{deadline.due.isoformat()} — {deadline.title} — {when}"
