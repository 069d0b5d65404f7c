"""Walk ownership upwards and find who is covered by a 50% rule. Pure: no store, no Slack.

A party is *covered* under a rule when it is listed on a list the rule names, or when covered
owners hold 50% or more of it, summed ("individually or in the aggregate"): an owner that is
itself covered counts as listed, and only the shares covered owners hold directly in the party
are added (an indirect holding counts through the covered intermediate that holds it). This is
a least fixpoint over the party's ancestors, so cycles are safe: a ring of companies owning
each other covers no one unless something listed feeds it.

A party is *possibly covered* when an unknown share, or known ones that reach 50%, come from
owners that are covered or possibly covered: the shares on record cannot rule it out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

THRESHOLD = 50.0
MAX_NODES = 5000  # ancestors walked per party; beyond, the walk says it stopped
MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class Edge:
    owner_key: str
    owner: str
    percent: float | None
    direct: bool = True
    cite: str | None = None
    as_of: date | None = None


@dataclass
class Graph:
    """Who owns whom, by normalised name."""

    owners_of: dict[str, list[Edge]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # key -> name as first recorded

    def add(self, owned_key: str, owned: str, edge: Edge) -> None:
        self.owners_of.setdefault(owned_key, []).append(edge)
        self.names.setdefault(owned_key, owned)
        self.names.setdefault(edge.owner_key, edge.owner)

    def __contains__(self, key: str) -> bool:
        return key in self.owners_of

    def __len__(self) -> int:
        return sum(len(v) for v in self.owners_of.values())

    def owned_by(self) -> dict[str, list[str]]:
        """owner key -> the keys it owns (for walking down)."""
        down: dict[str, list[str]] = {}
        for owned, edges in self.owners_of.items():
            for e in edges:
                down.setdefault(e.owner_key, []).append(owned)
        return down

    def descendants(self, keys: set[str]) -> set[str]:
        """Every party owned, directly or not, by one of `keys` (cycle safe)."""
        down = self.owned_by()
        seen: set[str] = set()
        queue = deque(keys)
        while queue:
            k = queue.popleft()
            for owned in down.get(k, ()):
                if owned not in seen:
                    seen.add(owned)
                    queue.append(owned)
        return seen


@dataclass
class Walk:
    """The ancestors of one party and, per rule, who among them is covered."""

    start: str
    nodes: list[str]
    truncated: bool
    covered: set[str]
    maybe: set[str]

    def share(self, graph: Graph, key: str) -> float:
        """The share of `key` its covered owners hold directly, summed."""
        return sum(
            e.percent or 0.0 for e in graph.owners_of.get(key, ()) if e.owner_key in self.covered
        )


def ancestors(graph: Graph, start: str) -> tuple[list[str], bool]:
    """`start` and everyone above it, breadth first, cycle safe; True when cut short."""
    depth = {start: 0}
    order = [start]
    queue = deque([start])
    truncated = False
    while queue:
        k = queue.popleft()
        for e in graph.owners_of.get(k, ()):
            if e.owner_key in depth:
                continue
            if depth[k] + 1 > MAX_DEPTH or len(order) >= MAX_NODES:
                truncated = True
                continue
            depth[e.owner_key] = depth[k] + 1
            order.append(e.owner_key)
            queue.append(e.owner_key)
    return order, truncated


def walk(graph: Graph, start: str, listed: Callable[[str], bool]) -> Walk:
    """Covered and possibly covered parties among `start`'s ancestors under one rule, where
    `listed(key)` says whether a party is on a list the rule names."""
    return walks(graph, start, listed)[0]


def walks(graph: Graph, start: str, *rules: Callable[[str], bool]) -> list[Walk]:
    """`walk` for several rules at once: the ancestors are found once."""
    nodes, truncated = ancestors(graph, start)
    inside = set(nodes)
    # Within the ancestors: owner -> (owned, percent), to spread coverage downwards.
    holdings: dict[str, list[tuple[str, float | None]]] = {}
    for k in nodes:
        for e in graph.owners_of.get(k, ()):
            if e.owner_key in inside:
                holdings.setdefault(e.owner_key, []).append((k, e.percent))
    out = []
    for listed in rules:
        covered = _spread(holdings, {k for k in nodes if listed(k)}, unknown_joins=False)
        maybe = _spread(holdings, covered, unknown_joins=True)
        out.append(
            Walk(start=start, nodes=nodes, truncated=truncated, covered=covered, maybe=maybe)
        )
    return out


def walks_everywhere(graph: Graph, *listed_sets: set[str]) -> list[Walk]:
    """Covered and possibly covered parties of the whole graph, one least fixpoint per rule
    (for re-screening many parties at once). Coverage only flows down to what owners own, so
    this is exactly what each party's own walk finds, without the per-party limits."""
    holdings: dict[str, list[tuple[str, float | None]]] = {}
    for owned, edges in graph.owners_of.items():
        for e in edges:
            holdings.setdefault(e.owner_key, []).append((owned, e.percent))
    out = []
    for listed in listed_sets:
        covered = _spread(holdings, set(listed), unknown_joins=False)
        maybe = _spread(holdings, covered, unknown_joins=True)
        out.append(Walk(start="", nodes=[], truncated=False, covered=covered, maybe=maybe))
    return out


def _spread(
    holdings: dict[str, list[tuple[str, float | None]]], seeds: set[str], *, unknown_joins: bool
) -> set[str]:
    """The least fixpoint from `seeds`: a party joins when the shares its members hold reach
    50% (or, with `unknown_joins`, when a member holds a share not on record). Each holding is
    looked at once per member that holds it (a worklist), so cycles end."""
    got = set(seeds)
    share: dict[str, float] = {}
    stack = list(seeds)
    while stack:
        owner = stack.pop()
        for owned, percent in holdings.get(owner, ()):
            if owned in got:
                continue
            if percent is None:
                if unknown_joins:
                    got.add(owned)
                    stack.append(owned)
                continue
            total = share.get(owned, 0.0) + percent
            share[owned] = total
            if total >= THRESHOLD:
                got.add(owned)
                stack.append(owned)
    return got
