"""Screen a question against the list in use, decide, and write the answer to the audit log.

The one path every surface uses: Slack handlers, the CLI and the local shell all call
`Screener.screen`. The name index is built once per list version and shared by all threads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot import licenses
from bot.config import Settings
from bot.decision import (
    Decision,
    DestinationPolicy,
    Match,
    Thresholds,
    decide,
    family_from_sources,
    unavailable,
)
from bot.liststatus import ListStatus, human_age, read_list_status
from bot.screening.index import IndexedName, NameIndex
from bot.screening.normalize import NORMALIZER_VERSION
from storage.db import writer
from storage.models import AuditEvent, CountryPolicy, Entry, EntryName, ListSnapshot
from storage.versioning import version_query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScreeningRequest:
    party: str | None
    country: str | None = None  # ISO-2, or ISO 3166-2 for regions (UA-43)
    item: str | None = None
    purpose: str | None = None
    text: str | None = None  # the question as asked, for the audit log


@dataclass(frozen=True)
class Requester:
    actor: str
    kind: str  # "slack" | "cli" | "system"
    channel: str | None = None
    permalink: str | None = None


@dataclass
class Outcome:
    request: ScreeningRequest
    decision: Decision
    audit_id: int | None
    at: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        d = self.decision
        out: dict[str, Any] = {
            "query": {
                "name": self.request.party,
                "country": self.request.country,
                "item": self.request.item,
            },
            "verdict": d.verdict,
            "reasons": d.reasons + d.notes,
            "list_version": d.list_version,
            "matches": [m.as_json() for m in d.matches],
        }
        if d.authorization:
            out["authorization"] = d.authorization
        if d.family:
            out["family"] = {
                "token": d.family.token,
                "count": d.family.count,
                "by_source": d.family.by_source,
            }
        if d.destination:
            out["destination"] = {
                "code": d.destination.code,
                "policy": d.destination.policy,
                "reason": d.destination.reason,
                "cite": d.destination.cite,
            }
        return out


@dataclass
class _LoadedIndex:
    snapshot_id: int
    index: NameIndex
    entries: dict[int, Entry]


class IndexCache:
    """One NameIndex per list version, built on first use and shared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: _LoadedIndex | None = None

    def get(self, engine: Engine, snapshot_id: int) -> _LoadedIndex:
        loaded = self._loaded
        if loaded is not None and loaded.snapshot_id == snapshot_id:
            return loaded
        with self._lock:
            loaded = self._loaded
            if loaded is None or loaded.snapshot_id != snapshot_id:
                loaded = self._build(engine, snapshot_id)
                self._loaded = loaded
            return loaded

    @staticmethod
    def _build(engine: Engine, snapshot_id: int) -> _LoadedIndex:
        started = datetime.now(UTC)
        with Session(engine) as session:
            entries = {
                e.id: e
                for e in session.execute(select(Entry).where(Entry.snapshot_id == snapshot_id))
                .scalars()
                .all()
            }
            for e in entries.values():
                session.expunge(e)
            snapshot = session.get(ListSnapshot, snapshot_id)
            # Names normalized by an older normalizer are normalized again, here, once per list.
            stored_ok = snapshot is not None and snapshot.normalizer_version == NORMALIZER_VERSION
            rows = session.execute(
                select(
                    EntryName.entry_id, EntryName.name, EntryName.normalized, EntryName.is_primary
                )
                .where(EntryName.snapshot_id == snapshot_id)
                .order_by(EntryName.id)
            ).all()
        names = [
            IndexedName(
                entry_key=entry_id,
                name=name,
                source=entries[entry_id].source,
                countries=tuple(entries[entry_id].countries or ()),
                is_primary=primary,
                entity_type=entries[entry_id].type,
                normalized=normalized if stored_ok else None,
            )
            for entry_id, name, normalized, primary in rows
            if entry_id in entries
        ]
        index = NameIndex.build(names)
        log.info(
            "built name index for snapshot %s: %d names, %d records in %.2fs",
            snapshot_id,
            len(names),
            len(entries),
            (datetime.now(UTC) - started).total_seconds(),
        )
        return _LoadedIndex(snapshot_id=snapshot_id, index=index, entries=entries)


