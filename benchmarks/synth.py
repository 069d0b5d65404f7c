"""Synthetic list of N names for scale tests, seeded and realistic enough.

Real lists at a million names are mostly company names built from a distinctive word or
two, generic words (cities, "technology", "trading", legal forms) and person names. We
mix the real tokens of the composite list with generic words and with new distinctive
words made by recombining syllables of real ones, so the vocabulary grows with N as it
does in real data.

    python benchmarks/synth.py --n 1000000 --seed 1 > /tmp/names.txt   # one name a line
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import load_records
from bot.screening.index import IndexedName

GENERIC = [
    "Shenzhen",
    "Beijing",
    "Shanghai",
    "Hangzhou",
    "Guangzhou",
    "Moscow",
    "Tehran",
    "Dubai",
    "Wuhan",
    "Chengdu",
    "Technology",
    "Technologies",
    "Electronics",
    "Trading",
    "International",
    "Industrial",
    "Group",
    "Holding",
    "Engineering",
    "Systems",
    "Digital",
    "Science",
    "Research",
    "Institute",
    "Machinery",
    "Import",
    "Export",
    "Logistics",
    "Development",
    "Investment",
    "Energy",
    "Aviation",
    "Shipping",
    "Precision",
    "Instruments",
]
LEGAL = ("Co., Ltd.", "LLC", "Limited", "JSC", "GmbH", "Inc.", "Corporation", "OOO", "FZE", "")
SOURCES = ("EL", "SDN", "DPL", "MEU", "UVL", "SSI", "CMIC", "ISN")
COUNTRIES = ("CN", "RU", "IR", "AE", "HK", "TR", "PK", "KP", "SY", "BY", "")


def _real_tokens() -> list[str]:
    words: set[str] = set()
    for r in load_records():
        for n in (r.name, *r.aliases):
            words.update(w for w in re.findall(r"[A-Za-z]{3,}", n))
    return sorted(words)


def synth_names(n: int, seed: int = 1) -> Iterator[IndexedName]:
    """``n`` IndexedName rows; about one alias per three records."""
    rng = random.Random(seed)
    real = _real_tokens()
    syll = [w[i : i + 3].lower() for w in real for i in range(0, len(w) - 2, 3)]
    produced = 0
    key = 0
    while produced < n:
        key += 1
        if rng.random() < 0.25:  # person
            parts = [rng.choice(real).title() for _ in range(rng.randint(2, 3))]
            name = f"{parts[-1].upper()}, {' '.join(parts[:-1])}"
            etype: str | None = "Individual"
        else:
            if rng.random() < 0.5:
                core = rng.choice(real)
            else:
                core = "".join(rng.choice(syll) for _ in range(rng.randint(2, 4))).title()
            words = [core]
            if rng.random() < 0.6:
                words.insert(0, rng.choice(GENERIC[:10]))
            words += rng.sample(GENERIC[10:], rng.randint(0, 2))
            legal = rng.choice(LEGAL)
            name = " ".join(words) + (f" {legal}" if legal else "")
            etype = rng.choice((None, "Entity"))
        src = rng.choice(SOURCES)
        cc = rng.choice(COUNTRIES)
        countries = (cc,) if cc else ()
        yield IndexedName(key, name, src, countries, True, etype)
        produced += 1
        if produced < n and rng.random() < 0.33:
            alias = " ".join(name.replace(",", "").split()[:-1]) or name
            yield IndexedName(key, alias, src, countries, False, etype)
            produced += 1


def main() -> int:
    ap = argparse.ArgumentParser(description="print synthetic names, one a line")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for row in synth_names(args.n, args.seed):
        print(row.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
