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
    nodes, truncated = ancestors(graph, start)
    covered = {k for k in nodes if listed(k)}
    _fixpoint(graph, nodes, covered, lambda edges, got: _sum(edges, got) >= THRESHOLD)
    maybe = set(covered)
    _fixpoint(
        graph,
        nodes,
        maybe,
        lambda edges, got: (
            any(e.percent is None and e.owner_key in got for e in edges)
            or _sum(edges, got) >= THRESHOLD
        ),
    )
    return Walk(start=start, nodes=nodes, truncated=truncated, covered=covered, maybe=maybe)


def _sum(edges: list[Edge], got: set[str]) -> float:
    return sum(e.percent or 0.0 for e in edges if e.owner_key in got)


def _fixpoint(
    graph: Graph, nodes: list[str], got: set[str], joins: Callable[[list[Edge], set[str]], bool]
) -> None:
    changed = True
    while changed:
        changed = False
        for k in reversed(nodes):  # top down: most chains settle in one pass
            if k in got:
                continue
            edges = graph.owners_of.get(k)
            if edges and joins(edges, got):
                got.add(k)
                changed = True
