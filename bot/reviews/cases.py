"""Open, join, decide and re-open review cases. Exactly once across retries and instances.

- `open_or_join_case` runs inside the answer's audit transaction (a `Hooks.record_asked_in`
  hook), so the case, its asker and the Slack event claim commit together: a redelivered
  event is refused before it can join twice, and two instances asking at once meet on the
  case's unique `open_key` (INSERT ... ON CONFLICT DO NOTHING). The case message is a row in
  the list-alert outbox (bot/lists/alerts.py) keyed `case:<id>:<round>`: posted once.
- `decide` takes the case row's lock first (a conditional UPDATE), so of two reviewers or two
  clicks one decides and the other is told who did (`AlreadyDecided`).
- `notify_outcomes` tells every asker, once per round, under a conditional UPDATE of
  `notified_round`, in the same transaction as the outbox rows it enqueues.
- `recheck` lapses decisions at expiry and when the listed record changed, and re-opens
  their cases; a removed record closes them with a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.answers.verdicts import LICENSE_REQUIRED, PROHIBITED, REVIEW, Decision, Match
from bot.audit import SYSTEM, Actor, record_audit
from bot.config import Settings
from bot.reviews.apply import EXACT, protected, who
from bot.reviews.keys import DECISIONS, fingerprint, party_key, record_key
from bot.screening.clean import clean_party
from storage.db import upsert_insert, writer
from storage.importer import current_snapshot
from storage.models import DataVersion, Entry
from storage.models_reviews import Adjudication, CaseAsker, ReviewCase
from storage.models_sync import ListAlert
from storage.types import utcnow
from storage.versioning import ADJUDICATIONS, bump

log = logging.getLogger(__name__)
CASE = ReviewCase.__table__  # type: ignore[attr-defined]
ASKER = CaseAsker.__table__  # type: ignore[attr-defined]
ADJ = Adjudication.__table__  # type: ignore[attr-defined]
ALERT = ListAlert.__table__  # type: ignore[attr-defined]
CHECKED = "reviews_checked"


class ReviewError(ValueError):
    """Bad input for a decision; the message says what to give instead. Nothing changed."""


@dataclass(frozen=True)
class AlreadyDecided(Exception):
    """Someone decided this record in this case first."""

    decided_by: str
    decided_at: datetime
    decision: str

    def __str__(self) -> str:
        return (
            f"Already decided by {who(self.decided_by)} at "
            f"{self.decided_at.strftime('%Y-%m-%d %H:%M')} UTC ({self.decision}). Nothing changed."
        )


@dataclass(frozen=True)
class Decided:
    case_id: int
    record: str
    decision: str
    closed: bool  # every candidate of the case is decided


def review_target(settings: Settings) -> str | None:
    return settings.review_channel or settings.alert_channel


def candidates_of(decision: Decision) -> list[Match]:
    """The records a reviewer could decide on for this answer (none: no case).

    A case is opened for `review`, and for `license_required` / `prohibited` resting on a
    fuzzy match; never for an embargoed destination, and never about an exact match a decision
    could not relax. Records a decision in force already settled are left out.
    """
    if decision.verdict not in (REVIEW, LICENSE_REQUIRED, PROHIBITED) or not decision.matches:
        return []
    if decision.destination is not None and decision.destination.policy == "embargoed":
        return []
    if decision.verdict != REVIEW and decision.matches[0].score >= EXACT:
        return []
    settled = set(decision.settled)
    return [
        m
        for m in decision.matches
        if not protected(m) and record_key(m.source, m.entry_id) not in settled
    ][:5]


def _candidate_json(m: Match) -> dict[str, Any]:
    return {**m.as_json(), "record": record_key(m.source, m.entry_id)}


def _enqueue(
    conn: Connection,
    *,
    key: str,
    kind: str,
    target: str | None,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    if not target:
        log.warning("review message %s has nowhere to go: set CANWESHIP_REVIEW_CHANNEL", key)
        return False
    insert = upsert_insert(conn.dialect.name)
    row = conn.execute(
        insert(ALERT)
        .values(
            key=key,
            kind=kind,
            target=target,
            payload=payload,
            status="pending",
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(ALERT.c.id)
    ).first()
    return row is not None


def case_payload(conn: Connection, case_id: int, *, changed: str | None = None) -> dict[str, Any]:
    case = conn.execute(select(CASE).where(CASE.c.id == case_id)).mappings().one()
    askers = (
        conn.execute(select(ASKER).where(ASKER.c.case_id == case_id).order_by(ASKER.c.id))
        .mappings()
        .all()
    )
    return {
        "case_id": case_id,
        "round": case["round"],
        "party": case["party"],
        "country": case["country"],
        "question": case["question"],
        "verdict": case["verdict"],
        "candidates": list(case["candidates"]),
        "version": case["list_version"],
        "changed": changed,
        "askers": [
            {
                "user": a["user"],
                "kind": a["kind"],
                "channel": a["channel"],
                "thread_ts": a["thread_ts"],
                "permalink": a["permalink"],
            }
            for a in askers
        ],
    }


def open_or_join_case(
    conn: Connection,
    request: ScreeningRequest,
    requester: Requester,
    decision: Decision,
    audit_id: int | None,
    now: datetime,
    *,
    settings: Settings,
) -> int | None:
    """The open case this answer belongs to (opened, and its message queued, if none): its id,
    or None when the answer needs no case. In the caller's (audit) transaction."""
    candidates = candidates_of(decision)
    if not candidates or not request.party:
        return None
    party = clean_party(request.party).text or request.party
    key = party_key(request.party, request.country)
    records = ",".join(sorted(record_key(m.source, m.entry_id) for m in candidates))
    open_key = f"{key}|{records}"
    insert = upsert_insert(conn.dialect.name)
    created = conn.execute(
        insert(CASE)
        .values(
            party_key=key,
            party=party,
            country=request.country,
            record_set=records,
            open_key=open_key,
            status="open",
            round=1,
            verdict=decision.verdict,
            question=request.text or request.party,
            candidates=[_candidate_json(m) for m in candidates],
            list_version=decision.list_version,
            opened_at=now,
            lock=0,
            notified_round=0,
        )
        .on_conflict_do_nothing(index_elements=["open_key"])
        .returning(CASE.c.id)
    ).scalar()
    case_id = (
        created or conn.execute(select(CASE.c.id).where(CASE.c.open_key == open_key)).scalar_one()
    )
    asker_key = f"{requester.user}|{requester.channel or ''}|{requester.thread_ts or ''}"
    conn.execute(
        insert(ASKER)
        .values(
            case_id=case_id,
            asker_key=asker_key,
            user=requester.user,
            kind=requester.kind,
            channel=requester.channel,
            thread_ts=requester.thread_ts,
            permalink=requester.permalink,
            audit_id=audit_id,
            asked_at=now,
        )
        .on_conflict_do_nothing(index_elements=["case_id", "asker_key"])
    )
    if created:
        _enqueue(
            conn,
            key=f"case:{case_id}:1",
            kind="review_case",
            target=review_target(settings),
            payload=case_payload(conn, case_id),
            now=now,
        )
    return int(case_id)


