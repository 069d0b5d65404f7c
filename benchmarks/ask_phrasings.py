"""Score `canweship ask` on the question corpus (issue 14 "Measure").

Builds the corpus (benchmarks/question_corpus.py), imports csl_composite.json into a temporary
SQLite store, runs ``python -m bot ask --file Q.csv --format jsonl`` once over every question
and scores each answer against its expected verdict:

* expected ``clear``: the verdict must be clear;
* expected ``prohibited`` / ``license_required``: that exact verdict (``unavailable`` counts as
  safe but not expected);
* expected ``not_clear``: any verdict but clear (asked back does not count as expected).

Safety figures that must be 0: listed or embargoed called clear; clean called blocked
(prohibited or license_required where clear was expected). Clean parties sent to review or asked
back are counted separately (friction, not a wrong block).

    python benchmarks/ask_phrasings.py [--slice dev|holdout|all] [--worst N]

The holdout slice (20% of phrasings and parties) must not be looked at while tuning.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks import question_corpus as qc  # noqa: E402
from benchmarks._data import require_data  # noqa: E402

BLOCKED = {"prohibited", "license_required"}


def run_ask(questions: list[str], workdir: Path) -> list[dict]:
    """Import the CSL into a new SQLite store and ask every question through the CLI once."""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'store.db'}"
    env["CANWESHIP_DATA_DIR"] = str(workdir / "data")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    csl = require_data("csl_composite.json") / "csl_composite.json"
    bot = [sys.executable, "-m", "bot"]
    subprocess.run([*bot, "import", str(csl)], env=env, cwd=REPO, check=True, capture_output=True)
    answers: list[dict] = []
    while len(answers) < len(questions):
        rest = questions[len(answers) :]
        done, error = _ask_file(bot, env, workdir / "questions.csv", rest)
        answers += done
        if error is not None:
            # The CLI died on the next question: record the crash, go on after it.
            q = rest[len(done)]
            answers.append({"question": q, "verdict": None, "crash": error, "parties": []})
            sys.stderr.write(f"canweship ask crashed on {q!r}: {error}\n")
    return answers


def _ask_file(bot: list[str], env: dict, qfile: Path, questions: list[str]):
    """Answers for the questions before the CLI stopped, and its error (None when it ran)."""
    with open(qfile, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["question"])
        for q in questions:
            w.writerow([q])
    out = subprocess.run(
        [*bot, "ask", "--file", str(qfile), "--format", "jsonl"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    answers = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if out.returncode == 0:
        if len(answers) != len(questions):
            raise SystemExit(f"{len(questions)} questions but {len(answers)} answers")
        return answers, None
    if len(answers) >= len(questions):
        raise SystemExit(f"canweship ask exited {out.returncode}: {out.stderr[-2000:]}")
    last = [line for line in out.stderr.splitlines() if line.strip()]
    return answers, (last[-1] if last else f"exit {out.returncode}")


def judge(expected: str, got: str | None) -> bool:
    if expected == qc.NOT_CLEAR:
        return got not in (None, "clear")
    return got == expected


def describe(answer: dict) -> str:
    """What the bot answered, short: verdict, parties screened, destination."""
    if answer.get("crash"):
        return f"CRASH {answer['crash']}"
    verdict = answer.get("verdict") or "ASKED BACK"
    parties = ", ".join(
        f"{p.get('screened')}={p.get('verdict')}" for p in answer.get("parties") or []
    )
    dest = (answer.get("destination") or {}).get("code")
    return f"{verdict} [{parties or 'no party'}; dest {dest}]"


def score(items: list[qc.Item], answers: list[dict], worst: int) -> dict:
    n = len(items)
    ok = 0
    unsafe: list[tuple[qc.Item, dict]] = []
    wrong_block: list[tuple[qc.Item, dict]] = []
    friction = 0
    asked_back = 0
    crashes = 0
    fails: list[tuple[qc.Item, dict]] = []
    by_phrasing: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, answer in zip(items, answers, strict=True):
        got = answer.get("verdict")
        good = judge(item.expected, got)
        ok += good
        by_phrasing[item.phrasing][0] += good
        by_phrasing[item.phrasing][1] += 1
        by_kind[item.kind][0] += good
        by_kind[item.kind][1] += 1
        asked_back += got is None and not answer.get("crash")
        crashes += bool(answer.get("crash"))
        if item.expected != "clear" and got == "clear":
            unsafe.append((item, answer))
        if item.expected == "clear" and got in BLOCKED:
            wrong_block.append((item, answer))
        if item.expected == "clear" and (got is None or got == "review"):
            friction += 1
        if not good:
            fails.append((item, answer))
    # Worst first: unsafe (not clear called clear), then wrong blocks, then the rest.
    rank = {id(i): 0 for i, _ in unsafe} | {id(i): 1 for i, _ in wrong_block}
    fails.sort(key=lambda f: (rank.get(id(f[0]), 2), f[0].phrasing, f[0].qid))
    print(f"questions {n}, phrasings {len(by_phrasing)}")
    print(f"expected verdict: {ok}/{n} = {100 * ok / max(n, 1):.1f}%")
    for kind, (g, t) in sorted(by_kind.items()):
        print(f"  {kind:10} {g}/{t} = {100 * g / max(t, 1):.1f}%")
    print(f"listed/embargoed called clear (must be 0): {len(unsafe)}")
    print(f"clean called blocked (must be 0): {len(wrong_block)}")
    print(f"canweship ask crashed (must be 0): {crashes}")
    print(f"clean sent to review or asked back: {friction}; asked back overall: {asked_back}")
    print("\nper phrasing (accuracy, n):")
    for pid, (g, t) in sorted(by_phrasing.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        print(f"  {100 * g / t:5.1f}%  {t:3}  {pid}")
    print(f"\nworst failures ({min(worst, len(fails))} of {len(fails)}):")
    for item, answer in fails[:worst]:
        q = item.question.replace("\n", " \\n ")
        print(f"- [{item.qid}] {q!r}\n    expected {item.expected}; got {describe(answer)}")
    return {"n": n, "ok": ok, "unsafe": len(unsafe), "wrong_block": len(wrong_block)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slice", choices=("dev", "holdout", "all"), default="dev")
    ap.add_argument("--worst", type=int, default=30, help="failures to list")
    args = ap.parse_args(argv)
    items = qc.select(qc.build(), args.slice)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ask-phrasings-") as tmp:
        answers = run_ask([q.question for q in items], Path(tmp))
    print(f"slice {args.slice}: ran in {time.monotonic() - started:.0f}s")
    score(items, answers, args.worst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
