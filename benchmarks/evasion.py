"""Name evasion benchmark (issue 14 item 6): disguised listed names, and the same disguises on
clean names. Compares the raw name (before cleaning) with clean_party + variants (after), in the
same run, at the index level: a hit is the right record at or above the review threshold.

``--verdicts``: the same disguised names end to end, as one CSV file through
``python -m bot screen --file F.csv --format jsonl`` (a temporary SQLite store with the CSL
imported): a hit is a listed name answered anything but ``clear``; a false alarm is a clean
name answered anything but ``clear`` (blocked: prohibited / license_required); and every row
must get exactly one result, in order, for the name it was given.

Records whose key hashes into the last 20% (``key % 5 == 4``) are the held-out slice: never
look at them while tuning.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._data import indexed_names, load_negatives, load_records, require_data
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


def _screen_file(names: list[str], workdir: Path) -> list[dict]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'store.db'}"
    env["CANWESHIP_DATA_DIR"] = str(workdir / "data")
    repo = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
    bot = [sys.executable, "-m", "bot"]
    csl = require_data("csl_composite.json") / "csl_composite.json"
    subprocess.run([*bot, "import", str(csl)], env=env, cwd=repo, check=True, capture_output=True)
    path = workdir / "names.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name"])
        w.writerows([n] for n in names)
    out = subprocess.run(
        [*bot, "screen", "--file", str(path), "--format", "jsonl"],
        env=env,
        cwd=repo,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def verdicts(n: int = 300, seed: int = 14) -> int:
    """End to end: one CSV of every disguised name through `screen --file`."""
    records = [r for r in load_records() if r.entity_type != "Individual" and len(r.name) > 5]
    rng = random.Random(seed)
    picks = rng.sample(records, n)
    negs = rng.sample(load_negatives(), n)
    rows: list[tuple[str, str, str, bool]] = []  # (slice, side, text, held)
    for held in (False, True):
        pos = [r.name for r in picks if (r.entry_key % 5 == 4) == held]
        neg = [row["name"] for i, row in enumerate(negs) if (i % 5 == 4) == held]
        for side, items in (("recall", pos), ("false alarm", neg)):
            for k, name in enumerate(items):
                for name_t, t in TRANSFORMS.items():
                    text = t(name, random.Random(f"{seed}-{name_t}-{side}-{k}"))
                    rows.append(("held-out" if held else "dev", side, text, held))
    with tempfile.TemporaryDirectory(prefix="evasion-") as tmp:
        results = _screen_file([r[2] for r in rows], Path(tmp))
    aligned = len(results) == len(rows)
    print(f"rows {len(rows)}, results {len(results)}: {'aligned' if aligned else 'NOT ALIGNED'}")
    if not aligned:
        return 1
    print(f"{'slice':8} {'side':12} {'not clear':>9} {'blocked':>8}  (n)")
    for slice_ in ("dev", "held-out"):
        for side in ("recall", "false alarm"):
            got = [res for row, res in zip(rows, results, strict=True) if row[:2] == (slice_, side)]
            not_clear = sum(res["verdict"] != "clear" for res in got) / len(got)
            blocked = sum(res["verdict"] in ("prohibited", "license_required") for res in got)
            print(f"{slice_:8} {side:12} {not_clear:9.3f} {blocked / len(got):8.3f}  ({len(got)})")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--verdicts" in args:
        args.remove("--verdicts")
        sys.exit(verdicts(*(int(a) for a in args)))
    sys.exit(main(*(int(a) for a in args)))
