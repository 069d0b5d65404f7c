"""Download the official list and apply it, or keep the list in use and say why.

A conditional GET (ETag / Last-Modified) makes an unchanged list cost one small request. Transient
failures (timeouts, 5xx, cut connections) are retried with exponential backoff; if they persist
the sync fails, the list in use is kept, and one alert opens a `sync_failure` incident (one more
when it recovers). A download that arrives but looks wrong — unparseable, or with far fewer
records than the list in use — is quarantined: saved aside, never applied, told once per incident.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, or_, update
from sqlmodel import Session

from bot.answers.screener import list_status
from bot.audit import Actor, record_audit
from bot.config import Settings
from bot.lists.alerts import close_incident, deliver, open_incident, upsert_ignore
from bot.lists.fetch import DEFAULT_FETCH, FetchError, FetchOptions, fetch
from bot.lists.status import human_age
from bot.reviews.cases import notify_outcomes, recheck
from bot.screening.normalize import NORMALIZER_VERSION, normalize_name
from bot.upkeep.changes import note_current_change, process_changes, record_change
from bot.upkeep.staleness import check_freshness
from storage.csl import ListFormatError, read_bytes
from storage.db import writer
from storage.importer import (
    ImportReport,
    apply_list,
    current_snapshot,
    record_failure,
    shrink_refusal,
)
from storage.models import ImportRun
from storage.models_sync import SyncState
from storage.types import utcnow

log = logging.getLogger(__name__)
SYNC_FAILURE, QUARANTINE = "sync_failure", "quarantine"


@dataclass
class SyncResult:
    status: str  # applied | unchanged | not_modified | failed | quarantined | skipped
    url: str
    message: str
    report: ImportReport | None = None
    changes: list[dict[str, Any]] | None = None


def sync_due(engine: Engine, settings: Settings, *, now: datetime | None = None) -> bool:
    """A scheduled sync is due when the list in use was last confirmed an interval ago (or there
    is none). Keyed on the list, not on each process's clock: restarts do not download again."""

    status = list_status(engine, settings, now or utcnow())
    return status.empty or status.age is None or status.age >= settings.sync_interval


