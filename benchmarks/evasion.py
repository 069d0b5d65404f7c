"""Name evasion benchmark (issue 14 item 6): disguised listed names, and the same disguises on
clean names. Compares the raw name (before cleaning) with clean_party + variants (after), in the
same run, at the index level: a hit is the right record at or above the review threshold.

Records whose key hashes into the last 20% (``key % 5 == 4``) are the held-out slice: never
look at them while tuning.
"""

from __future__ import annotations

import random
import sys

from benchmarks._data import indexed_names, load_negatives, load_records
from bot.answers.screener import _search_all
from bot.screening.clean import clean_party
from bot.screening.index import NameIndex

REVIEW = 80.0
_LOOK = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445"}


def _inside(name: str, rng: random.Random, ch: str) -> str:
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    if len(w) > 3:
        cut = rng.randrange(1, len(w) - 1)
        words[i] = w[:cut] + ch + w[cut:]
    return " ".join(words)


TRANSFORMS = {
    "zero_width": lambda n, r: _inside(n, r, "\u200b"),
    "soft_hyphen": lambda n, r: _inside(n, r, "\u00ad"),
    "split_word": lambda n, r: _inside(n, r, " "),
    "slack_link": lambda n, r: f"<https://example.com|{n}>",
    "html_tag": lambda n, r: f"<b>{n}</b>",
    "entities": lambda n, r: f"&lt;{n}&gt;",
    "ansi": lambda n, r: f"\x1b[31m{n}\x1b[0m",
    "formula": lambda n, r: f"={n}",
    "junk_prefix": lambda n, r: "#" * 10_000 + n,
    "homoglyph": lambda n, r: "".join(_LOOK.get(c, c) if r.random() < 0.5 else c for c in n),
    "letter_spaced": lambda n, r: " ".join(n.split()[0].upper()) + " " + " ".join(n.split()[1:]),
    "case": lambda n, r: n.swapcase(),
}


def _hit(index: NameIndex, text: str, key: int | None, after: bool) -> bool:
    if after:
        cleaned = clean_party(text)
        if not cleaned.text:
            return key is not None  # never clear: review, which counts as a hit but not the record
        hits = _search_all(index, cleaned, None).hits
    else:
        hits = index.search(text, limit=10).hits
    good = [h for h in hits if h.score >= REVIEW]
    return any(h.entry_key == key for h in good) if key is not None else bool(good)


def main(n: int = 300, seed: int = 14) -> int:
    records = [r for r in load_records() if r.entity_type != "Individual" and len(r.name) > 5]
    index = NameIndex.build(list(indexed_names(load_records())))
    rng = random.Random(seed)
    picks = rng.sample(records, n)
    negs = rng.sample(load_negatives(), n)
    print(f"{'slice':8} {'side':12} {'before':>7} {'after':>7}  (n)")
    for held in (False, True):
        pos = [r for r in picks if (r.entry_key % 5 == 4) == held]
        neg = [row for i, row in enumerate(negs) if (i % 5 == 4) == held]
        for side, items in (("recall", pos), ("false alarm", neg)):
            counts = [0, 0]
            total = 0
            for item in items:
                for name_t, t in TRANSFORMS.items():
                    r2 = random.Random(f"{seed}-{name_t}-{total}")
                    name = item.name if side == "recall" else item["name"]
                    key = item.entry_key if side == "recall" else None
                    text = t(name, r2)
                    total += 1
                    for k, after in enumerate((False, True)):
                        counts[k] += _hit(index, text, key, after)
            slice_ = "held-out" if held else "dev"
            print(
                f"{slice_:8} {side:12} {counts[0] / total:7.3f} {counts[1] / total:7.3f}  ({total})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
