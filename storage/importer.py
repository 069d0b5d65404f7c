"""Apply a parsed list as a new snapshot, atomically, and report what changed per source.

Everything happens in one transaction under a write lock: a failure or a killed process leaves the
list in use exactly as it was. Identical content creates no snapshot at all.

Why one module (~420 lines): `apply_list` is one transaction (lock, shrink refusal, diff,
bulk write, generation bump) and its helpers (`_diff`, `_write_entries`, `_copy`, `_entry_row`)
exist only for it; reading a source, pruning and recording a failure are short and follow the same
snapshot rules. A split would cut the transaction's steps across modules.
"""

from __future__ import annotations

import getpass
import json
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Engine, delete, func, insert, select, text
from sqlmodel import Session

from storage.csl import CslRecord, ListFormatError, ParsedList, iter_names, read_bytes
from storage.db import writer
from storage.models import AuditEvent, Entry, EntryName, ImportRun, ListSnapshot
from storage.types import utcnow

ProgressFn = Callable[[int, int], None]
_IMPORT_LOCK_KEY = 0x63616E78
_BATCH = 2000


_generation = 0


def generation() -> int:
    """Bumped by every import in this process, so caches of the list in use can tell."""
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


class ListSourceError(ValueError):
    """The file or URL could not be read at all."""


@dataclass
class ImportReport:
    status: str  # "applied" | "unchanged"
    origin: str
    layout: str
    record_count: int
    snapshot_id: int | None
    version: str | None
    previous_version: str | None
    by_source: dict[str, dict[str, int]]
    added_keys: list[tuple[str, str]] = field(default_factory=list)
    removed_keys: list[tuple[str, str]] = field(default_factory=list)
    changed_keys: list[tuple[str, str]] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        out = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
        for counts in self.by_source.values():
            for k in out:
                out[k] += counts.get(k, 0)
        return out


