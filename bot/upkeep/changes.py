"""Each applied list change is processed once: a change alert, then re-screening counterparties.

The change is a `list_change` row keyed by the new snapshot. Whoever applied the list creates it;
the scheduler also creates one for a list applied another way (`canweship import`). Processing
claims the row with a conditional UPDATE and a lease, computes the diff from the store, re-screens
counterparties against what changed, and enqueues the alerts (unique keys) in the same transaction
that marks the row done. A process that dies half-way leaves a claim another one retries, and
retrying cannot post twice.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from bot.config import Settings
from bot.lists.alerts import enqueue, upsert_ignore
from bot.lists.changeset import ChangedRecord, ChangeSet
from bot.upkeep.ownership import owners_named, rescreen_owned
from bot.upkeep.rescreen import _changed_names, finding_alerts, rescreen
from storage.claims import claim_batch, pending_or_lapsed
from storage.db import writer
from storage.importer import current_snapshot
from storage.models import Entry, ListSnapshot
from storage.models_sync import ListChange
from storage.types import utcnow

log = logging.getLogger(__name__)
MAX_LISTED = 500  # names shown per change alert (10 in the message, the rest in the thread)


def record_change(
    engine: Engine, *, snapshot_id: int, previous_snapshot_id: int | None, now: datetime
) -> bool:
    """Note an applied change for processing; harmless if already noted."""
    with Session(writer(engine)) as session:
        created = upsert_ignore(
            session,
            ListChange,
            {
                "snapshot_id": snapshot_id,
                "previous_snapshot_id": previous_snapshot_id,
                "status": "pending",
                "created_at": now,
            },
            ["snapshot_id"],
        )
        session.commit()
    return created


def note_current_change(engine: Engine, *, now: datetime | None = None) -> bool:
    """Catch up with a list applied without a sync (e.g. `canweship import`): only the list in
    use, and only when the one before it is still stored to compare with."""
    now = now or utcnow()
    with Session(engine) as session:
        snap = current_snapshot(session)
        if snap is None or session.get(ListChange, snap.id) is not None:
            return False
        previous = session.execute(
            select(ListSnapshot.id)
            .where(ListSnapshot.id < snap.id)  # type: ignore[operator]
            .order_by(ListSnapshot.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).scalar_one_or_none()
    if previous is None or snap.id is None:
        return False
    return record_change(engine, snapshot_id=snap.id, previous_snapshot_id=previous, now=now)


def compute_changes(engine: Engine, snapshot_id: int, previous_id: int | None) -> ChangeSet:
    """Diff two stored snapshots by record fingerprint."""
    with Session(engine) as session:
        new = session.get(ListSnapshot, snapshot_id)
        old = session.get(ListSnapshot, previous_id) if previous_id else None
        if previous_id and old is None:
            # Pruned already (CANWESHIP_KEEP_SNAPSHOTS=1): diffing against nothing would call
            # every record "added" and re-screen everyone, so the change is not itemized.
            log.warning(
                "list %s: previous snapshot %s is gone; no change alert", snapshot_id, previous_id
            )
            return ChangeSet(snapshot_id, previous_id, new.version if new else None, None)
        columns = (
            Entry.source,
            Entry.list_id,
            Entry.fingerprint,
            Entry.id,
            Entry.name,
            Entry.federal_register_notice,
        )
        rows_new = {
            (s, i): (fp, eid, name, cite)
            for s, i, fp, eid, name, cite in session.execute(
                select(*columns).where(Entry.snapshot_id == snapshot_id)
            )
        }
        rows_old = (
            {
                (s, i): (fp, eid, name, cite)
                for s, i, fp, eid, name, cite in session.execute(
                    select(*columns).where(Entry.snapshot_id == previous_id)
                )
            }
            if old is not None
            else {}
        )
    changes = ChangeSet(
        snapshot_id=snapshot_id,
        previous_snapshot_id=previous_id,
        version=new.version if new else None,
        previous_version=old.version if old else None,
    )
    for key, (fp, eid, name, cite) in rows_new.items():
        before = rows_old.get(key)
        if before is None or before[0] != fp:
            kind = "added" if before is None else "changed"
            changes.records.append(ChangedRecord(kind, key[0], key[1], name, cite, eid))
    for key, (_, _, name, cite) in rows_old.items():
        if key not in rows_new:
            changes.records.append(ChangedRecord("removed", key[0], key[1], name, cite, None))
    order = {"added": 0, "changed": 1, "removed": 2}
    changes.records.sort(key=lambda r: (r.source, order[r.kind], r.name.casefold()))
    return changes


def claim_change(engine: Engine, *, owner: str, now: datetime, lease: Any) -> int | None:
    """Claim the oldest unprocessed change; the snapshot id, or None."""
    table = ListChange.__table__  # type: ignore[attr-defined]
    claimed = claim_batch(
        engine,
        table,
        key=table.c.snapshot_id,
        due=pending_or_lapsed(table, now, lease),
        order_by=(table.c.snapshot_id,),
        owner=owner,
        now=now,
        batch=1,
    )
    return claimed[0] if claimed else None


def change_payload(changes: ChangeSet, origin: str | None) -> dict[str, Any]:
    shown = changes.records[:MAX_LISTED]
    return {
        "version": changes.version,
        "previous_version": changes.previous_version,
        "origin": origin,
        "by_source": changes.by_source(),
        "records": [r.as_json() for r in shown],
        "not_listed": len(changes.records) - len(shown),
    }


def process_changes(
    engine: Engine,
    settings: Settings,
    screener: Any,
    *,
    owner: str,
    now: datetime | None = None,
    max_changes: int = 5,
) -> list[dict[str, Any]]:
    """Process pending list changes (bounded); returns each one's summary."""

    now = now or utcnow()
    done: list[dict[str, Any]] = []
    with Session(engine) as session:  # most ticks have nothing to do: no write lock for that
        waiting = session.execute(
            select(ListChange.snapshot_id).where(ListChange.status != "done").limit(1)
        ).first()
    if waiting is None:
        return done
    for _ in range(max_changes):
        snapshot_id = claim_change(engine, owner=owner, now=now, lease=settings.claim_lease)
        if snapshot_id is None:
            break
        with Session(engine) as session:
            row = session.get(ListChange, snapshot_id)
            snap = session.get(ListSnapshot, snapshot_id)
            previous_id = row.previous_snapshot_id if row else None
            origin = snap.origin if snap else None
        started = time.perf_counter()
        changes = compute_changes(engine, snapshot_id, previous_id)
        report = rescreen(engine, settings, screener, changes, now=now)
        # A record added or changed may be an owner on record: what it owns, directly or
        # not, is re-screened too (alerts keyed by the snapshot, so a retry posts nothing twice).
        touched = [r.entry_key for r in changes.records if r.entry_key is not None]
        owners = owners_named(engine, settings, _changed_names(engine, touched), now=now)
        owned = rescreen_owned(
            engine,
            settings,
            screener,
            owners,
            now=now,
            key=f"list:{snapshot_id}",
            why=f"list {changes.version} lists an owner on record",
            owners=True,
        )
        summary = {
            "version": changes.version,
            "previous_version": changes.previous_version,
            "by_source": changes.by_source(),
            "candidates": report.candidates,
            "counterparties": report.counterparties,
            "findings": len(report.findings),
            "owned_rescreened": owned.counterparties,
            "owned_findings": len(owned.findings),
            "seconds": round(time.perf_counter() - started, 3),
        }
        with Session(writer(engine)) as session:
            still_mine = session.execute(
                update(ListChange)
                .where(ListChange.snapshot_id == snapshot_id)
                .where(ListChange.status == "claimed", ListChange.claimed_by == owner)
                .values(status="done", done_at=utcnow(), summary=summary)
            ).rowcount  # type: ignore[attr-defined]
            if not still_mine:
                session.rollback()  # our lease ran out and someone else took over
                continue
            if changes.records and changes.previous_snapshot_id is not None:
                enqueue(
                    session,
                    key=f"change:{snapshot_id}",
                    kind="list_change",
                    target=settings.alert_channel,
                    payload=change_payload(changes, origin),
                    now=now,
                )
            for key, kind, target, payload in finding_alerts(changes, report.findings):
                target = target or settings.alert_channel
                enqueue(session, key=key, kind=kind, target=target, payload=payload, now=now)
            report.apply(session)
            session.commit()
        log.info("list change %s processed: %s", changes.version, summary)
        done.append(summary)
    return done
