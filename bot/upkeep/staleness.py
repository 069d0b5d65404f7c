"""Tell admins once when the list goes stale, and once when it is fresh again.

Answers already fail closed on a stale list (bot/answers/verdicts.py turns `clear` into
`unavailable`); what this adds is that someone who can fix it hears about it, once per incident
rather than once per question. It runs from the scheduler and whenever an answer came out
`unavailable`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bot.answers.screener import list_status
from bot.authz import admin_ids
from bot.config import Settings
from bot.lists.alerts import close_incident, open_incident
from bot.lists.status import human_age
from storage.types import utcnow

STALE = "stale"
LIST_KEY = "list"


def check_freshness(engine: Engine, settings: Settings, *, now: datetime | None = None) -> str:
    """`stale` (incident opened now), `still_stale`, `fresh_again`, `fresh` or `empty`."""
    now = now or utcnow()
    status = list_status(engine, settings, now)
    payload = {
        "version": status.version,
        "age": human_age(status.age),
        "limit": human_age(settings.stale_after),
        "checked_at": status.checked_at.isoformat() if status.checked_at else None,
        "sync_url": settings.sync_url,
    }
    if status.empty:
        return "empty"
    if status.stale:
        opened = open_incident(
            engine,
            settings,
            kind=STALE,
            key=LIST_KEY,
            detail=f"list {status.version} is {payload['age']} old (limit {payload['limit']})",
            payload=payload,
            dm_users=tuple(sorted(admin_ids(engine, settings))),
            now=now,
        )
        return "stale" if opened else "still_stale"
    closed = close_incident(engine, settings, kind=STALE, key=LIST_KEY, payload=payload, now=now)
    return "fresh_again" if closed else "fresh"
