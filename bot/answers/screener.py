"""Screen a question against the list in use, decide, and write the answer to the audit log.

The one path every surface uses: Slack handlers, the CLI and the local shell all call
`Screener.screen`. The name index is built once per list version and shared by all threads.

Why one module (~600 lines): this is the single screening path, and its parts are used
together by every question: the index cache (one `NameIndex` per list version), what is on record
(authorizations, denials, destination policies), the decision and the audit write in one
transaction. The pure rules are already apart (bot/answers/verdicts.py), as are the collaborators
injected as `Hooks`; what remains is the sequencing, which reads best in one place.
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.answers.reading import edge_chatter, is_chatter
from bot.answers.verdicts import (
    AUTHORIZED,
    CLEAR,
    PROHIBITED,
    Decision,
    DestinationPolicy,
    Match,
    Thresholds,
    decide,
    family_from_sources,
    no_party_named,
    raise_floor,
    strip_footnotes,
    unavailable,
)
from bot.audit import Actor
from bot.config import Settings
from bot.lists.status import ListStatus, human_age, read_list_status
from bot.screening.clean import Cleaned, clean_party
from bot.screening.countries import country_name
from bot.screening.index import IndexedName, NameIndex, SearchResult
from bot.screening.normalize import NORMALIZER_VERSION
from bot.screening.spans import link_spans
from storage.db import writer
from storage.events import AlreadyHandled, EventRef, claim_in
from storage.models import AuditEvent, CountryPolicy, Entry, EntryName, ListSnapshot
from storage.versioning import version_query

VERSION_QUERY = version_query()
_AUDIT = AuditEvent.__table__  # type: ignore[attr-defined]
AUDIT_INSERT = insert(_AUDIT).returning(_AUDIT.c.id, sort_by_parameter_order=True)

log = logging.getLogger(__name__)

STORE_UNREADABLE = (
    "The screening store cannot be read right now, so nothing was checked. "
    "Do not ship on this answer; try again in a few minutes or ask compliance."
)
AUDIT_UNWRITABLE = (
    "The answer could not be recorded in the audit log, so it is withheld. "
    "Try again in a few minutes or ask compliance."
)


@dataclass(frozen=True)
class ScreeningRequest:
    party: str | None
    country: str | None = None  # ISO-2, or ISO 3166-2 for regions (UA-43)
    item: str | None = None
    purpose: str | None = None
    text: str | None = None  # the question as asked, for the audit log


@dataclass(frozen=True)
class Requester(Actor):
    """Who asked (an `Actor`), where, and the Slack event being answered."""

    permalink: str | None = None
    #: The thread the answer goes to (a review case tells its outcome there).
    thread_ts: str | None = None
    # The Slack event being answered: claimed in the audit transaction, so the answer's audit
    # row and the exactly-once claim commit together (AlreadyHandled when another has it).
    event: EventRef | None = None


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
        if d.ownership:
            out["ownership"] = d.ownership
        if d.destination:
            out["destination"] = {
                "code": d.destination.code,
                "policy": d.destination.policy,
                "reason": d.destination.reason,
                "cite": d.destination.cite,
            }
        return out


_SERIALS = itertools.count(1)


@dataclass
class _LoadedIndex:
    snapshot_id: int
    index: NameIndex
    entries: dict[int, Entry]
    version: str | None = None  # the list version this index was built from
    #: Unique per build in this process: what caches of lookups in this index are keyed by
    #: (snapshot ids repeat across stores).
    serial: int = field(default_factory=lambda: next(_SERIALS))


class IndexCache:
    """One NameIndex per list version, shared by all threads.

    The first index is built on first use (or by `warm`, before a web worker reports ready).
    With `beside` (serving processes: bot/runtime/wsgi.py, Socket Mode), when the list in use
    changes the new index is built beside the old one on a background thread and swapped in
    when done: meanwhile questions are answered from the previous list (and say which version
    they used), so no question waits for a build. Without it (the CLI, the scheduler, tests),
    the caller builds the new index and waits, so it always answers from the list in use.
    """

    def __init__(self, *, beside: bool = False) -> None:
        self.beside = beside
        self._lock = threading.Lock()
        self._loaded: _LoadedIndex | None = None
        self._building: int | None = None  # the snapshot a background build is making

    @property
    def loaded(self) -> _LoadedIndex | None:
        return self._loaded

    def ready(self, snapshot_id: int) -> bool:
        """True when the index of `snapshot_id` is built in this process."""
        loaded = self._loaded
        return loaded is not None and loaded.snapshot_id == snapshot_id

    def warm(self, engine: Engine, snapshot_id: int) -> _LoadedIndex:
        """Build the index of `snapshot_id` now (in this thread) unless it is already built."""
        loaded = self._loaded
        if loaded is not None and loaded.snapshot_id == snapshot_id:
            return loaded
        with self._lock:
            loaded = self._loaded
            if loaded is None or loaded.snapshot_id != snapshot_id:
                loaded = self._swap_in(self._build(engine, snapshot_id))
            return loaded

    def get(self, engine: Engine, snapshot_id: int) -> _LoadedIndex:
        """The index of `snapshot_id`; while it is being built beside an older one, the older."""
        loaded = self._loaded
        if loaded is not None and loaded.snapshot_id == snapshot_id:
            return loaded
        if loaded is None or not self.beside:
            return self.warm(engine, snapshot_id)
        with self._lock:
            if self._building != snapshot_id:
                self._building = snapshot_id
                threading.Thread(
                    target=self._build_beside,
                    args=(engine, snapshot_id),
                    name="index-build",
                    daemon=True,
                ).start()
        return loaded

    def _build_beside(self, engine: Engine, snapshot_id: int) -> None:
        try:
            built = self._build(engine, snapshot_id)
        except Exception:  # the old index keeps answering; the next question tries again
            log.exception("building the name index of snapshot %s failed", snapshot_id)
            with self._lock:
                self._building = None
            return
        with self._lock:
            if self._building == snapshot_id:
                self._building = None
            self._swap_in(built)

    def _swap_in(self, built: _LoadedIndex) -> _LoadedIndex:
        """Make `built` the index in use (under the lock)."""
        self._loaded = built
        # The index is a few hundred thousand long-lived objects: every full collection of the
        # cyclic GC would walk them all (about 120 ms with the composite list, every thread
        # stopped). Freeze them out of its reach; they hold no cycles, so reference counting
        # still frees an old index when the list changes.
        gc.freeze()
        return built

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
        return _LoadedIndex(
            snapshot_id=snapshot_id,
            index=index,
            entries=entries,
            version=snapshot.version if snapshot is not None else None,
        )


@dataclass(frozen=True)
class OnRecord:
    """What the store says besides the list: authorizations, denials, destination policies."""

    authorizations: list[Any]
    denied: list[Any]
    policies: dict[str, tuple[str, str, str | None]]  # code -> (policy, reason, cite)
    adjudications: Any = None  # what `Hooks.adjudications` loaded (reviewers' decisions)
    ownership: Any = None  # what `Hooks.ownership` loaded (ownership and the 50% rules)

    def destination(self, code: str | None) -> DestinationPolicy | None:
        """The policy for a destination; a region (UA-43) falls back to its country's."""
        if not code:
            return None

        for candidate in [code] + ([code.split("-")[0]] if "-" in code else []):
            found = self.policies.get(candidate)
            if found is not None:
                policy, reason, cite = found
                return DestinationPolicy(
                    code=code, name=country_name(code), policy=policy, reason=reason, cite=cite
                )
        return DestinationPolicy(
            code=code, name=country_name(code), policy="none", reason="no restriction on record"
        )


