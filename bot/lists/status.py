"""The state of the list in use: which version, how old, whether answers may rely on it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from storage.importer import current_snapshot, generation
from storage.models import ImportRun, ListSnapshot


@dataclass(frozen=True)
class ListStatus:
    snapshot: ListSnapshot | None
    checked_at: datetime | None  # last time an import confirmed this content (applied or unchanged)
    now: datetime
    stale_after: timedelta
    last_run: ImportRun | None

    @property
    def version(self) -> str | None:
        return self.snapshot.version if self.snapshot else None

    @property
    def age(self) -> timedelta | None:
        return (self.now - self.checked_at) if self.checked_at else None

    @property
    def empty(self) -> bool:
        return self.snapshot is None or self.snapshot.record_count == 0

    @property
    def stale(self) -> bool:
        return self.age is not None and self.age > self.stale_after

    @property
    def problem(self) -> str | None:
        """Why answers cannot rely on the list, or None when they can."""
        if self.empty:
            return (
                "No screening list is loaded. An admin must import one: "
                "`canweship import <file or URL>` or `canweship sync`."
            )
        if self.stale:
            return (
                f"The screening list is {human_age(self.age)} old (limit "
                f"{human_age(self.stale_after)}). An admin must refresh it: `canweship sync`."
            )
        return None


# Per-process cache of the list in use: a snapshot never changes once written, and freshness is
# measured in days, so answers need not ask the database every time. An import in this process
# invalidates it at once (storage.importer.generation); other processes' imports are seen within
# CACHE_SECONDS.
CACHE_SECONDS = 2.0
_cache: dict[tuple[str, int], tuple[float, ListSnapshot | None, datetime | None]] = {}
_cache_lock = threading.Lock()


def read_list_status(
    session: Session, *, now: datetime, stale_after: timedelta, include_last_run: bool = False
) -> ListStatus:
    key = (str(session.get_bind().url), generation())
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        _, snapshot, checked_at = cached
    else:
        snapshot, checked_at = _load(session)
        with _cache_lock:
            _cache.clear()
            _cache[key] = (time.monotonic() + CACHE_SECONDS, snapshot, checked_at)
    last_run = None
    if include_last_run:
        last_run = session.execute(
            select(ImportRun).order_by(ImportRun.id.desc()).limit(1)  # type: ignore[union-attr]
        ).scalar_one_or_none()
    return ListStatus(
        snapshot=snapshot,
        checked_at=checked_at,
        now=now,
        stale_after=stale_after,
        last_run=last_run,
    )


def _load(session: Session) -> tuple[ListSnapshot | None, datetime | None]:
    snapshot = current_snapshot(session)
    if snapshot is None:
        return None, None
    session.expunge(snapshot)
    # The list is as young as the latest moment it was known to be current: a download (sync, or
    # an import from a URL) vouches for its own time; a file vouches for its stated publication
    # date, or for when that file was first seen, so re-importing an old file never freshens it.
    checked_at = (
        session.execute(
            select(func.max(func.coalesce(ImportRun.as_of, ImportRun.finished_at)))
            .where(ImportRun.snapshot_id == snapshot.id)
            .where(ImportRun.status.in_(("applied", "unchanged")))  # type: ignore[attr-defined]
        ).scalar_one_or_none()
        or snapshot.imported_at
    )
    return snapshot, checked_at


def human_age(delta: timedelta | None) -> str:
    """`3 days`, `5 hours`, `12 minutes`, `just now`."""
    if delta is None:
        return "unknown"
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "just now" if seconds < 60 else f"{seconds} seconds"