def _match(entry: Entry, hit: Any) -> Match:
    return Match(
        entry_key=entry.id or 0,
        entry_id=entry.list_id,
        source=entry.source,
        name=entry.name,
        matched_name=hit.matched_name,
        score=float(hit.score),
        countries=tuple(entry.countries or ()),
        license_requirement=entry.license_requirement,
        license_policy=entry.license_policy,
        federal_register_notice=entry.federal_register_notice,
        end_date=entry.end_date,
        entity_type=entry.type,
        country_match=hit.country_match,
    )


class Screener:
    """Answers screening requests against the store, failing closed on any doubt."""

    def __init__(self, settings: Settings, engine: Engine, cache: IndexCache | None = None):
        self.settings = settings
        self.engine = engine
        self.cache = cache or IndexCache()
        from bot import extensions

        # Callables (session, today) -> authorizations in force that day.
        self.authorization_sources: list[Any] = [
            extensions.active_authorizations,
            licenses.active_authorizations,
        ]
        self._auth_cache: tuple[Any, list[Any], list[Any]] | None = None
        self._auth_lock = threading.Lock()

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(strong=self.settings.strong_match, review=self.settings.review_match)

    def screen(
        self,
        request: ScreeningRequest,
        requester: Requester,
        *,
        now: datetime | None = None,
        audit: bool = True,
    ) -> Outcome:
        now = now or datetime.now(UTC)
        try:
            decision = self._decide(request, now)
        except SQLAlchemyError as exc:
            log.error("screening store unreadable: %s", exc)
            decision = unavailable(
                "The screening store cannot be read right now, so nothing was checked. "
                "Do not ship on this answer; try again in a few minutes or ask compliance."
            )
            return Outcome(request=request, decision=decision, audit_id=None, at=now)
        audit_id = None
        if audit:
            try:
                audit_id = self._audit([(request, decision)], requester, now)[0]
            except SQLAlchemyError as exc:
                log.error("could not write the audit record: %s", exc)
                decision = unavailable(
                    "The answer could not be recorded in the audit log, so it is withheld. "
                    "Try again in a few minutes or ask compliance."
                )
            else:
                from bot.counterparties import after_answer

                after_answer(self, decision, now)
        return Outcome(request=request, decision=decision, audit_id=audit_id, at=now)

    def screen_batch(
        self,
        requests: list[ScreeningRequest],
        requester: Requester,
        *,
        now: datetime | None = None,
        progress: Any = None,
        chunk: int = 500,
    ) -> list[Outcome]:
        """Screen many requests in order; audit rows are written a chunk per transaction."""
        now = now or datetime.now(UTC)
        outcomes: list[Outcome] = []
        for start in range(0, len(requests), chunk):
            part = requests[start : start + chunk]
            decided = [(r, self._decide(r, now)) for r in part]
            ids = self._audit(decided, requester, now)
            outcomes.extend(
                Outcome(request=r, decision=d, audit_id=i, at=now)
                for (r, d), i in zip(decided, ids, strict=True)
            )
            if progress:
                progress(len(outcomes), len(requests))
        return outcomes

    def _decide(self, request: ScreeningRequest, now: datetime) -> Decision:
        today = now.astimezone(self.settings.tz).date()
        with Session(self.engine) as session:
            status = read_list_status(session, now=now, stale_after=self.settings.stale_after)
            destination = self._destination(session, request.country)
            matches: list[Match] = []
            family = None
            if request.party and not status.empty:
                assert status.snapshot is not None and status.snapshot.id is not None
                loaded = self.cache.get(self.engine, status.snapshot.id)
                country = (request.country or "").split("-")[0] or None
                result = loaded.index.search(request.party, country=country, limit=10)
                matches = [
                    _match(loaded.entries[h.entry_key], h)
                    for h in result.hits
                    if h.entry_key in loaded.entries
                ]
                if result.family is not None:
                    sources = [
                        loaded.entries[k].source
                        for k in result.family.entry_keys
                        if k in loaded.entries
                    ]
                    family = family_from_sources(result.family.token, sources)
            authorizations, denied = self._on_record(session, today)
            notes = licenses.denial_notes_for(denied, matches) if matches else []
        decision = decide(
            party=request.party,
            matches=matches,
            destination=destination,
            item=request.item,
            purpose=request.purpose,
            authorizations=authorizations,
            list_version=status.version,
            list_age=human_age(status.age) if status.age is not None else None,
            list_problem=status.problem,
            list_empty=status.empty,
            thresholds=self.thresholds,
            today=today,
            family=family,
        )
        decision.notes.extend(notes)
        return decision

    def _on_record(self, session: Session, today: date) -> tuple[list[Any], list[Any]]:
        """Authorizations in force today and earlier denials, re-read only on change.

        One small query per answer decides: every change to licenses or extensions, in any
        process, bumps a counter in the same transaction (storage/versioning.py), so a withdrawn
        license never authorizes from a stale cache.
        """
        key = (session.execute(version_query()).scalar(), today)
        with self._auth_lock:
            if self._auth_cache is not None and self._auth_cache[0] == key:
                return self._auth_cache[1], self._auth_cache[2]
        found: list[Any] = []
        for source in self.authorization_sources:
            found.extend(source(session, today))
        denied = licenses.denials(session)
        for row in {id(a.row): a.row for a in found}.values():
            session.expunge(row)
        for row in denied:
            if row in session:
                session.expunge(row)
        with self._auth_lock:
            self._auth_cache = (key, found, denied)
        return found, denied

    @staticmethod
    def _destination(session: Session, code: str | None) -> DestinationPolicy | None:
        if not code:
            return None
        from bot.countries import country_name

        candidates = [code] + ([code.split("-")[0]] if "-" in code else [])
        for candidate in candidates:
            row = session.get(CountryPolicy, candidate)
            if row is not None:
                return DestinationPolicy(
                    code=code,
                    name=country_name(code),
                    policy=row.policy,
                    reason=row.reason,
                    cite=row.cite,
                )
        return DestinationPolicy(
            code=code, name=country_name(code), policy="none", reason="no restriction on record"
        )

    def _audit(
        self,
        answers: list[tuple[ScreeningRequest, Decision]],
        requester: Requester,
        now: datetime,
    ) -> list[int | None]:
        rows = [
            {
                "at": now,
                "actor": requester.actor,
                "actor_kind": requester.kind,
                "action": "screen",
                "channel": requester.channel,
                "permalink": requester.permalink,
                "subject": request.text or request.party,
                "verdict": decision.verdict,
                "list_version": decision.list_version,
                "detail": Outcome(
                    request=request, decision=decision, audit_id=None, at=now
                ).as_json(),
            }
            for request, decision in answers
        ]
        table = AuditEvent.__table__  # type: ignore[attr-defined]
        # Core insert: one statement per chunk, without the ORM's per-object bookkeeping.
        with Session(writer(self.engine)) as session:
            ids = list(
                session.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
                ).scalars()
            )
            self._remember_parties(session, answers, ids, requester, now)
            session.commit()
            return ids

    @staticmethod
    def _remember_parties(
        session: Session,
        answers: list[tuple[ScreeningRequest, Decision]],
        ids: list[int],
        requester: Requester,
        now: datetime,
    ) -> None:
        """Every party asked about becomes a counterparty, re-screened when the list changes.

        Same transaction as the audit rows (one commit per answer), inside a savepoint: a
        failure here must not cost the answer its audit row.
        """
        from bot.counterparties import record_asked_in

        for (request, decision), audit_id in zip(answers, ids, strict=True):
            if not request.party:
                continue
            try:
                with session.begin_nested():
                    record_asked_in(session, request, requester, decision, audit_id, now)
            except Exception:
                log.exception("could not record the counterparty of an answer")


def list_status(engine: Engine, settings: Settings, now: datetime | None = None) -> ListStatus:
    with Session(engine) as session:
        return read_list_status(
            session, now=now or datetime.now(UTC), stale_after=settings.stale_after
        )
