"""Every listed organisation of the CSL, in a few fixed phrasings: is any answered `clear`?

The property test (tests/test_question_properties.py) samples the same population at random,
so a rare miss shows up only now and then; this sweep asks about every one, so that a class of
miss (a name holding a word that is also a verb, a number, a place…) is seen whole.

    python benchmarks/listed_sweep.py [--phrasing N ...] [--limit N] [--show 30]

It imports csl_composite.json into a temporary SQLite store and asks through
`bot.answers.ask.ask` in-process, exactly as a DM is answered (unaudited shortcuts are not
taken: each answer is written as usual).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._data import require_data
from benchmarks.question_corpus import load_listed

PHRASINGS = [
    "{name}",
    "can we ship routers to {name}?",
    "{name} — ok to ship 20 GPUs?",
    "quick q: new customer {name} wants 1500 sensors, fine?",
    "Is {name} ok?",
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phrasing", type=int, nargs="*", help="indexes into PHRASINGS (default all)")
    ap.add_argument("--limit", type=int, default=0, help="first N names only (0 = all)")
    ap.add_argument("--show", type=int, default=30, help="misses to print")
    args = ap.parse_args(argv)

    names = sorted({p.name for p in load_listed() if not p.ended})
    if args.limit:
        names = names[: args.limit]
    phrasings = [PHRASINGS[i] for i in args.phrasing] if args.phrasing else PHRASINGS
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/store.db"
        os.environ["CANWESHIP_DATA_DIR"] = f"{tmp}/data"
        from bot.answers.ask import ask
        from bot.answers.screener import Requester
        from bot.cli.main import main as cli
        from bot.config import Settings
        from bot.runtime.wiring import build_services

        csl = require_data("csl_composite.json") / "csl_composite.json"
        assert cli(["import", str(csl)]) == 0
        screener = build_services(Settings.from_env()).screener
        me = Requester(user="U1", kind="cli")
        misses: list[tuple[str, str]] = []
        verdicts: Counter[str] = Counter()
        started = time.perf_counter()
        for phrasing in phrasings:
            for name in names:
                text = phrasing.format(name=name)
                answer = ask(screener, text, me)
                verdicts[str(answer.verdict)] += 1
                if answer.verdict == "clear":
                    misses.append((text, answer.screened_line()))
        took = time.perf_counter() - started
    total = len(names) * len(phrasings)
    print(f"{len(names)} listed organisations x {len(phrasings)} phrasings = {total} questions")
    print(f"in {took:.0f}s; verdicts: {dict(verdicts)}")
    print(f"called clear (must be 0): {len(misses)}")
    for text, screened in misses[: args.show]:
        print(f"- {text!r}\n    {screened}")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
