"""What answering does with ownership: the `Hooks.ownership` loader and the `Hooks.owned_by`
rule (bot/runtime/wiring.py hands both to the screener).

Never looser than the answer without it: the result is a list of floors (a verdict at least,
and why), which the screener applies with `raise_floor`, and notes. While the Affiliates Rule
is in effect on the date asked, 50% or more held by Entity List, MEU List or 744.8 SDN owners
carries the owners' most restrictive license requirement (`license_required`); OFAC's rule, in
effect throughout, blocks what SDN owners hold 50% or more of (`prohibited`). A listed owner
whose share is not on record, or is below 50%, sends the answer to `review` (Red Flag 29 for
the Affiliates Rule, while it is in effect; a significant minority under OFAC's guidance).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.answers.screener import Owned
from bot.answers.verdicts import (
    LICENSE_LISTS,
    LICENSE_REQUIRED,
    PROHIBITED,
    REVIEW,
    Match,
    normalize_policy,
)
from bot.ownership.graph import THRESHOLD, Edge, Graph, Walk, walks, walks_everywhere
from bot.ownership.rules import (
    AFFILIATES,
    IN_EFFECT,
    OFAC,
    RULE_CITES,
    RULES,
    Period,
    load_periods,
    state_on,
)
from bot.screening.normalize import normalize_name
from storage.csl import LIST_NAMES
from storage.models_ownership import OwnershipEdge

#: SDN programs whose designees 15 CFR 744.8(a)(1) covers (EO 13382 proliferators): their
#: affiliates carry an EAR license requirement under the Affiliates Rule.
SDN_744_8 = frozenset({"NPWMD"})
MAX_CACHED_WALKS = 20_000


@dataclass(frozen=True)
class Listed:
    """A listed record an owner's name strongly matched."""

    name: str
    source: str
    entry_id: str
    requirement: str | None
    policy: str | None
    cite: str | None
    affiliates: bool  # on a list the Affiliates Rule names (EL, MEU, 744.8 SDN)
    blocked: bool  # SDN: OFAC's rule

    def label(self) -> str:
        return f"{LIST_NAMES.get(self.source, self.source)} {self.entry_id}"


class _Lookups:
    """The owners' lookups in one list version, shared by every `Loaded` of this process: a
    name's strong matches depend on the list, not on who owns whom."""

    def __init__(self, limit: int = 500_000) -> None:
        self._lock = threading.Lock()
        self._snapshot: int | None = None
        self._found: dict[str, tuple[Listed, ...]] = {}
        self._limit = limit

    def of(self, snapshot: int) -> dict[str, tuple[Listed, ...]]:
        with self._lock:
            if self._snapshot != snapshot or len(self._found) > self._limit:
                self._snapshot, self._found = snapshot, {}
            return self._found


_LOOKUPS = _Lookups()


@dataclass
class Loaded:
    """Ownership on record and the rules' periods, loaded once per data_version change."""

    graph: Graph
    periods: tuple[Period, ...]
    _listed: dict[str, tuple[Listed, ...]] = field(default_factory=dict)
    _walks: dict[str, tuple[Walk, Walk]] = field(default_factory=dict)
    _everywhere: tuple[Walk, Walk] | None = None
    _snapshot: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: Share the owners' lookups with the next load (an owner added leaves the others warm).
    shared: bool = True

    def listed(
        self, key: str, snapshot: int, search: Callable[[str], list[tuple[Match, Any]]]
    ) -> tuple[Listed, ...]:
        """The listed records party `key` strongly matches in the list in use (cached per
        list version: a delisted owner stops counting with the list that drops it)."""
        if self._snapshot != snapshot:
            with self._lock:
                if self._snapshot != snapshot:
                    self._listed = _LOOKUPS.of(snapshot) if self.shared else {}
                    self._walks = {}
                    self._everywhere = None
                    self._snapshot = snapshot
        found = self._listed.get(key)
        if found is None:
            found = tuple(_listed(m, programs) for m, programs in search(self.graph.names[key]))
            self._listed[key] = found
        return found

    def walks_of(
        self, key: str, snapshot: int, listed: Callable[[str], tuple[Listed, ...]]
    ) -> tuple[Walk, Walk]:
        """The OFAC and Affiliates walks above `key` (cached per list version, like the
        listing lookups: the graph itself is fixed for this object's life)."""
        if self._everywhere is not None and self._snapshot == snapshot:
            return self._everywhere
        cached = self._walks.get(key)
        if cached is not None and self._snapshot == snapshot:
            return cached
        flags: dict[str, tuple[bool, bool]] = {}

        def flag(k: str) -> tuple[bool, bool]:
            f = flags.get(k)
            if f is None:
                found = listed(k)
                f = flags[k] = (
                    any(x.blocked for x in found),
                    any(x.affiliates for x in found),
                )
            return f

        ofac, aff = walks(self.graph, key, lambda k: flag(k)[0], lambda k: flag(k)[1])
        if len(self._walks) >= MAX_CACHED_WALKS:
            self._walks.clear()
        self._walks[key] = (ofac, aff)
        return ofac, aff

    def walk_everywhere(
        self, snapshot: int, search: Callable[[str], list[tuple[Match, Any]]]
    ) -> int:
        """Look every owner up once and cover the whole graph at once (re-screening many
        parties: one fixpoint instead of one walk each). Returns the owners found listed."""
        owners = {e.owner_key for edges in self.graph.owners_of.values() for e in edges}
        found = {k: self.listed(k, snapshot, search) for k in sorted(owners)}
        blocked = {k for k, xs in found.items() if any(x.blocked for x in xs)}
        affiliates = {k for k, xs in found.items() if any(x.affiliates for x in xs)}
        ofac, aff = walks_everywhere(self.graph, blocked, affiliates)
        self._everywhere = (ofac, aff)
        return len(blocked | affiliates)


