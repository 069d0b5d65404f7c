"""Re-screen counterparties against what changed in the list, not against the whole list.

A list change touches a few hundred records; the company may deal with tens of thousands of
parties. So the changed records' names (and aliases) are the queries, and the index is built over
the counterparties: that finds the few parties a changed record could be, in about a second for
50,000. Each candidate is then screened the ordinary way against the full list, so its score and
verdict are the ones a person asking would get, and compared with its last known result: only a
new or stronger hit on a changed record is news.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from bot.answers.verdicts import Decision, Match
from bot.config import Settings
from bot.counterparties.registry import _screen, result_fields
from bot.lists.changeset import ChangeSet
from bot.screening.index import IndexedName, NameIndex
from storage.csl import LIST_NAMES
from storage.models import EntryName
from storage.models_sync import Counterparty, CounterpartyAsker

log = logging.getLogger(__name__)
CANDIDATE_SCORE = 50.0  # generous: candidates are confirmed against the full list
CANDIDATES_PER_NAME = 100
MAX_LISTED = 200
SEVERITY = {"prohibited": 4, "license_required": 3, "review": 2, "authorized": 1, "clear": 0}
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass
class Finding:
    counterparty_id: int
    name: str
    country: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    askers: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "counterparty_id": self.counterparty_id,
            "name": self.name,
            "country": self.country,
            "before": self.before,
            "after": self.after,
            "askers": self.askers,
        }


@dataclass
class RescreenReport:
    counterparties: int = 0
    candidates: int = 0
    findings: list[Finding] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: Prepared (statement, parameter rows) to run with executemany, for many rows at once.
    statements: list[tuple[Any, list[dict[str, Any]]]] = field(default_factory=list)

    def apply(self, session: Session) -> None:
        """Store each re-screened counterparty's new result (in the caller's transaction)."""
        for statement, rows in self.statements:
            session.connection().execute(statement, rows)
        for counterparty_id, values in self.updates:
            if values:
                session.execute(
                    update(Counterparty).where(Counterparty.id == counterparty_id).values(**values)
                )


def _new_or_stronger(row: Any, decision: Decision, hit: Match) -> bool:
    before = SEVERITY.get(row.last_verdict or "", -1)
    after = SEVERITY.get(decision.verdict, -1)
    if after > before:
        return True
    return after == before and (row.last_score is None or hit.score > row.last_score + 0.5)


def _changed_names(engine: Engine, entry_keys: list[int]) -> list[str]:
    names: list[str] = []
    with Session(engine) as session:
        for start in range(0, len(entry_keys), 1000):
            chunk = entry_keys[start : start + 1000]
            names.extend(
                session.execute(
                    select(EntryName.name).where(EntryName.entry_id.in_(chunk))  # type: ignore[attr-defined]
                ).scalars()
            )
    return names


def find_candidates(rows: list[Any], names: list[str]) -> set[int]:
    """Counterparties a changed record's name could refer to (loose; confirmed later)."""
    if not rows or not names:
        return set()
    index = NameIndex.build(
        IndexedName(
            entry_key=r.id,
            name=r.name,
            source="CP",
            countries=(),
            is_primary=True,
            normalized=r.normalized,
        )
        for r in rows
    )
    found: set[int] = set()
    for name in dict.fromkeys(names):
        for hit in index.search(name, limit=CANDIDATES_PER_NAME).hits:
            if hit.score >= CANDIDATE_SCORE:
                found.add(hit.entry_key)
    return found


