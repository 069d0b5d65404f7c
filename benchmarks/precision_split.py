"""Summarise end-to-end screening answers on a negatives file, split 80/20 by name hash.

    python -m bot screen --file NEG.csv --format jsonl > out.jsonl
    python benchmarks/precision_split.py NEG.csv out.jsonl

The held-out 20% is ``sha256(name) % 5 == 0``. Answers set by the stated destination (a
"Destination ..." reason) are counted apart, not as name flags.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections import Counter

BLOCKED = ("prohibited", "license_required")


def slice_of(name: str) -> str:
    return "held" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 5 == 0 else "dev"


def main(csv_path: str, jsonl_path: str) -> None:
    with open(csv_path, newline="", encoding="utf-8") as f:
        names = [r["name"] for r in csv.DictReader(f)]
    with open(jsonl_path, encoding="utf-8") as f:
        outs = [json.loads(line) for line in f]
    assert len(names) == len(outs), (len(names), len(outs))
    for sl in ("dev", "held", "all"):
        c: Counter[str] = Counter()
        for name, out in zip(names, outs, strict=True):
            if sl != "all" and slice_of(name) != sl:
                continue
            dest = any(r.startswith("Destination") for r in out["reasons"])
            c["dest" if dest else out["verdict"]] += 1
        n = sum(c.values())
        blocked = sum(c[v] for v in BLOCKED)
        flagged = blocked + c["review"]
        print(
            f"{sl:4} n={n:5} prohibited={c['prohibited']} license_required="
            f"{c['license_required']} review={c['review']} destination-driven={c['dest']} "
            f"blocked={100 * blocked / n:.2f}% flagged={100 * flagged / n:.2f}%"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