def _current_entry(session: Session, source: str, record_id: str) -> tuple[Any, Any]:
    snap = current_snapshot(session)
    if snap is None:
        return None, None
    entry = (
        session.execute(
            select(Entry).where(
                Entry.snapshot_id == snap.id, Entry.source == source, Entry.list_id == record_id
            )
        )
        .scalars()
        .first()
    )
    return snap, entry


def _judged(entry: Any) -> dict[str, Any]:
    return {
        "name": entry.name,
        "alt_names": sorted(entry.alt_names or []),
        "addresses": [a.get("text") or str(a) for a in entry.addresses or []],
        "source": entry.source,
        "license_requirement": entry.license_requirement,
    }


def decide(
    engine: Engine,
    settings: Settings,
    *,
    case_id: int,
    record: str,
    decision: str,
    reason: str,
    expires: date | None,
    actor: Actor,
    now: datetime | None = None,
) -> Decided:
    """Record a reviewer's decision on one record of a case. The caller checked the role.

    ReviewError for bad input, AlreadyDecided when someone was first; nothing changes then."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not '{decision}'")
    if not reason:
        raise ReviewError("a reason is required: say why, in a few words")
    if expires is not None and expires < now.astimezone(settings.tz).date():
        raise ReviewError(f"the expiry {expires.isoformat()} is in the past")
    with Session(writer(engine)) as session:
        locked = session.execute(
            update(CASE)
            .where(CASE.c.id == case_id)
            .values(lock=CASE.c.lock + 1)
            .returning(CASE.c.status, CASE.c.round)
        ).first()
        if locked is None:
            raise ReviewError(f"there is no case {case_id} (see `canweship cases list`)")
        status, round_ = locked
        case = session.get(ReviewCase, case_id)
        assert case is not None
        records = [c["record"] for c in case.candidates]
        if record not in records:
            raise ReviewError(
                f"{record} is not a candidate of case {case_id}; its records: {', '.join(records)}"
            )
        source, _, record_id = record.partition(":")
        first = (
            session.execute(
                select(Adjudication).where(
                    Adjudication.case_id == case_id,
                    Adjudication.case_round == round_,
                    Adjudication.source == source,
                    Adjudication.record_id == record_id,
                )
            )
            .scalars()
            .first()
        )
        if first is not None:
            raise AlreadyDecided(first.decided_by, first.decided_at, first.decision)
        if status != "open":
            raise ReviewError(f"case {case_id} is {status}: {case.note or 'nothing to decide'}")
        snap, entry = _current_entry(session, source, record_id)
        if entry is None:
            raise ReviewError(f"{record} is not on the list in use any more: nothing to decide")
        active_key = f"{case.party_key}|{record}"
        session.execute(
            update(ADJ)
            .where(ADJ.c.active_key == active_key)
            .values(
                status="superseded",
                active_key=None,
                ended_at=now,
                ended_why=f"superseded by a decision in case {case_id}",
            )
        )
        session.flush()
        row = Adjudication(
            party_key=case.party_key,
            party=case.party,
            source=source,
            record_id=record_id,
            record_name=entry.name,
            decision=decision,
            reason=reason,
            expires=expires,
            fingerprint=fingerprint(entry),
            judged=_judged(entry),
            decided_by=actor.user,
            decided_kind=actor.kind,
            decided_at=now,
            list_version=snap.version,
            case_id=case_id,
            case_round=round_,
            status="active",
            active_key=active_key,
        )
        session.add(row)
        session.flush()
        decided = {
            r
            for (r,) in session.execute(
                select(ADJ.c.source + ":" + ADJ.c.record_id).where(
                    ADJ.c.party_key == case.party_key, ADJ.c.status == "active"
                )
            )
        }
        closed = all(r in decided for r in records)
        if closed:
            case.status, case.open_key, case.decided_at = "decided", None, now
            session.add(case)
        bump(session, ADJUDICATIONS)
        record_audit(
            session,
            actor,
            "case.decide",
            subject=f"case {case_id}: {case.party} / {record}",
            detail={
                "case": case_id,
                "round": round_,
                "record": record,
                "decision": decision,
                "reason": reason,
                "expires": expires.isoformat() if expires else None,
                "fingerprint": row.fingerprint,
                "closed": closed,
            },
            list_version=snap.version,
            at=now,
        )
        session.commit()
    return Decided(case_id=case_id, record=record, decision=decision, closed=closed)


def notify_outcomes(
    engine: Engine, settings: Settings, screener: Any, *, now: datetime | None = None
) -> int:
    """Tell every asker of each newly decided case the outcome, in their thread, once (also
    in the case's own thread). The final verdict is the party screened again, now."""
    now = now or utcnow()
    with Session(engine) as session:
        due = (
            session.execute(
                select(CASE.c.id).where(
                    CASE.c.status == "decided", CASE.c.notified_round < CASE.c.round
                )
            )
            .scalars()
            .all()
        )
    sent = 0
    for case_id in due:
        with Session(engine) as session:
            case = session.get(ReviewCase, case_id)
            if case is None:
                continue
            country, party, question, round_ = case.country, case.party, case.question, case.round
            adjs = (
                session.execute(
                    select(Adjudication)
                    .where(Adjudication.case_id == case_id, Adjudication.case_round == round_)
                    .order_by(Adjudication.id)
                )
                .scalars()
                .all()
            )
            decisions = [
                {
                    "record": f"{a.source}:{a.record_id}",
                    "name": a.record_name,
                    "decision": a.decision,
                    "reason": a.reason,
                    "by": a.decided_by,
                    "at": a.decided_at.isoformat(),
                    "expires": a.expires.isoformat() if a.expires else None,
                }
                for a in adjs
            ]
        outcome = screener.screen(
            ScreeningRequest(party=party, country=country, text=question),
            Requester(user="system", kind="system"),
            now=now,
            audit=False,
        )
        d = outcome.decision
        with writer(engine).begin() as conn:
            mine = conn.execute(
                update(CASE)
                .where(CASE.c.id == case_id, CASE.c.notified_round < round_)
                .values(notified_round=round_)
            ).rowcount
            if not mine:
                continue
            body = {
                "case_id": case_id,
                "round": round_,
                "party": party,
                "country": country,
                "question": question,
                "decisions": decisions,
                "verdict": d.verdict,
                "reasons": d.reasons + d.notes,
                "version": d.list_version,
            }
            for a in conn.execute(select(ASKER).where(ASKER.c.case_id == case_id)).mappings():
                if a["kind"] != "slack" or not a["channel"]:
                    continue
                _enqueue(
                    conn,
                    key=f"case-outcome:{case_id}:{round_}:{a['id']}",
                    kind="case_outcome",
                    target=a["channel"],
                    payload={**body, "thread_ts": a["thread_ts"], "asker": a["user"]},
                    now=now,
                )
                sent += 1
            posted = conn.execute(
                select(ALERT.c.target, ALERT.c.message_ts).where(
                    ALERT.c.key == f"case:{case_id}:{round_}"
                )
            ).first()
            if posted is not None and posted.message_ts:
                _enqueue(
                    conn,
                    key=f"case-outcome:{case_id}:{round_}:case",
                    kind="case_outcome",
                    target=posted.target,
                    payload={**body, "thread_ts": posted.message_ts, "asker": None},
                    now=now,
                )
    return sent


@dataclass
class RecheckReport:
    lapsed: int = 0
    removed: int = 0
    reopened: int = 0


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    said = []
    labels = {
        "name": "name",
        "alt_names": "aliases",
        "addresses": "addresses",
        "source": "list",
        "license_requirement": "license requirement",
    }
    for field, label in labels.items():
        if before.get(field) != after.get(field):
            said.append(f"{label}: {before.get(field)!r} → {after.get(field)!r}")
    return "; ".join(said) or "the listed record's content changed"


def recheck(engine: Engine, settings: Settings, *, now: datetime | None = None) -> RecheckReport:
    """Lapse decisions that expired, or whose record changed in the list in use (once per list
    version, claimed on the `reviews_checked` counter), and re-open their cases."""
    now = now or utcnow()
    today = now.astimezone(settings.tz).date()
    report = RecheckReport()
    with Session(engine) as session:  # most ticks have nothing to do: no write lock for that
        snap = current_snapshot(session)
        checked = session.get(DataVersion, CHECKED)
        expired = session.execute(
            select(ADJ.c.id).where(ADJ.c.status == "active", ADJ.c.expires < today).limit(1)
        ).first()
    if snap is None or (expired is None and (checked is None or checked.version >= (snap.id or 0))):
        return report
    with Session(writer(engine)) as session:
        snap = current_snapshot(session)
        full = snap is not None and bool(
            session.execute(
                update(DataVersion)
                .where(DataVersion.key == CHECKED, DataVersion.version < (snap.id or 0))
                .values(version=snap.id or 0)
            ).rowcount  # type: ignore[attr-defined]
        )
        active = (
            session.execute(select(Adjudication).where(Adjudication.status == "active"))
            .scalars()
            .all()
        )
        current: dict[tuple[str, str], Any] = {}
        if full and active and snap is not None:
            ids = sorted({a.record_id for a in active})
            for start in range(0, len(ids), 500):
                for e in session.execute(
                    select(Entry).where(
                        Entry.snapshot_id == snap.id, Entry.list_id.in_(ids[start : start + 500])
                    )  # type: ignore[attr-defined]
                ).scalars():
                    current[(e.source, e.list_id)] = e
        found: list[tuple[Any, str, str]] = []  # (adjudication, new status, why)
        for a in active:
            if a.expires is not None and a.expires < today:
                found.append((a, "lapsed", f"expired on {a.expires.isoformat()}"))
            elif full:
                entry = current.get((a.source, a.record_id))
                if entry is None:
                    why = f"{a.source}:{a.record_id} was removed from the list"
                    found.append((a, "removed", why))
                elif fingerprint(entry) != a.fingerprint:
                    why = f"the listed record changed ({_diff(a.judged, _judged(entry))})"
                    found.append((a, "lapsed", why))
        mine = _end(session, found, now)  # conditional: another process may have been first
        version = snap.version if snap else None
        reopen: dict[int, str] = {}
        for a, status, why in mine:
            record_audit(
                session,
                SYSTEM,
                f"adjudication.{status}",
                subject=f"{a.party} / {a.source}:{a.record_id}",
                detail={"adjudication": a.id, "case": a.case_id, "why": why},
                list_version=version,
                at=now,
            )
            if status == "removed":
                report.removed += 1
                if a.case_id is not None:
                    session.execute(
                        update(CASE)
                        .where(CASE.c.id == a.case_id)
                        .values(status="closed", open_key=None, note=why)
                    )
                    reopen.pop(a.case_id, None)
            else:
                report.lapsed += 1
                if a.case_id is not None:
                    reopen.setdefault(a.case_id, why)
        report.reopened = _reopen(session, reopen, now, review_target(settings))
        if mine:
            bump(session, ADJUDICATIONS)
        session.commit()
    return report


def _end(session: Session, found: list[tuple[Any, str, str]], now: datetime) -> list[Any]:
    """End the decisions found (a few statements for any number); those this call ended."""
    ended: set[int] = set()
    for status in ("lapsed", "removed"):
        ids = [a.id for a, st, _ in found if st == status]
        for start in range(0, len(ids), 500):
            ended |= set(
                session.execute(
                    update(ADJ)
                    .where(ADJ.c.id.in_(ids[start : start + 500]), ADJ.c.status == "active")
                    .values(status=status, active_key=None, ended_at=now)
                    .returning(ADJ.c.id)
                ).scalars()
            )
    mine = [(a, st, why) for a, st, why in found if a.id in ended]
    if mine:
        session.execute(
            update(ADJ).where(ADJ.c.id == bindparam("b_id")).values(ended_why=bindparam("b_why")),
            [{"b_id": a.id, "b_why": why} for a, _, why in mine],
        )
    return mine


def _reopen(session: Session, why_of: dict[int, str], now: datetime, target: str | None) -> int:
    """Re-open decided cases and queue their messages again, saying what changed. A case whose
    party and records meanwhile have another open case (someone asked after the decision
    lapsed, before this ran) stays closed and points to it. How many were re-opened."""
    if not why_of:
        return 0
    session.flush()
    ids = sorted(why_of)
    cases = {
        c.id: c
        for start in range(0, len(ids), 500)
        for c in session.execute(
            select(ReviewCase).where(ReviewCase.id.in_(ids[start : start + 500]))  # type: ignore[union-attr]
        ).scalars()
        if c.status != "open"
    }
    keys = {cid: f"{c.party_key}|{c.record_set}" for cid, c in cases.items()}
    values = sorted(set(keys.values()))
    taken: dict[str, int] = {}
    for start in range(0, len(values), 500):
        rows = session.execute(
            select(CASE.c.open_key, CASE.c.id).where(
                CASE.c.open_key.in_(values[start : start + 500])
            )
        ).all()
        taken.update({key: cid for key, cid in rows})
    askers: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        for a in session.execute(
            select(ASKER).where(ASKER.c.case_id.in_(ids[start : start + 500])).order_by(ASKER.c.id)
        ).mappings():
            askers.setdefault(a["case_id"], []).append(
                {k: a[k] for k in ("user", "kind", "channel", "thread_ts", "permalink")}
            )
    alerts = []
    for cid, case in cases.items():
        why, key = why_of[cid], keys[cid]
        if key in taken:
            case.note = f"{why}; continued in case {taken[key]}"
            continue
        taken[key] = cid
        case.status, case.round, case.open_key = "open", case.round + 1, key
        case.note, case.verdict, case.decided_at = why, REVIEW, None
        payload = {
            "case_id": cid,
            "round": case.round,
            "party": case.party,
            "country": case.country,
            "question": case.question,
            "verdict": REVIEW,
            "candidates": list(case.candidates),
            "version": case.list_version,
            "changed": why,
            "askers": askers.get(cid, []),
        }
        alerts.append(
            {
                "key": f"case:{cid}:{case.round}",
                "kind": "review_case",
                "target": target,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
        )
    session.flush()
    if alerts and target:
        insert = upsert_insert(session.get_bind().dialect.name)
        session.execute(insert(ALERT).on_conflict_do_nothing(index_elements=["key"]), alerts)
    elif alerts:
        log.warning("re-opened review cases have nowhere to go: set CANWESHIP_REVIEW_CHANNEL")
    return len(alerts)


def list_cases(engine: Engine, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Cases oldest first, with their askers."""
    with Session(engine) as session:
        query = select(ReviewCase).order_by(ReviewCase.opened_at, ReviewCase.id)  # type: ignore[arg-type]
        if open_only:
            query = query.where(ReviewCase.status == "open")
        cases = session.execute(query).scalars().all()
        askers: dict[int, list[str]] = {}
        for a in session.execute(select(CaseAsker).order_by(CaseAsker.id)).scalars():
            askers.setdefault(a.case_id, []).append(a.user)
    return [
        {
            "case": c.id,
            "status": c.status,
            "round": c.round,
            "party": c.party,
            "country": c.country,
            "verdict": c.verdict,
            "question": c.question,
            "records": [x["record"] for x in c.candidates],
            "candidates": c.candidates,
            "opened_at": c.opened_at.isoformat(),
            "askers": askers.get(c.id or 0, []),
            "note": c.note,
        }
        for c in cases
    ]


def list_adjudications(engine: Engine, *, all_rows: bool = True) -> list[dict[str, Any]]:
    with Session(engine) as session:
        query = select(Adjudication).order_by(Adjudication.id)  # type: ignore[arg-type]
        if not all_rows:
            query = query.where(Adjudication.status == "active")
        rows = session.execute(query).scalars().all()
    return [
        {
            "id": a.id,
            "party": a.party,
            "party_key": a.party_key,
            "record": f"{a.source}:{a.record_id}",
            "record_name": a.record_name,
            "decision": a.decision,
            "reason": a.reason,
            "expires": a.expires.isoformat() if a.expires else None,
            "decided_by": a.decided_by,
            "decided_at": a.decided_at.isoformat(),
            "status": a.status,
            "case": a.case_id,
            "list_version": a.list_version,
            "fingerprint": a.fingerprint,
            "ended_why": a.ended_why,
        }
        for a in rows
    ]
