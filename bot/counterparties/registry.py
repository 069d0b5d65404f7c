"""The parties the company deals with: asked about, licensed, or registered by admins.

They are kept so that a list change can be checked against them (bot/upkeep/rescreen.py) instead of
waiting for someone to ask again. Each keeps its last known screening result, which is what makes
"new or stronger hit" decidable, and who asked about it, which is who gets told.

Why one module (~400 lines): it is the one counterparty table. Registering, removing, the CSV
import and recording a license go through the same row lock (`_locked`, `_get_or_create`),
snapshot and audit helpers, and recording who asked is an upsert on the same rows; split apart,
the private locking and audit helpers would have to be exported.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.answers.verdicts import UNAVAILABLE, Decision
from bot.audit import Actor, record_audit
from bot.lists.alerts import upsert_ignore
from bot.screening.normalize import normalize_name
from storage.db import upsert_insert, writer
from storage.models_sync import Counterparty, CounterpartyAsker
from storage.types import utcnow

log = logging.getLogger(__name__)
ASKED, LICENSED, REGISTERED = "asked", "licensed", "registered"
MAX_NAME = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CounterpartyError(ValueError):
    """Bad input about a counterparty; the message is one line, safe to show."""


def clean_name(name: str | None) -> tuple[str, str]:
    """(display name, normalized key), or CounterpartyError saying what is wrong."""
    display = " ".join((name or "").split())
    if not display:
        raise CounterpartyError("give the counterparty's name")
    if len(display) > MAX_NAME or _CONTROL.search(display):
        raise CounterpartyError(f"“{display[:40]}…” is not a name (too long or control characters)")
    key = normalize_name(display)
    if not key.strip():
        raise CounterpartyError(f"“{display}” has no letters or digits to screen")
    return display, key


def result_fields(decision: Decision, now: datetime) -> dict[str, Any]:
    """The last-known-result columns from a decision (an `unavailable` one says nothing)."""
    if decision.verdict == UNAVAILABLE:
        return {}
    top = decision.matches[0] if decision.matches else None
    return {
        "last_verdict": decision.verdict,
        "last_score": top.score if top else None,
        "last_source": top.source if top else None,
        "last_list_id": top.entry_id if top else None,
        "last_entry_name": top.name if top else None,
        "last_list_version": decision.list_version,
        "last_screened_at": now,
    }


def _locked(session: Session, key: str) -> Counterparty | None:
    query = select(Counterparty).where(Counterparty.normalized == key)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def _get_or_create(
    session: Session, *, name: str, key: str, country: str | None, origin: str, now: datetime
) -> tuple[Counterparty, dict[str, Any] | None]:
    """The row for `key`, locked, with `origin` added; and its state before (None if new)."""

    row = _locked(session, key)
    before = snapshot(row) if row is not None else None
    if row is None:
        upsert_ignore(
            session,
            Counterparty,
            {
                "normalized": key,
                "name": name,
                "country": country,
                "origins": [origin],
                "created_at": now,
                "updated_at": now,
            },
            ["normalized"],
        )
        row = _locked(session, key)
        assert row is not None
    if origin not in row.origins:
        row.origins = sorted({*row.origins, origin})
        row.updated_at = now
    if country and country != row.country:
        row.country = country
        row.updated_at = now
    return row, before


def snapshot(row: Counterparty) -> dict[str, Any]:
    return {
        "name": row.name,
        "country": row.country,
        "origins": list(row.origins),
        "last_verdict": row.last_verdict,
    }


def _audit(session: Session, actor: Actor, action: str, subject: str, **detail: Any) -> None:
    record_audit(session, actor, action, subject=subject, detail=detail)


def _screen(screener: Any, name: str, country: str | None, now: datetime) -> Decision:

    request = ScreeningRequest(party=name, country=country)
    return screener.screen(request, Requester("system", "system"), now=now, audit=False).decision


def register(
    engine: Engine,
    screener: Any,
    *,
    name: str,
    country: str | None,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[Counterparty, bool]:
    """Register (or re-register) a counterparty, screened now; True when it was new."""
    now = now or utcnow()
    display, key = clean_name(name)
    decision = _screen(screener, display, country, now)
    with Session(writer(engine), expire_on_commit=False) as session:
        row, before = _get_or_create(
            session, name=display, key=key, country=country, origin=REGISTERED, now=now
        )
        for column, value in result_fields(decision, now).items():
            setattr(row, column, value)
        _audit(session, actor, "counterparty.add", display, before=before, after=snapshot(row))
        session.commit()
    return row, before is None


def list_counterparties(engine: Engine, *, limit: int | None = None) -> list[Counterparty]:
    with Session(engine, expire_on_commit=False) as session:
        query = select(Counterparty).order_by(Counterparty.name)
        if limit:
            query = query.limit(limit)
        return list(session.execute(query).scalars())


def count_counterparties(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Counterparty)).scalar_one()


def remove(engine: Engine, *, name: str, actor: Actor) -> Counterparty:
    """Forget a counterparty (and who asked about it); it comes back if someone asks again."""
    display, key = clean_name(name)
    with Session(writer(engine), expire_on_commit=False) as session:
        row = _locked(session, key)
        if row is None:
            raise CounterpartyError(f"no counterparty “{display}” on record")
        before = snapshot(row)
        session.execute(
            delete(CounterpartyAsker).where(CounterpartyAsker.counterparty_id == row.id)
        )
        session.execute(delete(Counterparty).where(Counterparty.id == row.id))
        _audit(session, actor, "counterparty.remove", row.name, before=before, after=None)
        session.commit()
    return row


@dataclass
class ImportSummary:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def read_csv(
    path: Path, country_code: Callable[[str | None], str | None]
) -> list[tuple[str, str | None]]:
    """Rows (name, country) of a `name[,country]` CSV; the first bad row fails the whole file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CounterpartyError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CounterpartyError(f"{path}: cannot read ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header:
        raise CounterpartyError(
            f"{path}: line 1: the CSV needs a 'name' column (and optional 'country')"
        )
    reader.fieldnames = header
    rows: list[tuple[str, str | None]] = []
    try:
        for row in reader:
            line = reader.line_num
            try:
                display, _ = clean_name(row.get("name"))
            except CounterpartyError as exc:
                raise CounterpartyError(f"{path}: line {line}: {exc}") from exc
            raw_country = (row.get("country") or "").strip() or None
            code = country_code(raw_country)
            if raw_country and code is None:
                raise CounterpartyError(f"{path}: line {line}: unknown country “{raw_country}”")
            rows.append((display, code))
    except csv.Error as exc:
        raise CounterpartyError(f"{path}: line {reader.line_num}: {exc}") from exc
    if not rows:
        raise CounterpartyError(f"{path}: no rows under the header")
    return rows


def import_rows(
    engine: Engine,
    screener: Any,
    rows: list[tuple[str, str | None]],
    *,
    actor: Actor,
    source: str,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Register every row (screened now) in one transaction: all or nothing."""
    now = now or utcnow()
    summary = ImportSummary(rows=len(rows))
    decisions: list[tuple[str, str, str | None, Decision]] = []
    seen: set[str] = set()
    for n, (name, country) in enumerate(rows, start=1):
        display, key = clean_name(name)
        if key not in seen:
            seen.add(key)
            decisions.append((display, key, country, _screen(screener, display, country, now)))
        if progress and n % 200 == 0:
            progress(n, len(rows))
    with Session(writer(engine), expire_on_commit=False) as session:
        for display, key, country, decision in decisions:
            row, before = _get_or_create(
                session, name=display, key=key, country=country, origin=REGISTERED, now=now
            )
            for column, value in result_fields(decision, now).items():
                setattr(row, column, value)
            after = snapshot(row)
            if before is None:
                summary.added += 1
            elif before != after:
                summary.updated += 1
            else:
                summary.unchanged += 1
                continue
            _audit(
                session, actor, "counterparty.add", display, before=before, after=after, via=source
            )
        session.commit()
    summary.unchanged += len(rows) - len(decisions)
    return summary


_RESULT_COLUMNS = (
    "last_verdict",
    "last_score",
    "last_source",
    "last_list_id",
    "last_entry_name",
    "last_list_version",
    "last_screened_at",
)
_ASKER_COLUMNS = ("kind", "channel", "question", "verdict", "list_version", "audit_id", "asked_at")


@functools.cache
def _asked_sql(dialect: str) -> tuple[Any, Any, Any]:
    """The three statements of `record_asked_in`, built once per dialect.

    Every answer runs them, so they are built once and executed with parameters: SQLAlchemy then
    reuses their compiled form instead of rebuilding and re-keying a statement per answer.
    """
    insert = upsert_insert(dialect)
    table = Counterparty.__table__  # type: ignore[attr-defined]
    new = insert(table)
    # New party: insert it; known party: update its last result. Either way its id and origins.
    upsert = new.on_conflict_do_update(
        index_elements=["normalized"],
        set_={c: new.excluded[c] for c in _RESULT_COLUMNS},
    ).returning(table.c.id, table.c.origins)
    # An `unavailable` answer says nothing about the party: insert it if new, change nothing.
    keep = new.on_conflict_do_nothing(index_elements=["normalized"])
    askers = CounterpartyAsker.__table__  # type: ignore[attr-defined]
    asker = insert(askers)
    asker = asker.on_conflict_do_update(
        index_elements=["counterparty_id", "user"],
        set_={**{c: asker.excluded[c] for c in _ASKER_COLUMNS}, "times": askers.c.times + 1},
    )
    return upsert, keep, asker


def record_asked_in(
    session: Session | Connection,
    request: Any,
    requester: Any,
    decision: Decision,
    audit_id: int | None,
    now: datetime,
) -> None:
    """Upsert the counterparty and its asker in the caller's transaction (no commit).

    On every answer, so two or three prebuilt Core statements rather than the ORM: upsert the
    party with its last result, add the `asked` origin if it lacks it, upsert who asked.
    """
    try:
        display, key = clean_name(request.party)
    except CounterpartyError:
        return
    table = Counterparty.__table__  # type: ignore[attr-defined]
    bind = session if isinstance(session, Connection) else session.get_bind()
    upsert, keep, asker_upsert = _asked_sql(bind.dialect.name)
    result = result_fields(decision, now)
    row = {
        "normalized": key,
        "name": display,
        "country": request.country,
        "origins": [ASKED],
        "created_at": now,
        "updated_at": now,
        **{c: None for c in _RESULT_COLUMNS},
        **result,
    }
    if result:
        found = session.execute(upsert, row).one()
    else:
        session.execute(keep, row)
        found = session.execute(
            select(table.c.id, table.c.origins).where(table.c.normalized == key)
        ).one()
    counterparty_id, origins = found
    if ASKED not in (origins or []):
        session.execute(
            update(table)
            .where(table.c.id == counterparty_id)
            .values(origins=sorted({*(origins or []), ASKED}), updated_at=now)
        )
    session.execute(
        asker_upsert,
        {
            "counterparty_id": counterparty_id,
            "user": requester.user,
            "times": 1,
            "kind": requester.kind,
            "channel": requester.channel,
            "question": request.text or request.party,
            "verdict": decision.verdict,
            "list_version": decision.list_version,
            "audit_id": audit_id,
            "asked_at": now,
        },
    )


def record_licensed(
    engine: Engine,
    *,
    name: str,
    country: str | None,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """For the licenses feature: a licensed party is a counterparty too."""
    now = now or utcnow()
    display, key = clean_name(name)
    with Session(writer(engine)) as session:
        row, before = _get_or_create(
            session, name=display, key=key, country=country, origin=LICENSED, now=now
        )
        if before is None or LICENSED not in before["origins"]:
            _audit(session, actor, "counterparty.add", display, before=before, after=snapshot(row))
        session.commit()