def _listed(m: Match, programs: Any) -> Listed:
    progs = {str(p).strip("[] ").upper() for p in (programs or ())}
    blocked = m.source == "SDN"
    return Listed(
        name=m.name,
        source=m.source,
        entry_id=m.entry_id,
        requirement=m.license_requirement,
        policy=m.license_policy,
        cite=m.federal_register_notice,
        affiliates=m.source in LICENSE_LISTS or (blocked and bool(progs & SDN_744_8)),
        blocked=blocked,
    )


def load_ownership(session: Session, today: date) -> Loaded:
    """Every edge on record, as a graph keyed by normalised name, and the rules' periods."""
    graph = Graph()
    rows = session.execute(
        select(
            OwnershipEdge.owned,
            OwnershipEdge.owned_key,
            OwnershipEdge.owner,
            OwnershipEdge.owner_key,
            OwnershipEdge.percent,
            OwnershipEdge.direct,
            OwnershipEdge.cite,
            OwnershipEdge.as_of,
        ).order_by(OwnershipEdge.id)  # type: ignore[arg-type]
    )
    for owned, owned_key, owner, owner_key, percent, direct, cite, as_of in rows:
        graph.add(owned_key, owned, Edge(owner_key, owner, percent, direct, cite, as_of))
    return Loaded(graph=graph, periods=load_periods(session))


def _pct(p: float | None) -> str:
    return "share not on record" if p is None else f"{p:g}%"


_POLICY_RANK = (("denial", 4), ("case-by-case", 2), ("approval", 1))


def _strictness(x: Listed) -> tuple[int, int]:
    policy = normalize_policy(x.policy)
    rank = next((r for word, r in _POLICY_RANK if word in policy), 3 if policy else 0)
    everything = "all items" in (x.requirement or "").casefold()
    return rank, 1 if everything else 0


def _source_of(
    key: str, w: Walk, graph: Graph, listed: Callable[[str], tuple[Listed, ...]], rule: str
) -> list[Listed]:
    """The listed records that make `key` covered: its own, else its covered owners' (cycle
    safe), for the rule's requirement and for naming the chain."""
    out: list[Listed] = []
    seen: set[str] = set()
    stack = [key]
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        own = [x for x in listed(k) if _counts(x, rule)]
        if own:
            out.extend(own)
            continue
        stack.extend(e.owner_key for e in graph.owners_of.get(k, ()) if e.owner_key in w.covered)
    return out


def _counts(x: Listed, rule: str) -> bool:
    return x.affiliates if rule == AFFILIATES else x.blocked


def _owner_line(
    e: Edge, w: Walk, graph: Graph, listed: Callable[[str], tuple[Listed, ...]], rule: str
) -> str:
    own = [x for x in listed(e.owner_key) if _counts(x, rule)]
    if own:
        what = "; ".join(f"{x.label()}" + (f", {x.cite}" if x.cite else "") for x in own[:2])
        return f"{e.owner} ({what}) {_pct(e.percent)}"
    above = [
        f"{graph.names.get(o.owner_key, o.owner_key)} {_pct(o.percent)}"
        for o in graph.owners_of.get(e.owner_key, ())
        if o.owner_key in w.maybe
    ]
    via = f"; itself owned by {', '.join(above[:3])}" if above else ""
    return f"{e.owner} ({_pct(e.percent)}{via})"


def _evidence(e: Edge) -> dict[str, Any]:
    return {
        "owner": e.owner,
        "percent": e.percent,
        "direct": e.direct,
        "cite": e.cite,
        "as_of": e.as_of.isoformat() if e.as_of else None,
    }


