"""Ownership on record: add, change, remove, list and import edges; every change audited.

Names are kept as given and keyed by the screening engine's normalised form, so one party
written two ways is one party. A bad row in an import names the row and changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, or_, select, update
from sqlmodel import Session

from bot.audit import Actor, record_audit
from bot.screening.country_field import country_code
from bot.screening.normalize import normalize_name
from storage.db import writer
from storage.models_ownership import OwnershipEdge
from storage.types import utcnow
from storage.versioning import OWNERSHIP, bump

MAX_NAME = 300
MAX_ROWS = 500_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
UNKNOWN = frozenset({"", "unknown", "?", "n/a", "na", "unk"})
COLUMNS = ("owned", "owner", "percent")
OPTIONAL = ("country", "cite", "as_of", "direct")


class OwnershipError(ValueError):
    """Bad input about ownership; one line, safe to show."""


@dataclass(frozen=True)
class EdgeIn:
    owned: str
    owned_key: str
    owner: str
    owner_key: str
    percent: float | None
    direct: bool = True
    country: str | None = None
    cite: str | None = None
    as_of: date | None = None

    def values(self) -> dict[str, Any]:
        return {
            "owned": self.owned,
            "owned_key": self.owned_key,
            "owner": self.owner,
            "owner_key": self.owner_key,
            "percent": self.percent,
            "direct": self.direct,
            "country": self.country,
            "cite": self.cite,
            "as_of": self.as_of,
        }


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    owned_keys: set[str] = field(default_factory=set)  # parties whose owners changed


def _name(value: str | None, what: str) -> tuple[str, str]:
    display = " ".join((value or "").split())
    if not display:
        raise OwnershipError(f"give the {what}'s name")
    if len(display) > MAX_NAME or _CONTROL.search(display):
        raise OwnershipError(f"the {what} “{display[:40]}…” is not a name")
    key = normalize_name(display)
    if not key.strip():
        raise OwnershipError(f"the {what} “{display}” has no letters or digits")
    return display, key


def parse_percent(value: str | float | None) -> float | None:
    """ "60", "60%", "60.5" -> a share; "", "unknown" -> None (a share not known)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = value.strip().rstrip("%").strip().casefold()
        if text in UNKNOWN:
            return None
        try:
            number = float(text)
        except ValueError:
            raise OwnershipError(
                f"percent “{value}” is not a number from 0 to 100 (or “unknown”)"
            ) from None
    if not 0 < number <= 100:
        raise OwnershipError(f"percent {number:g} is not above 0 and at most 100")
    return number


def _as_of(value: str | None) -> date | None:
    if not (value or "").strip():
        return None
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise OwnershipError(f"as-of “{value}” is not a date (YYYY-MM-DD)") from None


def _direct(value: str | None) -> bool:
    text = (value or "").strip().casefold()
    if text in ("", "yes", "y", "true", "1", "direct"):
        return True
    if text in ("no", "n", "false", "0", "indirect"):
        return False
    raise OwnershipError(f"direct “{value}” is not yes or no")


def edge_in(
    *,
    owned: str | None,
    owner: str | None,
    percent: str | float | None,
    country: str | None = None,
    cite: str | None = None,
    as_of: str | None = None,
    direct: str | None = None,
) -> EdgeIn:
    """One edge from what a person typed, or OwnershipError saying what is wrong."""
    owned_name, owned_key = _name(owned, "owned party")
    owner_name, owner_key = _name(owner, "owner")
    if owned_key == owner_key:
        raise OwnershipError(f"“{owned_name}” cannot own itself")
    code = None
    if (country or "").strip():
        code = country_code(country)
        if code is None:
            raise OwnershipError(f"unknown country “{country}”: use an ISO code such as CN")
    cite_text = " ".join((cite or "").split()) or None
    if cite_text and (len(cite_text) > 500 or _CONTROL.search(cite_text)):
        raise OwnershipError("the cite is too long or has control characters")
    return EdgeIn(
        owned=owned_name,
        owned_key=owned_key,
        owner=owner_name,
        owner_key=owner_key,
        percent=parse_percent(percent),
        direct=_direct(direct),
        country=code,
        cite=cite_text,
        as_of=_as_of(as_of),
    )


def _save(session: Session, edges: list[EdgeIn], actor: Actor, report: ImportReport) -> None:
    """Insert new pairs, update changed ones (core statements: an import may be 100,000)."""
    table = OwnershipEdge.__table__  # type: ignore[attr-defined]
    existing: dict[tuple[str, str], tuple[Any, ...]] = {}
    owned_keys = sorted({e.owned_key for e in edges})
    for start in range(0, len(owned_keys), 1000):
        chunk = owned_keys[start : start + 1000]
        for row in session.execute(
            select(
                table.c.id,
                table.c.owned_key,
                table.c.owner_key,
                table.c.percent,
                table.c.direct,
                table.c.country,
                table.c.cite,
                table.c.as_of,
            ).where(table.c.owned_key.in_(chunk))
        ):
            existing[(row.owned_key, row.owner_key)] = tuple(row)
    now = utcnow()
    new: dict[tuple[str, str], dict[str, Any]] = {}
    changed: list[dict[str, Any]] = []
    for e in edges:
        pair = (e.owned_key, e.owner_key)
        before = existing.get(pair)
        if before is None:
            new[pair] = {
                **e.values(),
                "added_by": actor.user,
                "added_kind": actor.kind,
                "added_at": now,
            }
            continue
        if tuple(before[3:]) == (e.percent, e.direct, e.country, e.cite, e.as_of):
            report.unchanged += 1
            continue
        changed.append(
            {
                "_id": before[0],
                **e.values(),
                "added_by": actor.user,
                "added_kind": actor.kind,
                "added_at": now,
            }
        )
        report.owned_keys.add(e.owned_key)
    if new:
        session.execute(insert(table), list(new.values()))
        report.added += len(new)
        report.owned_keys.update(k[0] for k in new)
    if changed:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in changed[0] if c != "_id"})
        )
        session.connection().execute(stmt, changed)
        report.changed += len(changed)
    if new or changed:
        bump(session, OWNERSHIP)


