"""What changed between two snapshots of the list: the records added, removed or changed.

Computed and stored by bot/upkeep/changes.py, read by bot/upkeep/rescreen.py (which must not
import the module that calls it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.csl import LIST_NAMES


@dataclass(frozen=True)
class ChangedRecord:
    kind: str  # "added" | "removed" | "changed"
    source: str
    list_id: str
    name: str
    cite: str | None
    entry_key: int | None  # store id in the new snapshot (None when removed)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "list": LIST_NAMES.get(self.source, self.source),
            "list_id": self.list_id,
            "name": self.name,
            "cite": self.cite,
        }


@dataclass
class ChangeSet:
    snapshot_id: int
    previous_snapshot_id: int | None
    version: str | None
    previous_version: str | None
    records: list[ChangedRecord] = field(default_factory=list)

    @property
    def hit_keys(self) -> set[tuple[str, str]]:
        """Records that can make a counterparty's result new or stronger."""
        return {(r.source, r.list_id) for r in self.records if r.kind != "removed"}

    @property
    def removed_keys(self) -> set[tuple[str, str]]:
        return {(r.source, r.list_id) for r in self.records if r.kind == "removed"}

    def by_source(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.records:
            counts = out.setdefault(r.source, {"added": 0, "removed": 0, "changed": 0})
            counts[r.kind] += 1
        return dict(sorted(out.items()))