def read_source(path_or_url: str, *, timeout: float = 60.0) -> bytes:
    """Read a local file or download a URL; failures become one-line ListSourceErrors."""
    if path_or_url.startswith(("http://", "https://")):
        request = urllib.request.Request(path_or_url, headers={"User-Agent": "canweship"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise ListSourceError(f"{path_or_url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ListSourceError(f"{path_or_url}: unreachable ({reason})") from exc
    path = Path(path_or_url).expanduser()
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ListSourceError(f"{path_or_url}: no such file") from exc
    except IsADirectoryError as exc:
        raise ListSourceError(f"{path_or_url}: is a directory, not a file") from exc
    except OSError as exc:
        raise ListSourceError(f"{path_or_url}: cannot read ({exc.strerror})") from exc


def load_list(path_or_url: str) -> ParsedList:
    """Read and parse; raises ListSourceError or ListFormatError with a one-line message."""
    return read_bytes(read_source(path_or_url), origin=path_or_url)


def first_seen(session: Session, file_sha256: str) -> datetime | None:
    """When this very file was first applied or confirmed (re-importing it never makes it
    younger), or None for a file never seen."""
    return session.execute(
        select(func.min(func.coalesce(ImportRun.as_of, ImportRun.finished_at))).where(
            ImportRun.file_sha256 == file_sha256,
            ImportRun.status.in_(("applied", "unchanged")),  # type: ignore[attr-defined]
        )
    ).scalar_one_or_none()


def current_snapshot(session: Session) -> ListSnapshot | None:
    """The list in use: the newest committed snapshot."""
    return (
        session.exec(  # type: ignore[call-overload]
            select(ListSnapshot).order_by(ListSnapshot.id.desc()).limit(1)  # type: ignore[union-attr]
        )
        .scalars()
        .first()
    )


# A source is taken as vanishing only past a handful of records: single delistings are routine.
MIN_SOURCE_LOSS = 10


def shrink_refusal(
    parsed: ParsedList, snapshot: ListSnapshot | None, *, ratio: float, origin: str
) -> str | None:
    """Why `parsed` must not replace the list in use, or None. The one guard of `sync` and
    `import`: a list with fewer than `ratio` of the records in use, or one that loses more than
    `1 - ratio` of a source's records (at least MIN_SOURCE_LOSS of them), looks wrong."""
    if snapshot is None or not snapshot.record_count:
        return None
    total = len(parsed.records)
    if total < ratio * snapshot.record_count:
        return (
            f"{origin}: {total:,} records, far fewer than the {snapshot.record_count:,} of the "
            f"list in use (minimum {ratio:.0%}, CANWESHIP_MIN_RECORD_RATIO)"
        )
    kept = Counter(record.source for record in parsed.records)
    for source, before in sorted((snapshot.counts or {}).items()):
        lost = before - kept.get(source, 0)
        if lost >= MIN_SOURCE_LOSS and kept.get(source, 0) < ratio * before:
            return (
                f"{origin}: {source} would lose {lost:,} of its {before:,} records (at most "
                f"{1 - ratio:.0%} may disappear, CANWESHIP_MIN_RECORD_RATIO)"
            )
    return None


def _entry_row(record: CslRecord, snapshot_id: int) -> dict[str, Any]:
    return {
        "snapshot_id": snapshot_id,
        "source": record.source,
        "source_name": record.source_name,
        "list_id": record.list_id,
        "fingerprint": record.fingerprint(),
        "name": record.name,
        **record.scalars,
        **{k: v for k, v in record.lists.items()},
        "addresses": record.addresses,
        "countries": record.countries,
        "ids": record.ids,
    }


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _IMPORT_LOCK_KEY})
    # SQLite: the session's engine is `writer(engine)`, whose BEGIN IMMEDIATE is the lock.


def apply_list(
    *,
    engine: Engine,
    parsed: ParsedList,
    origin: str,
    normalize: Callable[[str], str],
    normalizer_version: str,
    actor: str | None = None,
    keep_snapshots: int = 3,
    progress: ProgressFn | None = None,
    published_at: datetime | None = None,
    forced: str | None = None,
    as_of: datetime | None = None,
) -> ImportReport:
    """Store `parsed` as the list in use unless it equals the current one. All or nothing."""
    actor = actor or getpass.getuser()
    started = utcnow()
    content_sha = parsed.content_sha256()
    with Session(writer(engine), expire_on_commit=False) as session:
        _lock(session)
        previous = current_snapshot(session)
        old: dict[tuple[str, str], str] = {}
        if previous is not None:
            rows = session.execute(
                select(Entry.source, Entry.list_id, Entry.fingerprint).where(
                    Entry.snapshot_id == previous.id
                )
            )
            old = {(s, i): fp for s, i, fp in rows}
        report = _diff(parsed.records, old, origin=origin, layout=parsed.layout)
        report.previous_version = previous.version if previous else None
        unchanged = previous is not None and previous.content_sha256 == content_sha
        if unchanged:
            report.status = "unchanged"
            report.snapshot_id = previous.id if previous else None
            report.version = report.previous_version
        else:
            snapshot = ListSnapshot(
                origin=origin,
                layout=parsed.layout,
                file_sha256=parsed.file_sha256,
                content_sha256=content_sha,
                record_count=len(parsed.records),
                counts={s: sum(c.values()) - c["removed"] for s, c in report.by_source.items()},
                normalizer_version=normalizer_version,
                imported_by=actor,
                published_at=published_at,
            )
            snapshot.counts = {s: n for s, n in snapshot.counts.items() if n}
            session.add(snapshot)
            session.flush()
            assert snapshot.id is not None
            snapshot.names_count = _write_entries(
                session, parsed.records, snapshot.id, normalize, progress
            )
            report.snapshot_id = snapshot.id
            report.version = snapshot.version
        totals = report.totals()
        session.add(
            ImportRun(
                started_at=started,
                finished_at=utcnow(),
                as_of=as_of,
                origin=origin,
                actor=actor,
                status=report.status,
                layout=parsed.layout,
                file_sha256=parsed.file_sha256,
                snapshot_id=report.snapshot_id,
                previous_snapshot_id=previous.id if previous else None,
                record_count=len(parsed.records),
                by_source=report.by_source,
                **totals,
            )
        )
        session.add(
            AuditEvent(
                actor=actor,
                actor_kind="cli" if actor != "system" else "system",
                action="list.import",
                subject=origin,
                list_version=report.version,
                detail={
                    "status": report.status,
                    "previous": report.previous_version,
                    **totals,
                    **({"forced": forced} if forced else {}),
                },
            )
        )
        session.commit()
    _bump()
    if report.status == "applied":
        prune_snapshots(engine=engine, keep=keep_snapshots)
    return report


def _diff(
    records: list[CslRecord], old: dict[tuple[str, str], str], *, origin: str, layout: str
) -> ImportReport:
    by_source: dict[str, dict[str, int]] = defaultdict(
        lambda: {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
    )
    report = ImportReport(
        status="applied",
        origin=origin,
        layout=layout,
        record_count=len(records),
        snapshot_id=None,
        version=None,
        previous_version=None,
        by_source=by_source,
    )
    seen: set[tuple[str, str]] = set()
    for record in records:
        seen.add(record.key)
        before = old.get(record.key)
        if before is None:
            by_source[record.source]["added"] += 1
            report.added_keys.append(record.key)
        elif before != record.fingerprint():
            by_source[record.source]["changed"] += 1
            report.changed_keys.append(record.key)
        else:
            by_source[record.source]["unchanged"] += 1
    for key in old.keys() - seen:
        by_source[key[0]]["removed"] += 1
        report.removed_keys.append(key)
    report.by_source = dict(sorted(by_source.items()))
    return report


def _write_entries(
    session: Session,
    records: list[CslRecord],
    snapshot_id: int,
    normalize: Callable[[str], str],
    progress: ProgressFn | None,
) -> int:
    entry_table = Entry.__table__  # type: ignore[attr-defined]
    name_table = EntryName.__table__  # type: ignore[attr-defined]
    postgres = session.get_bind().dialect.name == "postgresql"
    names_written = 0
    total = len(records)
    for start in range(0, total, _BATCH):
        batch = records[start : start + _BATCH]
        entry_rows = [_entry_row(r, snapshot_id) for r in batch]
        if postgres:
            ids = (
                session.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('entry', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": len(batch)},
                )
                .scalars()
                .all()
            )
            for row, entry_id in zip(entry_rows, ids, strict=True):
                row["id"] = entry_id
            _copy(session, entry_table, entry_rows)
        else:
            insert_returning = insert(entry_table).returning(
                entry_table.c.id, sort_by_parameter_order=True
            )
            ids = session.execute(insert_returning, entry_rows).scalars().all()
        name_rows = [
            {
                "snapshot_id": snapshot_id,
                "entry_id": entry_id,
                "name": name,
                "normalized": normalize(name),
                "is_primary": primary,
            }
            for record, entry_id in zip(batch, ids, strict=True)
            for name, primary in iter_names(record)
        ]
        if postgres:
            _copy(session, name_table, name_rows)
        else:
            session.execute(insert(name_table), name_rows)
        names_written += len(name_rows)
        if progress:
            progress(min(start + _BATCH, total), total)
    return names_written


def _copy(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY: an order of magnitude faster than multi-row INSERT for whole lists."""
    columns = [c.name for c in table.columns if c.name in rows[0]] if rows else []
    if not rows:
        return
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                    for c in columns
                ]
            )


def prune_snapshots(*, engine: Engine, keep: int) -> int:
    """Drop snapshots older than the newest `keep` (audit rows keep their own evidence)."""
    with Session(engine) as session:
        ids = (
            session.execute(
                select(ListSnapshot.id).order_by(ListSnapshot.id.desc()).offset(max(keep, 1))  # type: ignore[union-attr]
            )
            .scalars()
            .all()
        )
        if not ids:
            return 0
        session.execute(delete(EntryName).where(EntryName.snapshot_id.in_(ids)))  # type: ignore[attr-defined]
        session.execute(delete(Entry).where(Entry.snapshot_id.in_(ids)))  # type: ignore[attr-defined]
        session.execute(delete(ListSnapshot).where(ListSnapshot.id.in_(ids)))  # type: ignore[union-attr]
        session.commit()
        return len(ids)


def record_failure(*, engine: Engine, origin: str, error: str, actor: str | None = None) -> None:
    """Keep a failed attempt in the import history (the list in use is untouched)."""
    with Session(engine) as session:
        session.add(
            ImportRun(
                origin=origin,
                actor=actor or getpass.getuser(),
                status="failed",
                finished_at=utcnow(),
                error=error,
            )
        )
        session.commit()


__all__ = [
    "ImportReport",
    "ListFormatError",
    "ListSourceError",
    "apply_list",
    "current_snapshot",
    "load_list",
    "prune_snapshots",
    "read_source",
    "record_failure",
    "shrink_refusal",
]