def claim_scheduled_sync(
    engine: Engine, *, url: str, owner: str, now: datetime, interval: timedelta
) -> bool:
    """One scheduled attempt at a time across all processes; after a failure the next one waits
    half an interval (at most 30 minutes) so an outage upstream is not hammered."""
    gap = min(interval * 0.5, timedelta(minutes=30))
    table = SyncState.__table__  # type: ignore[attr-defined]
    with Session(writer(engine)) as session:
        upsert_ignore(session, SyncState, {"url": url, "failures": 0}, ["url"])
        won = session.execute(
            update(table)
            .where(table.c.url == url)
            .where(or_(table.c.claimed_at.is_(None), table.c.claimed_at <= now - gap))
            .values(claimed_by=owner, claimed_at=now)
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
    return bool(won)


def sync(
    *,
    engine: Engine,
    settings: Settings,
    screener: Any = None,
    url: str | None = None,
    actor: str | None = None,
    owner: str = "sync",
    options: FetchOptions = DEFAULT_FETCH,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> SyncResult:
    """Fetch the list (conditionally), check it, apply it; alerts go to the outbox."""
    url = url or settings.sync_url
    actor = actor or "system"
    now = now or utcnow()
    state = _state(engine, url)
    with Session(engine) as session:
        snap = current_snapshot(session)
    validators_apply = snap is not None and state.validated_snapshot_id == snap.id
    try:
        download = fetch(
            url,
            etag=state.etag if validators_apply else None,
            last_modified=state.last_modified if validators_apply else None,
            options=options,
            sleep=sleep,
        )
    except FetchError as exc:
        return _failed(engine, settings, url, actor, str(exc), now)
    if download.not_modified and snap is None:
        return _failed(engine, settings, url, actor, f"{url}: 304 but no list is loaded", now)
    if download.not_modified:
        assert snap is not None
        _record_run(engine, url, actor, "unchanged", snapshot_id=snap.id, error=None)
        _save_state(engine, url, status="not_modified", now=now, ok=True)
        _recovered(engine, settings, url, now)
        return SyncResult("not_modified", url, f"{url}: not modified; list {snap.version} kept")
    try:
        parsed = read_bytes(download.body, origin=url)
    except ListFormatError as exc:
        return _quarantine(engine, settings, url, actor, download.body, str(exc), snap, now)
    reason = shrink_refusal(parsed, snap, ratio=settings.min_record_ratio, origin=url)
    if reason is not None:
        return _quarantine(engine, settings, url, actor, download.body, reason, snap, now)
    normalize, version = normalize_name, NORMALIZER_VERSION
    report = apply_list(
        engine=engine,
        parsed=parsed,
        origin=url,
        normalize=normalize,
        normalizer_version=version,
        actor=actor,
        keep_snapshots=settings.keep_snapshots,
        published_at=_http_date(download.last_modified),
    )
    _save_state(
        engine,
        url,
        status=report.status,
        now=now,
        ok=True,
        etag=download.etag,
        last_modified=download.last_modified,
        snapshot_id=report.snapshot_id,
    )
    _recovered(engine, settings, url, now)
    result = SyncResult(report.status, url, f"{url}: {report.status} ({report.version})", report)
    if report.status == "applied" and report.snapshot_id is not None:
        previous = _snapshot_id(report.previous_version)
        if previous is not None:
            record_change(
                engine, snapshot_id=report.snapshot_id, previous_snapshot_id=previous, now=now
            )
        if screener is not None:
            result.changes = process_changes(engine, settings, screener, owner=owner, now=now)

    check_freshness(engine, settings, now=now)
    return result


def _snapshot_id(version: str | None) -> int | None:
    """`v12-ab34cd56` → 12."""
    if not version or not version.startswith("v"):
        return None
    head = version[1:].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _state(engine: Engine, url: str) -> SyncState:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(SyncState, url) or SyncState(url=url, failures=0)


def _save_state(
    engine: Engine,
    url: str,
    *,
    status: str,
    now: datetime,
    ok: bool,
    error: str | None = None,
    **validators: Any,
) -> None:
    with Session(writer(engine)) as session:
        upsert_ignore(session, SyncState, {"url": url, "failures": 0}, ["url"])
        state = session.get(SyncState, url)
        assert state is not None
        state.last_checked_at, state.last_status, state.last_error = now, status, error
        if ok:
            state.last_success_at, state.failing_since, state.failures = now, None, 0
        else:
            state.failing_since = state.failing_since or now
            state.failures = (state.failures or 0) + 1
        if "snapshot_id" in validators:
            state.etag = validators.get("etag")
            state.last_modified = validators.get("last_modified")
            state.validated_snapshot_id = validators["snapshot_id"]
        session.commit()


def _record_run(
    engine: Engine, url: str, actor: str, status: str, *, snapshot_id: int | None, error: str | None
) -> None:
    with Session(engine) as session:
        session.add(
            ImportRun(
                origin=url,
                actor=actor,
                status=status,
                finished_at=utcnow(),
                snapshot_id=snapshot_id,
                previous_snapshot_id=snapshot_id,
                error=error,
            )
        )
        session.commit()


def _list_payload(engine: Engine, settings: Settings, url: str) -> dict[str, Any]:

    status = list_status(engine, settings)
    return {"url": url, "version": status.version, "age": human_age(status.age)}


def _failed(
    engine: Engine, settings: Settings, url: str, actor: str, error: str, now: datetime
) -> SyncResult:
    record_failure(engine=engine, origin=url, error=error, actor=actor)
    _save_state(engine, url, status="failed", now=now, ok=False, error=error)
    _audit(engine, actor, url, "failed", error)
    open_incident(
        engine,
        settings,
        kind=SYNC_FAILURE,
        key=url,
        detail=error,
        payload=_list_payload(engine, settings, url),
        now=now,
    )
    return SyncResult("failed", url, error)


def _quarantine(
    engine: Engine,
    settings: Settings,
    url: str,
    actor: str,
    body: bytes,
    reason: str,
    snap: Any,
    now: datetime,
) -> SyncResult:
    sha = hashlib.sha256(body).hexdigest()
    saved = _save_quarantined(settings, body, sha)
    with Session(engine) as session:
        session.add(
            ImportRun(
                origin=url,
                actor=actor,
                status="quarantined",
                finished_at=utcnow(),
                file_sha256=sha,
                previous_snapshot_id=snap.id if snap else None,
                error=reason,
            )
        )
        session.commit()
    _save_state(engine, url, status="quarantined", now=now, ok=False, error=reason)
    _audit(engine, actor, url, "quarantined", reason, sha256=sha, saved_as=saved)
    payload = {**_list_payload(engine, settings, url), "sha256": sha, "saved_as": saved}
    open_incident(
        engine, settings, kind=QUARANTINE, key=url, detail=reason, payload=payload, now=now
    )
    return SyncResult("quarantined", url, f"quarantined, not applied: {reason}")


def _save_quarantined(settings: Settings, body: bytes, sha: str) -> str | None:
    """Keep the rejected file for a person to inspect (best effort)."""
    try:
        directory = Path(settings.data_dir) / "quarantine"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{sha[:16]}.bin"
        if not path.exists():
            path.write_bytes(body)
        return str(path)
    except OSError as exc:
        log.warning("could not keep the quarantined download: %s", exc)
        return None


def _recovered(engine: Engine, settings: Settings, url: str, now: datetime) -> None:
    payload = _list_payload(engine, settings, url)
    for kind in (SYNC_FAILURE, QUARANTINE):
        close_incident(engine, settings, kind=kind, key=url, payload=payload, now=now)


def _audit(engine: Engine, actor: str, url: str, status: str, error: str, **extra: Any) -> None:
    with Session(engine) as session:
        record_audit(
            session,
            Actor(user=actor, kind="system" if actor == "system" else "cli"),
            "list.sync",
            subject=url,
            detail={"status": status, "error": error, **extra},
        )
        session.commit()


def list_upkeep(
    *,
    engine: Engine,
    settings: Settings,
    screener: Any,
    notifier: Any,
    owner: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What every process does on each tick: notice staleness, process list changes (also those
    applied by `canweship import`), and post pending list alerts. All exactly-once."""

    now = now or utcnow()
    freshness = check_freshness(engine, settings, now=now)
    note_current_change(engine, now=now)
    changes = process_changes(engine, settings, screener, owner=owner, now=now)
    reviews = _review_upkeep(engine, settings, screener, now)
    delivered = deliver(engine, settings, notifier, owner=owner, now=now) if notifier else None
    return {
        "freshness": freshness,
        "changes": changes,
        "reviews": reviews,
        "delivered": delivered,
    }


def _review_upkeep(engine: Engine, settings: Settings, screener: Any, now: datetime) -> Any:
    """Lapse review decisions (expiry, changed records) and tell askers decided outcomes.
    A failure here is logged and retried next tick; answers never rely on it (they check each
    decision's fingerprint themselves)."""
    try:
        report = recheck(engine, settings, now=now)
        told = notify_outcomes(engine, settings, screener, now=now) if screener else 0
    except Exception:
        log.exception("review upkeep failed")
        return None
    return {
        "lapsed": report.lapsed,
        "removed": report.removed,
        "reopened": report.reopened,
        "told": told,
    }
