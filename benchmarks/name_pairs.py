"""Name pairs (issue 21): classes of name variation the generated positives do not cover.

``benchmarks/name_pairs.csv`` holds hand-written pairs (query, listed name, should_match,
class, type) built from public facts: names of real listed and unlisted persons and
companies and variants of them (run-together words, an extra or missing middle name or
patronymic, spelled-out numbers and legal forms, transliterations of name parts, other
scripts), plus pairs that must *not* match (relatives sharing all but the given name,
father and son with ``bin`` swapped, near surnames, a changed CJK character, other firms).

Each pair is scored twice, by the score of the listed name's own record:

* *alone*: an index holding only the listed name;
* *amid*: the shared CSL (csl_composite.json) plus every listed name of the file, each as
  a record of its own.

A pair counts as found when the score reaches the review threshold (80). The rows are
split dev / holdout by a stable hash of ``query|listed`` (a third held out); misses are
printed for dev rows only, so tuning never looks at holdout rows.

    python benchmarks/name_pairs.py [--review 80] [--show-misses] [--split dev|holdout|all]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import indexed_names, load_records
from bot.screening.index import REVIEW_THRESHOLD, IndexedName, NameIndex

PAIRS = Path(__file__).with_name("name_pairs.csv")
LISTED_BASE = 50_000_000  # entry keys of the pairs' listed names, clear of the CSL's
CLASSES = ("joined", "middle", "spelled", "translit", "script")


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    listed: str
    should_match: bool
    kind: str
    entity_type: str

    @property
    def split(self) -> str:
        digest = hashlib.sha256(f"{self.query}|{self.listed}".encode()).digest()
        return "holdout" if digest[0] % 3 == 0 else "dev"


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Pair(r["query"], r["listed"], r["should_match"] == "1", r["class"], r["type"])
            for r in csv.DictReader(fh)
        ]


def _score(index: NameIndex, query: str, key: int) -> float:
    res = index.search(query, limit=200)
    return next((h.name_score for h in res.hits if h.entry_key == key), 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--review", type=float, default=REVIEW_THRESHOLD)
    ap.add_argument("--show-misses", action="store_true", help="dev rows only")
    ap.add_argument("--no-csl", action="store_true", help="score alone only")
    args = ap.parse_args(argv)

    pairs = load_pairs()
    listed = list(dict.fromkeys((p.listed, p.entity_type) for p in pairs))
    keys = {name: LISTED_BASE + k for k, (name, _t) in enumerate(listed)}
    own = [IndexedName(keys[n], n, "SDN", (), True, t) for n, t in listed]
    alone = {row.name: NameIndex.build([row]) for row in own}
    amid: NameIndex | None = None
    if not args.no_csl:
        t0 = time.perf_counter()
        amid = NameIndex.build([*indexed_names(load_records()), *own])
        print(f"CSL + {len(own)} listed names: {len(amid)} names, {time.perf_counter() - t0:.1f}s")

    # (split, setting, kind) -> [n, correct]
    tally: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    moved = 0
    misses: list[str] = []
    for p in pairs:
        key = keys[p.listed]
        scores = {"alone": _score(alone[p.listed], p.query, key)}
        if amid is not None:
            scores["amid"] = _score(amid, p.query, key)
            moved += abs(scores["amid"] - scores["alone"]) > 0.5
        for setting, s in scores.items():
            ok = (s >= args.review) == p.should_match
            kinds = (p.kind, "ALL match" if p.should_match else "ALL not")
            for kind in kinds:
                t = tally[(p.split, setting, kind)]
                t[0] += 1
                t[1] += ok
        if args.show_misses and p.split == "dev":
            bad = [
                f"{k} {s:.1f}" for k, s in scores.items() if (s >= args.review) != p.should_match
            ]
            if bad:
                want = "match" if p.should_match else "not"
                misses.append(
                    f"  [{p.kind}] {p.query!r} ~ {p.listed!r} want {want}: {', '.join(bad)}"
                )

    settings = ["alone"] + ([] if amid is None else ["amid"])
    kinds = sorted({p.kind for p in pairs}, key=lambda k: (k.startswith("not"), k))
    kinds += ["ALL match", "ALL not"]
    head = " ".join(f"{s + ' ' + sp:>16}" for sp in ("dev", "holdout") for s in settings)
    print(
        "\ncorrect share (found for should-match, kept out for should-not), "
        f"review >= {args.review}"
    )
    print(f"{'class':12} {head}")
    for kind in kinds:
        cells = []
        for sp in ("dev", "holdout"):
            for s in settings:
                n, ok = tally[(sp, s, kind)]
                cells.append(f"{ok / n:6.2f} ({ok:2d}/{n:2d})" if n else f"{'-':>16}")
        print(f"{kind:12} {' '.join(f'{c:>16}' for c in cells)}")
    if amid is not None:
        print(f"\npairs whose score moved by > 0.5 between alone and amid: {moved} of {len(pairs)}")
    if misses:
        print("\ndev misses:")
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
