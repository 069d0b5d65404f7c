"""Shared loading of the /work/shared/data snapshots for the screening benchmarks.

The data folder is outside the repository (it must never be copied in); it is found next
to the checkout or through ``CANWESHIP_SHARED_DATA``. Benchmarks call :func:`require_data`
and exit with a clear message when it is absent instead of failing with a traceback.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.screening.index import IndexedName

_CODE = re.compile(r"\(([^)]+)\)")


def shared_data_dir() -> Path:
    """Folder holding csl_composite.json and dev_negatives.csv."""
    env = os.environ.get("CANWESHIP_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def require_data(*names: str) -> Path:
    """Return the data folder, or exit(0) with a message when a file is missing."""
    folder = shared_data_dir()
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        print(
            f"SKIP: shared data not found ({', '.join(missing)} in {folder}); "
            "set CANWESHIP_SHARED_DATA to the folder holding them.",
            file=sys.stderr,
        )
        raise SystemExit(0)
    return folder


def source_code(source: str) -> str:
    """``"Entity List (EL) - Bureau ..."`` -> ``"EL"``; ``"(NS-MBS List)"`` -> ``"MBS"``."""
    m = _CODE.search(source or "")
    if not m:
        return (source or "").strip()
    code = m.group(1).strip()
    if "MBS" in code:
        return "MBS"
    return code


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of one CSL record the benchmarks need."""

    entry_key: int
    name: str
    aliases: tuple[str, ...]
    source: str
    countries: tuple[str, ...]
    entity_type: str | None
    addresses: tuple[str, ...]


def load_records(path: Path | None = None) -> list[Record]:
    """Read csl_composite.json with the stdlib; entry_key = position in the file."""
    path = path or require_data("csl_composite.json") / "csl_composite.json"
    with open(path, encoding="utf-8") as fh:
        results = json.load(fh)["results"]
    out: list[Record] = []
    for pos, r in enumerate(results):
        countries: list[str] = []
        addresses: list[str] = []
        for a in r.get("addresses") or []:
            if a.get("country"):
                countries.append(a["country"])
            addresses.append(" ".join(str(a.get(k) or "") for k in ("address", "city", "state")))
        countries += [c for c in (r.get("nationalities") or []) if c]
        countries += [c for c in (r.get("citizenships") or []) if c]
        cc = tuple(dict.fromkeys(c.strip().upper() for c in countries if len(c.strip()) == 2))
        out.append(
            Record(
                entry_key=pos,
                name=r.get("name") or "",
                aliases=tuple(a for a in (r.get("alt_names") or []) if a),
                source=source_code(r.get("source") or ""),
                countries=cc,
                entity_type=r.get("type") or None,
                addresses=tuple(addresses),
            )
        )
    return out


def indexed_names(records: list[Record]) -> Iterator[IndexedName]:
    """Primary name then aliases of every record, as the store would feed the index."""
    for r in records:
        if r.name:
            yield IndexedName(r.entry_key, r.name, r.source, r.countries, True, r.entity_type)
        for alias in r.aliases:
            yield IndexedName(r.entry_key, alias, r.source, r.countries, False, r.entity_type)


def load_negatives(path: Path | None = None) -> list[dict[str, str]]:
    """dev_negatives.csv rows: name, country, kind, source."""
    path = path or require_data("dev_negatives.csv") / "dev_negatives.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
