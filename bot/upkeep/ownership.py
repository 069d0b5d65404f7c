"""Re-screen the counterparties an ownership change touches, and alert as a list change does.

Adding or changing an owner can change the answer for the party owned and for everything it
owns in turn: those counterparties (matched by the screening engine's normalised name) are
screened again the ordinary way, their stored result updated, and a new or stricter verdict is
announced in the alert channel and to each person who asked about them, with the chain that
explains it. Alerts are keyed by the change's audit id, so a retry never posts twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlmodel import Session

from bot.config import Settings
from bot.counterparties.registry import _screen, result_fields
from bot.lists.alerts import enqueue
from bot.ownership.apply import Loaded, load_ownership, owned_by
from bot.ownership.prefilter import ListedWords
from bot.screening.normalize import normalize_name
from bot.upkeep.rescreen import (
    SEVERITY,
    Alert,
    Finding,
    RescreenReport,
    _attach_askers,
    alerts_for,
    find_candidates,
)
from storage.db import writer
from storage.importer import current_snapshot
from storage.models import EntryName
from storage.models_sync import Counterparty

log = logging.getLogger(__name__)
#: Up to this many owned counterparties are screened again in full; beyond (an import), the
#: ownership alone is weighed, against each one's last answer (see `_bulk`).
SCREEN_ALL_UP_TO = 500


@dataclass
class OwnershipRescreen:
    affected: int = 0  # parties owned, directly or not, by what changed
    counterparties: int = 0  # of them, counterparties re-screened
    findings: list[Finding] = field(default_factory=list)


def rescreen_owned(
    engine: Engine,
    settings: Settings,
    screener: Any,
    owned_keys: set[str],
    *,
    now: datetime,
    key: str,
    why: str,
    owners: bool = False,
) -> OwnershipRescreen:
    """Re-screen counterparties owned (directly or not) by the parties in `owned_keys`, store
    their results and enqueue alerts for new or stricter verdicts, in one transaction. With
    `owners`, the keys are owners (a list change named them): only what they own is screened."""
    out = OwnershipRescreen()
    if not owned_keys:
        return out
    today = now.astimezone(settings.tz).date()
    with Session(engine) as session:
        loaded = load_ownership(session, today)
        graph = loaded.graph
        below = graph.descendants(set(owned_keys))
        affected = below - set(owned_keys) if owners else below | set(owned_keys)
        out.affected = len(affected)
        rows = [
            r
            for r in session.execute(
                select(
                    Counterparty.id,
                    Counterparty.name,
                    Counterparty.normalized,
                    Counterparty.country,
                    Counterparty.last_verdict,
                )
            ).all()
            if r.normalized in affected
        ]
    out.counterparties = len(rows)
    updates = RescreenReport()
    if len(rows) <= SCREEN_ALL_UP_TO:
        for row in rows:
            decision = _screen(screener, row.name, row.country, now)
            updates.updates.append((row.id, result_fields(decision, now)))
            if SEVERITY.get(decision.verdict, -1) <= SEVERITY.get(row.last_verdict or "", -1):
                continue
            reason = next(
                (r for r in decision.reasons if "Rule" in r or "Red Flag" in r),
                decision.reasons[0] if decision.reasons else "",
            )
            out.findings.append(_finding(row, decision.verdict, reason, decision.ownership, why))
    else:
        _bulk(screener, loaded, rows, now, today, why, out, updates)
    _attach_askers(engine, out.findings)  # type: ignore[arg-type]
    with Session(writer(engine)) as session:
        for alert_key, kind, target, payload in ownership_alerts(key, why, out.findings):
            enqueue(
                session,
                key=alert_key,
                kind=kind,
                target=target or settings.alert_channel,
                payload=payload,
                now=now,
            )
        updates.apply(session)
        session.commit()
    log.info(
        "ownership change %s: %d parties affected, %d counterparties re-screened, %d findings",
        key,
        out.affected,
        out.counterparties,
        len(out.findings),
    )
    return out


def _finding(row: Any, verdict: str, reason: str, ownership: Any, why: str) -> Finding:
    return Finding(
        counterparty_id=row.id,
        name=row.name,
        country=row.country,
        before={"verdict": row.last_verdict},
        after={"verdict": verdict, "reason": reason, "ownership": ownership, "why": why},
    )


def _bulk(
    screener: Any,
    loaded: Loaded,
    rows: list[Any],
    now: datetime,
    today: Any,
    why: str,
    out: OwnershipRescreen,
    updates: RescreenReport,
) -> None:
    """Many owned counterparties (an import): what the ownership now calls for, combined with
    each one's last answer (the stricter stands: never looser). The owners a listed name could
    be (bot/ownership/prefilter.py) are looked up in the list, and the whole graph covered in
    one fixpoint per rule; the parties' own names are not searched again (the list did not
    change)."""
    found = screener.strong_search(now)
    if found is None:
        return  # no usable list: every answer is `unavailable` until there is one
    search, snapshot = found
    with Session(screener.engine) as session:
        in_use = current_snapshot(session)
        listed = ListedWords(
            normalized or normalize_name(name)
            for normalized, name in session.execute(
                select(EntryName.normalized, EntryName.name).where(
                    EntryName.snapshot_id == (in_use.id if in_use else -1)
                )
            )
        )

    def narrowed(name: str) -> list[Any]:
        return search(name) if listed.could_be(name) else []

    # Its own cache: the narrowing never reaches answers.
    mine = Loaded(graph=loaded.graph, periods=loaded.periods, shared=False)
    stricter: list[dict[str, Any]] = []
    mine.walk_everywhere(snapshot, narrowed)
    for row in rows:
        owned = owned_by(mine, row.name, (), narrowed, snapshot, today)
        if owned is None or not owned.floors:
            continue
        verdict, reason = max(owned.floors, key=lambda f: SEVERITY.get(f[0], -1))
        if SEVERITY.get(verdict, -1) <= SEVERITY.get(row.last_verdict or "", -1):
            continue
        stricter.append({"_id": row.id, "_verdict": verdict, "_at": now})
        out.findings.append(_finding(row, verdict, reason, owned.evidence, why))
    if stricter:
        # One statement for all (executemany): a per-row UPDATE is a round trip each.
        table = Counterparty.__table__  # type: ignore[attr-defined]
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(last_verdict=bindparam("_verdict"), last_screened_at=bindparam("_at"))
        )
        updates.statements.append((statement, stricter))


@dataclass(frozen=True)
class _Node:
    id: int
    name: str
    normalized: str


def owners_named(
    engine: Engine, settings: Settings, names: list[str], *, now: datetime
) -> set[str]:
    """Owners on record a changed list record's name could refer to (loose: the owned parties
    are then screened the ordinary way, which decides)."""
    if not names:
        return set()
    with Session(engine) as session:
        graph = load_ownership(session, now.astimezone(settings.tz).date()).graph
    owners = sorted({e.owner_key for edges in graph.owners_of.values() for e in edges})
    if not owners:
        return set()
    nodes = [_Node(i, graph.names[k], normalize_name(graph.names[k])) for i, k in enumerate(owners)]
    return {owners[i] for i in find_candidates(nodes, names)}


def ownership_alerts(key: str, why: str, findings: list[Finding]) -> list[Alert]:
    """(key, kind, target, payload): the channel summary and one DM per person who asked."""
    return alerts_for(f"ownership:{key}", "ownership_rescreen", {"why": why}, findings)