@dataclass(frozen=True)
class _FamilyEvidence:
    """A family member no name hit reached: shown by its own name, with no score."""

    matched_name: str
    score: float = 0.0
    country_match: bool | None = None


def _match(entry: Entry, hit: Any) -> Match:
    return Match(
        entry_key=entry.id or 0,
        entry_id=entry.list_id,
        source=entry.source,
        name=entry.name,
        matched_name=hit.matched_name,
        score=float(hit.score),
        countries=tuple(entry.countries or ()),
        license_requirement=strip_footnotes(entry.license_requirement),
        license_policy=strip_footnotes(entry.license_policy),
        federal_register_notice=entry.federal_register_notice,
        end_date=entry.end_date,
        entity_type=entry.type,
        country_match=hit.country_match,
    )


@dataclass(frozen=True)
class Hooks:
    """What the screener is handed from the layers above it (bot/runtime/wiring.py builds the
    real ones), so that answering never imports licensing, counterparties or upkeep.

    The defaults fail closed: nothing on record authorizes (no answer is `authorized`), no
    denial notes, nothing remembered, no staleness incident opened.
    """

    #: Callables (session, today) -> authorizations in force that day (licenses, extensions).
    authorization_sources: tuple[Callable[[Session, date], list[Any]], ...] = ()
    #: (session) -> license denials on record; (denied, matches) -> notes for the answer.
    denials: Callable[[Session], list[Any]] = lambda _session: []
    denial_notes_for: Callable[[list[Any], list[Match]], list[str]] = lambda _rows, _m: []
    #: Remember the party of an answer, in the audit transaction (conn, request, requester,
    #: decision, audit id, now).
    record_asked_in: Callable[..., None] | None = None
    #: After answers are recorded (screener, decision, now): e.g. the stale-list check.
    after_answer: Callable[[Any, Decision, datetime], None] | None = None
    #: (session, today) -> reviewers' decisions in force, cached with the authorizations.
    adjudications: Callable[[Session, date], Any] | None = None
    #: (loaded, party, country, matches, entry_of) -> `Adjudged` | None: the matches as the
    #: decisions leave them. Only ever relaxes fuzzy matches (bot/reviews/apply.py).
    adjudicate: Callable[..., Any] | None = None
    #: (session, today) -> ownership on record and the 50% rules' periods, cached likewise.
    ownership: Callable[[Session, date], Any] | None = None
    #: (loaded, party, variants, search, list key, today) -> `Owned` | None: what the
    #: ownership on record means for the party on that day (bot/ownership/apply.py). `search`
    #: gives the strong matches of a name in the list in use, with the record's programs.
    owned_by: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Adjudged:
    """Matches after reviewers' decisions, what the answer says about them, and a floor: the
    verdict a "needs a license check" decision keeps the answer at, at least."""

    matches: list[Match]
    notes: list[str] = field(default_factory=list)
    floor: tuple[str, str] | None = None  # (verdict, reason)
    settled: tuple[str, ...] = ()  # records ("SRC:id") a decision in force settled