def rescreen(
    engine: Engine, settings: Settings, screener: Any, changes: ChangeSet, *, now: datetime
) -> RescreenReport:
    """Which counterparties have a new or stronger hit because of `changes`."""
    report = RescreenReport()
    if not changes.records:
        return report
    with Session(engine) as session:
        rows = session.execute(
            select(
                Counterparty.id,
                Counterparty.name,
                Counterparty.normalized,
                Counterparty.country,
                Counterparty.last_verdict,
                Counterparty.last_score,
                Counterparty.last_source,
                Counterparty.last_list_id,
                Counterparty.last_entry_name,
                Counterparty.last_list_version,
            )
        ).all()
    report.counterparties = len(rows)
    hit_keys, removed = changes.hit_keys, changes.removed_keys
    entry_keys = [r.entry_key for r in changes.records if r.entry_key is not None]
    candidates = find_candidates(rows, _changed_names(engine, entry_keys))
    candidates |= {r.id for r in rows if (r.last_source, r.last_list_id) in (hit_keys | removed)}
    report.candidates = len(candidates)
    kinds = {(r.source, r.list_id): r.kind for r in changes.records}
    by_id = {r.id: r for r in rows}
    cache = getattr(screener, "cache", None)
    if candidates and cache is not None:
        # Re-screening is about the new list: build its index now, here, rather than have the
        # screener answer from the previous one while it builds the new one beside it.
        cache.warm(engine, changes.snapshot_id)
    for counterparty_id in sorted(candidates):
        row = by_id[counterparty_id]
        decision = _screen(screener, row.name, row.country, now)
        report.updates.append((counterparty_id, result_fields(decision, now)))
        hits = [
            m
            for m in decision.matches
            if (m.source, m.entry_id) in hit_keys and m.score >= settings.review_match
        ]
        if not hits or not _new_or_stronger(row, decision, hits[0]):
            continue
        hit = hits[0]
        report.findings.append(
            Finding(
                counterparty_id=counterparty_id,
                name=row.name,
                country=row.country,
                before={
                    "verdict": row.last_verdict,
                    "score": row.last_score,
                    "source": row.last_source,
                    "list_id": row.last_list_id,
                    "entry_name": row.last_entry_name,
                    "list_version": row.last_list_version,
                },
                after={
                    "verdict": decision.verdict,
                    "change": kinds.get((hit.source, hit.entry_id), "changed"),
                    "score": round(hit.score, 1),
                    "source": hit.source,
                    "list": LIST_NAMES.get(hit.source, hit.source),
                    "list_id": hit.entry_id,
                    "name": hit.name,
                    "matched_name": hit.matched_name,
                    "cite": hit.federal_register_notice,
                    "license_requirement": hit.license_requirement,
                    "license_policy": hit.license_policy,
                    "list_version": decision.list_version,
                },
            )
        )
    _attach_askers(engine, report.findings)
    return report


def _attach_askers(engine: Engine, findings: list[Finding]) -> None:
    if not findings:
        return
    by_id = {f.counterparty_id: f for f in findings}
    with Session(engine) as session:
        askers = session.execute(
            select(CounterpartyAsker)
            .where(CounterpartyAsker.counterparty_id.in_(list(by_id)))  # type: ignore[attr-defined]
            .order_by(CounterpartyAsker.asked_at)
        ).scalars()
        for a in askers:
            by_id[a.counterparty_id].askers.append(
                {
                    "user": a.user,
                    "kind": a.kind,
                    "question": a.question,
                    "verdict": a.verdict,
                    "list_version": a.list_version,
                    "asked_at": a.asked_at.isoformat(),
                    "audit_id": a.audit_id,
                }
            )


Alert = tuple[str, str, str | None, dict[str, Any]]


def finding_alerts(changes: ChangeSet, findings: list[Finding]) -> list[Alert]:
    """(key, kind, target, payload) for the channel summary and one DM per person who asked.
    A target of None means the alert channel."""
    about = {"version": changes.version, "previous_version": changes.previous_version}
    return alerts_for(f"rescreen:{changes.snapshot_id}", "rescreen", about, findings)


def alerts_for(key: str, kind: str, about: dict[str, Any], findings: list[Finding]) -> list[Alert]:
    """The channel summary (`kind`, keyed `key`) and one DM (`kind`_dm) per Slack user who asked
    about a party found, each payload carrying `about`; keys make a retried tick post once."""
    if not findings:
        return []
    out: list[Alert] = [
        (
            key,
            kind,
            None,
            {
                **about,
                "findings": [f.as_json() for f in findings[:MAX_LISTED]],
                "not_listed": max(0, len(findings) - MAX_LISTED),
            },
        )
    ]
    for f in findings:
        for asker in f.askers:
            if asker["kind"] == "slack" and _SLACK_USER.match(asker["user"]):
                out.append(
                    (
                        f"{key}:{f.counterparty_id}:{asker['user']}",
                        f"{kind}_dm",
                        asker["user"],
                        {**about, "finding": f.as_json(), "asker": asker},
                    )
                )
    return out