def owned_by(
    loaded: Loaded,
    party: str,
    variants: tuple[str, ...],
    search: Callable[[str], list[tuple[Match, Any]]],
    snapshot: int,
    today: date,
) -> Owned | None:
    """What the ownership on record means for `party` on `today`, or None (nothing on record)."""
    graph = loaded.graph
    key = next(
        (k for k in (normalize_name(n) for n in (party, *variants) if n) if k in graph), None
    )
    if key is None:
        return None

    def listed(k: str) -> tuple[Listed, ...]:
        return loaded.listed(k, snapshot, search)

    name = graph.names.get(key, party)
    direct = graph.owners_of.get(key, [])
    floors: list[tuple[str, str]] = []
    notes: list[str] = []
    evidence: dict[str, Any] = {"party": name, "owners": [_evidence(e) for e in direct]}
    cites = sorted({e.cite for e in direct if e.cite})
    on_record = f" Ownership on record: {'; '.join(cites)}." if cites else ""
    found = loaded.walks_of(key, snapshot, listed)
    for rule, w in zip((OFAC, AFFILIATES), found, strict=True):
        if w.truncated and rule == OFAC:  # (the same ancestors for both rules: say it once)
            notes.append(
                f"The ownership chain above {name} is longer than could be walked; "
                "check the owners further up by hand."
            )
        covering = [e for e in direct if e.owner_key in w.covered]
        if not any(e.owner_key in w.maybe for e in direct):
            continue  # no owner listed, covered or possibly covered (its own listing aside)
        period = state_on(loaded.periods, rule, today)
        active = period is not None and period.status == IN_EFFECT
        title = RULES[rule]
        cite = _cite(rule, period)
        share = w.share(graph, key)
        owners = "; ".join(_owner_line(e, w, graph, listed, rule) for e in covering)
        result = {
            "rule": rule,
            "name": title,
            "in_effect": active,
            "period": period.as_json() if period else None,
            "share": share,
            "covered_owners": [_evidence(e) for e in covering],
        }
        evidence.setdefault("rules", []).append(result)
        if share >= THRESHOLD:
            holders = "blocked persons" if rule == OFAC else "listed owners"
            if any(not any(_counts(x, rule) for x in listed(e.owner_key)) for e in covering):
                holders += " (or companies 50% or more owned by them)"
            fact = f"{name} is owned {share:g}% by {holders}: {owners}."
            if not active:
                notes.append(_not_in_effect(title, period, today, fact))
                result["applies"] = False
                continue
            result["applies"] = True
            if rule == OFAC:
                floors.append(
                    (
                        PROHIBITED,
                        f"{title}{cite}: {fact} It is itself blocked: do not deal with it."
                        + on_record,
                    )
                )
            else:
                sources = _source_of(key, w, graph, listed, rule)
                strictest = max(sources, key=_strictness) if sources else None
                requirement = (strictest.requirement if strictest else None) or (
                    "see the owners' list entries"
                )
                policy = (strictest.policy if strictest else None) or "see the owners' entries"
                floors.append(
                    (
                        LICENSE_REQUIRED,
                        f"{title}{cite}: {fact} It carries its owners' most restrictive "
                        f"requirement. License requirement: {requirement} Review policy: "
                        f"{policy}" + on_record,
                    )
                )
            continue
        # Not covered on the shares on record, but a covered (or possibly covered) owner holds
        # a share that is unknown or below 50%.
        minority = [e for e in direct if e.owner_key in w.maybe]
        owners = "; ".join(_owner_line(e, w, graph, listed, rule) for e in minority)
        if rule == AFFILIATES:
            why = (
                f"Red Flag 29 ({title}{cite}): {name} has a listed owner whose share is "
                f"below 50% or not on record: {owners}. Determine the ownership, or apply for "
                "a license, before exporting."
            )
        else:
            why = (
                f"{title}{cite}: blocked persons hold a share of {name} that is unknown or "
                f"below 50%: {owners}. OFAC advises caution with such entities; compliance "
                "must review."
            )
        if not active:
            notes.append(_not_in_effect(title, period, today, why))
            result["applies"] = False
            continue
        result["applies"] = True
        floors.append((REVIEW, why + on_record))
    if not floors and not notes:
        return None
    return Owned(floors=floors, notes=notes, evidence=evidence)


def _cite(rule: str, period: Period | None) -> str:
    """ " (90 FR 47201; in effect 2026-11-10 to until further notice: <the period's cite>)"."""
    base = RULE_CITES[rule]
    if period is None:
        return f" ({base})"
    if base in period.cite:
        return f" ({period.cite})"
    state = "in effect" if period.status == IN_EFFECT else "suspended"
    return f" ({base}; {state} {period.span()}: {period.cite})"


def _not_in_effect(title: str, period: Period | None, today: date, fact: str) -> str:
    when = today.isoformat()
    if period is None:
        return f"The {title} was not in effect on {when}, so this does not apply then: {fact}"
    return (
        f"The {title} was suspended on {when} ({period.span()}; {period.cite}), so it does "
        f"not apply to this answer: {fact}"
    )


__all__ = ["THRESHOLD", "Listed", "Loaded", "load_ownership", "owned_by"]