def add_owner(engine: Engine, edge: EdgeIn, *, actor: Actor) -> tuple[dict[str, Any], str]:
    """Record (or change) one edge; returns it and "added" / "changed" / "unchanged"."""
    report = ImportReport(rows=1)
    with Session(writer(engine)) as session:
        _save(session, [edge], actor, report)
        state = "added" if report.added else "changed" if report.changed else "unchanged"
        if state != "unchanged":
            record_audit(
                session,
                actor,
                "ownership_add" if state == "added" else "ownership_change",
                subject=edge.owned,
                detail={
                    k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in edge.values().items()
                },
            )
        session.commit()
    return edge_json(edge), state


def remove_owner(engine: Engine, *, owned: str, owner: str, actor: Actor) -> dict[str, Any]:
    """Remove the edge between two parties; OwnershipError when there is none."""
    owned_name, owned_key = _name(owned, "owned party")
    owner_name, owner_key = _name(owner, "owner")
    with Session(writer(engine)) as session:
        row = session.execute(
            select(OwnershipEdge).where(
                OwnershipEdge.owned_key == owned_key, OwnershipEdge.owner_key == owner_key
            )
        ).scalar_one_or_none()
        if row is None:
            raise OwnershipError(f"no ownership of “{owned_name}” by “{owner_name}” on record")
        gone = _row_json(row)
        session.delete(row)
        record_audit(session, actor, "ownership_remove", subject=row.owned, detail=gone)
        session.commit()
    return gone


def list_ownership(
    engine: Engine, party: str | None = None, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """Edges on record (those of `party`, as owned or as owner, when given), by owned party."""
    query = select(OwnershipEdge).order_by(OwnershipEdge.owned_key, OwnershipEdge.owner_key)  # type: ignore[arg-type]
    if party:
        _, key = _name(party, "party")
        query = query.where(or_(OwnershipEdge.owned_key == key, OwnershipEdge.owner_key == key))
    if limit:
        query = query.limit(limit)
    with Session(engine) as session:
        return [_row_json(r) for r in session.execute(query).scalars()]


def count_edges(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(OwnershipEdge)).scalar() or 0)


def _row_json(r: OwnershipEdge) -> dict[str, Any]:
    return {
        "owned": r.owned,
        "owner": r.owner,
        "percent": r.percent,
        "direct": r.direct,
        "country": r.country,
        "cite": r.cite,
        "as_of": r.as_of.isoformat() if r.as_of else None,
        "added_by": r.added_by,
        "added_at": r.added_at.isoformat() if r.added_at else None,
    }


def edge_json(e: EdgeIn) -> dict[str, Any]:
    return {
        "owned": e.owned,
        "owner": e.owner,
        "percent": e.percent,
        "direct": e.direct,
        "country": e.country,
        "cite": e.cite,
        "as_of": e.as_of.isoformat() if e.as_of else None,
    }


def edge_line(d: dict[str, Any]) -> str:
    share = "share unknown" if d["percent"] is None else f"{d['percent']:g}%"
    how = "" if d.get("direct", True) else ", indirect"
    extra = "".join(
        f", {label} {d[k]}" for k, label in (("cite", "cite"), ("as_of", "as of")) if d.get(k)
    )
    return f"{d['owned']} ← {d['owner']} {share}{how}{extra}"


def parse_csv(text: str, *, origin: str = "file") -> list[EdgeIn]:
    """Every row of an ownership CSV, or OwnershipError naming the first bad row."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().casefold() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise OwnershipError(
            f"{origin}: no column {', '.join(missing)} (columns: owned, owner, percent; "
            "optional country, cite, as_of, direct)"
        )
    reader.fieldnames = header
    edges: list[EdgeIn] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            try:
                e = edge_in(
                    owned=row.get("owned"),
                    owner=row.get("owner"),
                    percent=row.get("percent"),
                    country=row.get("country"),
                    cite=row.get("cite"),
                    as_of=row.get("as_of"),
                    direct=row.get("direct"),
                )
            except OwnershipError as exc:
                raise OwnershipError(f"{origin}: row {line}: {exc}; nothing was imported") from None
            pair = (e.owned_key, e.owner_key)
            if pair in seen:
                raise OwnershipError(
                    f"{origin}: row {line}: “{e.owned}” ← “{e.owner}” is also row {seen[pair]}; "
                    "nothing was imported"
                )
            seen[pair] = line
            edges.append(e)
            if len(edges) > MAX_ROWS:
                raise OwnershipError(f"{origin}: more than {MAX_ROWS:,} rows; split the file")
    except csv.Error as exc:
        raise OwnershipError(
            f"{origin}: line {reader.line_num}: {exc}; nothing was imported"
        ) from None
    if not edges:
        raise OwnershipError(f"{origin}: no rows; nothing was imported")
    return edges


def import_edges(engine: Engine, edges: list[EdgeIn], *, actor: Actor, origin: str) -> ImportReport:
    """Record every edge in one transaction, audited once with the counts."""
    report = ImportReport(rows=len(edges))
    with Session(writer(engine)) as session:
        _save(session, edges, actor, report)
        record_audit(
            session,
            actor,
            "ownership_import",
            subject=origin,
            detail={
                "rows": report.rows,
                "added": report.added,
                "changed": report.changed,
                "unchanged": report.unchanged,
            },
        )
        session.commit()
    return report