@dataclass(frozen=True)
class Owned:
    """What the ownership on record means for a party: floors (verdict at least, and why) the
    answer is raised to, never lowered, notes, and the evidence for the answer's JSON."""

    floors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


class Screener:
    """Answers screening requests against the store, failing closed on any doubt."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        cache: IndexCache | None = None,
        *,
        hooks: Hooks | None = None,
    ):
        self.settings = settings
        self.engine = engine
        self.hooks = hooks or Hooks()
        # The per-answer version read is one statement: on PostgreSQL, run it outside a
        # transaction (no BEGIN/ROLLBACK round trips). SQLite transactions are local and managed
        # by storage.db's own BEGIN, which an isolation-level switch would undo.
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self.cache = cache or IndexCache()
        self._auth_cache: tuple[Any, OnRecord] | None = None
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
            return Outcome(
                request=request, decision=unavailable(STORE_UNREADABLE), audit_id=None, at=now
            )
        if not audit:
            return Outcome(request=request, decision=decision, audit_id=None, at=now)
        return self.record([(request, decision)], requester, now)[0]

    def linker(self, now: datetime | None = None) -> Any:
        """A span linker bound to the list in use (see bot/screening/spans.py), or None when
        there is no usable list (the answer then says so)."""
        try:
            status = self._list_status(now or datetime.now(UTC))
        except SQLAlchemyError:
            return None
        if status.empty or status.snapshot is None or status.snapshot.id is None:
            return None
        index = self.cache.get(self.engine, status.snapshot.id).index
        threshold = self.settings.review_match

        def link(text: str, words: Any) -> Any:
            return link_spans(
                text,
                index,
                is_chatter=is_chatter,
                is_edge_chatter=edge_chatter,
                threshold=threshold,
                words=words,
            )

        return link

    def destination_policy(self, code: str | None, now: datetime) -> DestinationPolicy | None:
        """The store's policy for a destination (or its country), as the decision would use."""
        return self._on_record(now.astimezone(self.settings.tz).date()).destination(code)

    def decide_all(self, requests: list[ScreeningRequest], now: datetime) -> list[Decision]:
        """Decisions for several requests, unaudited; `unavailable` if the store cannot be read."""
        try:
            return [self._decide(r, now) for r in requests]
        except SQLAlchemyError as exc:
            log.error("screening store unreadable: %s", exc)
            return [unavailable(STORE_UNREADABLE) for _ in requests]

    def record(
        self,
        decided: list[tuple[ScreeningRequest, Decision]],
        requester: Requester,
        now: datetime,
    ) -> list[Outcome]:
        """Write decided answers to the audit log in one transaction (one event claim)."""
        try:
            ids = self._audit(decided, requester, now)
        except SQLAlchemyError as exc:
            log.error("could not write the audit record: %s", exc)
            withheld = unavailable(AUDIT_UNWRITABLE)
            return [
                Outcome(request=r, decision=withheld, audit_id=None, at=now) for r, _ in decided
            ]
        if self.hooks.after_answer is not None:
            for _, decision in decided:
                self.hooks.after_answer(self, decision, now)
        return [
            Outcome(request=r, decision=d, audit_id=i, at=now)
            for (r, d), i in zip(decided, ids, strict=True)
        ]

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
        status = self._list_status(now)
        on_record = self._on_record(today)
        matches: list[Match] = []
        family = None
        list_version = status.version
        cleaned = clean_party(request.party or "")
        if cleaned.text and not status.empty:
            assert status.snapshot is not None and status.snapshot.id is not None
            loaded = self.cache.get(self.engine, status.snapshot.id)
            if loaded.snapshot_id != status.snapshot.id:
                # A new list's index is being built beside this one: answer from the list the
                # index holds, and say so (its version), rather than make the asker wait.
                list_version = loaded.version
            country = (request.country or "").split("-")[0] or None
            result = _search_all(loaded.index, cleaned, country)
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
                members = set(result.family.entry_keys)
                hit = next(
                    (
                        h
                        for h in result.hits
                        if h.entry_key in members and h.entry_key in loaded.entries
                    ),
                    None,
                )
                lead = hit.entry_key if hit is not None else None
                if lead is None:
                    lead = next((k for k in result.family.entry_keys if k in loaded.entries), None)
                lead_match = None
                if lead is not None:
                    entry = loaded.entries[lead]
                    lead_match = _match(
                        entry,
                        hit or _FamilyEvidence(entry.name),
                    )
                family = family_from_sources(
                    result.family.token,
                    sources,
                    lead_match.name if lead_match else None,
                    exact=result.family.exact,
                    lead=lead_match,
                    leads=result.family.leads,
                )
        adjudged: Adjudged | None = None
        if matches and self.hooks.adjudicate is not None and on_record.adjudications:
            entries = loaded.entries
            adjudged = self.hooks.adjudicate(
                on_record.adjudications, cleaned.text, request.country, matches, entries.get
            )
            if adjudged is not None:
                matches = adjudged.matches
        notes = self.hooks.denial_notes_for(on_record.denied, matches) if matches else []
        decision = decide(
            party=cleaned.text,
            matches=matches,
            destination=on_record.destination(request.country),
            item=request.item,
            purpose=request.purpose,
            authorizations=on_record.authorizations,
            list_version=list_version,
            list_age=human_age(status.age) if status.age is not None else None,
            list_problem=status.problem,
            list_empty=status.empty,
            thresholds=self.thresholds,
            today=today,
            family=family,
        )
        decision.notes.extend(notes)
        if adjudged is not None:
            decision.notes.extend(adjudged.notes)
            decision.settled = adjudged.settled
            if decision.verdict == CLEAR and adjudged.settled:
                # A record set aside by a reviewer was matched: "nothing" would say otherwise.
                decision.reasons = [
                    r.replace("matched nothing on the screening list", "matched no other record")
                    for r in decision.reasons
                ]
            if adjudged.floor is not None:
                raise_floor(decision, *adjudged.floor)
        if cleaned.text and not status.empty and on_record.ownership is not None:
            self._apply_ownership(decision, cleaned, on_record.ownership, loaded, today)
        if request.party and request.party.strip() and not cleaned.text:
            return no_party_named(decision, request.party)
        if cleaned.notes and cleaned.text:
            decision.notes.append(f"Screened '{cleaned.text}' ({'; '.join(cleaned.notes)}).")
        return decision

    def _apply_ownership(
        self, decision: Decision, cleaned: Cleaned, ownership: Any, loaded: Any, today: date
    ) -> None:
        """Raise the answer to what the 50% rules make of the party's owners (never lower)."""
        owned_by = self.hooks.owned_by
        if owned_by is None:
            return
        owned = owned_by(
            ownership,
            cleaned.text,
            tuple(cleaned.variants),
            self._strong_search(loaded),
            loaded.serial,
            today,
        )
        if owned is None:
            return
        severity = {PROHIBITED: 3, "license_required": 2, "review": 1}
        for verdict, why in sorted(owned.floors, key=lambda f: -severity.get(f[0], 0)):
            if decision.verdict == AUTHORIZED and verdict == PROHIBITED:
                # A license never authorizes dealing with a blocked party.
                decision.verdict = PROHIBITED
                decision.reasons.insert(0, why)
                continue
            raise_floor(decision, verdict, why)
        decision.notes.extend(owned.notes)
        decision.ownership = owned.evidence

    def _strong_search(self, loaded: _LoadedIndex) -> Callable[[str], list[tuple[Match, Any]]]:
        strong = self.settings.strong_match

        def search(name: str) -> list[tuple[Match, Any]]:
            hits = loaded.index.search(name, limit=10).hits
            return [
                (_match(loaded.entries[h.entry_key], h), loaded.entries[h.entry_key].programs)
                for h in hits
                if h.score >= strong and h.entry_key in loaded.entries
            ]

        return search

    def strong_search(self, now: datetime) -> tuple[Callable[..., Any], int] | None:
        """(name -> strong matches in the list in use with their records' programs, a key of
        that list's index, unique in this process), or None when there is no usable list: what
        `Hooks.owned_by` is given, for re-screening many owned parties at once
        (bot/upkeep/ownership.py)."""
        status = self._list_status(now)
        if status.empty or status.snapshot is None or status.snapshot.id is None:
            return None
        loaded = self.cache.get(self.engine, status.snapshot.id)
        return self._strong_search(loaded), loaded.serial

    def _list_status(self, now: datetime) -> ListStatus:
        """The list in use (cached per process, see bot/lists/status.py)."""
        with Session(self.engine) as session:
            return read_list_status(session, now=now, stale_after=self.settings.stale_after)

    def _on_record(self, today: date) -> OnRecord:
        """Authorizations in force today, earlier denials and destination policies.

        Re-read only on change: every change to licenses, extensions or destination policies,
        in any process, bumps a counter in the same transaction (storage/versioning.py), and one
        small query per answer compares it, so a withdrawn license never authorizes from a stale
        cache. That query also proves the store answers; when it does not, the answer is
        `unavailable`.
        """
        with self._autocommit.connect() as conn:
            key = (conn.execute(VERSION_QUERY).scalar(), today)
        with self._auth_lock:
            if self._auth_cache is not None and self._auth_cache[0] == key:
                return self._auth_cache[1]
        with Session(self.engine) as session:
            found: list[Any] = []
            for source in self.hooks.authorization_sources:
                found.extend(source(session, today))
            denied = self.hooks.denials(session)
            adjudications = (
                self.hooks.adjudications(session, today) if self.hooks.adjudications else None
            )
            ownership = self.hooks.ownership(session, today) if self.hooks.ownership else None
            policies = {
                row.code: (row.policy, row.reason, row.cite)
                for row in session.execute(select(CountryPolicy)).scalars()
            }
            for row in {id(a.row): a.row for a in found}.values():
                session.expunge(row)
            for row in denied:
                if row in session:
                    session.expunge(row)
        loaded = OnRecord(
            authorizations=found,
            denied=denied,
            policies=policies,
            adjudications=adjudications,
            ownership=ownership,
        )
        with self._auth_lock:
            self._auth_cache = (key, loaded)
        return loaded

    def _audit(
        self,
        answers: list[tuple[ScreeningRequest, Decision]],
        requester: Requester,
        now: datetime,
    ) -> list[int | None]:
        rows = [
            {
                "at": now,
                "actor": requester.user,
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
        # Core statements built once, in one write transaction with the counterparty upsert.
        with writer(self.engine).begin() as conn:
            if requester.event is not None and not claim_in(conn, requester.event):
                raise AlreadyHandled(requester.event.event_id)
            ids = list(conn.execute(AUDIT_INSERT, rows).scalars())
            self._remember_parties(conn, answers, ids, requester, now)
        return ids

    def _remember_parties(
        self,
        conn: Connection,
        answers: list[tuple[ScreeningRequest, Decision]],
        ids: list[int],
        requester: Requester,
        now: datetime,
    ) -> None:
        """Every party asked about becomes a counterparty, re-screened when the list changes.

        Same transaction as the audit rows (one commit per answer); a failure here must not cost
        the answer its audit row. PostgreSQL aborts a transaction on any failed statement, so there
        it runs inside a savepoint; SQLite undoes only the failed statement, so it needs none.
        """
        record_asked_in = self.hooks.record_asked_in
        if record_asked_in is None:
            return
        guard = conn.begin_nested if conn.dialect.name == "postgresql" else nullcontext
        for (request, decision), audit_id in zip(answers, ids, strict=True):
            if not request.party:
                continue
            try:
                with guard():
                    record_asked_in(conn, request, requester, decision, audit_id, now)
            except Exception:
                log.exception("could not record the counterparty of an answer")


def list_status(engine: Engine, settings: Settings, now: datetime | None = None) -> ListStatus:
    with Session(engine) as session:
        return read_list_status(
            session, now=now or datetime.now(UTC), stale_after=settings.stale_after
        )


def _search_all(index: NameIndex, cleaned: Cleaned, country: str | None) -> SearchResult:
    """Search the cleaned name and its variants (pinyin); keep the best hit per record."""
    result = index.search(cleaned.text, country=country, limit=10)
    if not cleaned.variants:
        return result
    best = {h.entry_key: h for h in result.hits}
    family = result.family
    for variant in cleaned.variants:
        extra = index.search(variant, country=country, limit=10)
        family = family or extra.family
        for h in extra.hits:
            if h.entry_key not in best or h.score > best[h.entry_key].score:
                best[h.entry_key] = h
    hits = sorted(best.values(), key=lambda h: -h.score)[:10]
    return SearchResult(hits=hits, family=family)
