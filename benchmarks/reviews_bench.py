"""Review cases at scale: 10,000 counterparties, 2,000 decisions in force, a list update that
changes 300 of the decided records; and the speed of a question whose party has a decision.

Timed: (1) the list change end to end as a tick runs it — `process_changes` (re-screening the
counterparties, with decisions applied) then `recheck` (lapse the 300 changed decisions, re-open
their cases, enqueue their messages); (2) p50/p99 of answering 1,000 questions about decided
parties, with decisions in force versus a screener without the review hooks (today's path).

    python benchmarks/reviews_bench.py [--database-url URL] [--questions 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._data import require_data  # noqa: E402


def _variant(name: str) -> str:
    words = name.replace(",", "").split()
    return " ".join(words[:-1]) if len(words) > 2 else name.upper()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--counterparties", type=int, default=10_000)
    ap.add_argument("--adjudications", type=int, default=2_000)
    ap.add_argument("--changed", type=int, default=300)
    ap.add_argument("--questions", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="cProfile the list change")
    args = ap.parse_args()
    data = require_data("csl_composite.json")

    from sqlalchemy import insert, select
    from sqlmodel import Session

    from benchmarks.synth import synth_names
    from bot.answers.screener import Requester, Screener, ScreeningRequest
    from bot.config import Settings
    from bot.reviews.cases import recheck
    from bot.reviews.keys import fingerprint, party_key
    from bot.runtime.wiring import build_services, screener_hooks
    from bot.screening.normalize import NORMALIZER_VERSION, normalize_name
    from bot.upkeep.changes import note_current_change, process_changes
    from storage.csl import read_bytes
    from storage.importer import apply_list, current_snapshot
    from storage.models import Entry
    from storage.models_reviews import Adjudication, ReviewCase
    from storage.models_sync import Counterparty

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="reviews-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    env = {"DATABASE_URL": url, "CANWESHIP_DATA_DIR": str(tmp), "CANWESHIP_ALERT_CHANNEL": "C0"}
    svc = build_services(Settings.from_env(env=env))
    results = json.loads((data / "csl_composite.json").read_bytes())["results"]

    def load(records: list[dict], origin: str) -> None:
        parsed = read_bytes(json.dumps({"results": records}).encode(), origin=origin)
        apply_list(
            engine=svc.engine,
            parsed=parsed,
            origin=origin,
            normalize=normalize_name,
            normalizer_version=NORMALIZER_VERSION,
            actor="bench",
        )

    print(f"store {url}; list of {len(results):,} records", file=sys.stderr)
    load(results, "before.json")
    note_current_change(svc.engine)
    process_changes(svc.engine, svc.settings, svc.screener, owner="bench")
    recheck(svc.engine, svc.settings)
    now = datetime.now(UTC)

    # 2,000 decisions: a party named like a listed record (a fuzzy match), decided not-match.
    with Session(svc.engine) as session:
        snap = current_snapshot(session)
        entries = session.execute(select(Entry).where(Entry.snapshot_id == snap.id)).scalars().all()
    usable = [e for e in entries if len(e.name.split()) > 2]
    decided = rng.sample(usable, args.adjudications)
    parties = [_variant(e.name) for e in decided]
    with Session(svc.engine) as session:
        for e, party in zip(decided, parties, strict=True):
            key = party_key(party, None)
            record = f"{e.source}:{e.list_id}"
            case = ReviewCase(
                party_key=key,
                party=party,
                record_set=record,
                status="decided",
                verdict="review",
                candidates=[{"record": record, "name": e.name, "score": 85.0}],
                list_version=snap.version,
                opened_at=now,
            )
            session.add(case)
            session.flush()
            session.add(
                Adjudication(
                    party_key=key,
                    party=party,
                    source=e.source,
                    record_id=e.list_id,
                    record_name=e.name,
                    decision="not-match",
                    reason="bench",
                    fingerprint=fingerprint(e),
                    judged={},
                    decided_by="U0BENCH01",
                    decided_kind="slack",
                    decided_at=now,
                    case_id=case.id,
                    case_round=1,
                    active_key=f"{key}|{record}",
                )
            )
        session.commit()

    # 10,000 counterparties: the 2,000 decided parties and synthetic names, screened before.
    rows, seen = [], set()
    for name in [*parties, *(n.name for n in synth_names(args.counterparties * 2, seed=args.seed))]:
        key = normalize_name(name)
        if key and key not in seen:
            seen.add(key)
            rows.append(
                {
                    "normalized": key,
                    "name": name,
                    "origins": ["registered"],
                    "created_at": now,
                    "updated_at": now,
                    "last_verdict": "clear",
                    "last_screened_at": now,
                }
            )
        if len(rows) == args.counterparties:
            break
    with Session(svc.engine) as session:
        session.execute(insert(Counterparty), rows)
        session.commit()

    # Question speed: decided parties, with decisions in force vs. the screener without them.
    questions = [
        ScreeningRequest(party=p) for p in rng.sample(parties, min(args.questions, len(parties)))
    ]
    asker = Requester(user="U0BENCH02", kind="slack")
    plain = Screener(
        svc.settings,
        svc.engine,
        svc.screener.cache,
        hooks=replace(screener_hooks(), adjudications=None, adjudicate=None),
    )

    def timed(screener: Screener, q: ScreeningRequest) -> float:
        started = time.perf_counter()
        screener.screen(q, asker, audit=False)
        return (time.perf_counter() - started) * 1000

    relaxed = sum(
        svc.screener.screen(q, asker, audit=False).decision.verdict == "clear" for q in questions
    )
    for q in questions[:50]:  # warm both
        timed(plain, q), timed(svc.screener, q)
    base: list[float] = []
    with_decisions: list[float] = []
    for _ in range(3):  # interleaved, so both see the same machine
        for q in questions:
            base.append(timed(plain, q))
            with_decisions.append(timed(svc.screener, q))

    def p(xs: list[float], q: float) -> float:
        return statistics.quantiles(xs, n=100)[int(q) - 1]

    # The list update: 300 decided records get a new alias.
    touched = {(e.source, e.list_id) for e in decided[: args.changed]}
    ids = {i for _, i in touched}
    after = [
        {**r, "alt_names": [*(r.get("alt_names") or []), r["name"] + " Trading"]}
        if (r.get("id") or r.get("_id")) in ids
        else r
        for r in results
    ]
    load(after, "after.json")
    note_current_change(svc.engine)
    with Session(svc.engine) as session:
        new_id = current_snapshot(session).id  # type: ignore[union-attr]
    started = time.perf_counter()
    svc.screener.cache.get(svc.engine, new_id)  # every process builds it for the next question
    index_seconds = time.perf_counter() - started
    import cProfile
    import pstats

    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    (summary,) = process_changes(svc.engine, svc.settings, svc.screener, owner="bench")
    rescreen_seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    started = time.perf_counter()
    report = recheck(svc.engine, svc.settings)
    recheck_seconds = time.perf_counter() - started

    print(f"| counterparties | {len(rows):,} |")
    print(f"| decisions in force | {args.adjudications:,} |")
    print(f"| questions about decided parties answered `clear` | {relaxed} of {len(questions)} |")
    print(f"| p50 / p99 without the review hooks (ms) | {p(base, 50):.2f} / {p(base, 99):.2f} |")
    print(
        f"| p50 / p99 with decisions in force (ms) | {p(with_decisions, 50):.2f} / "
        f"{p(with_decisions, 99):.2f} |"
    )
    print(
        f"| list change | {sum(sum(c.values()) for c in summary['by_source'].values())} records |"
    )
    print(f"| full-list index build for the new list (not counted) | {index_seconds:.2f} s |")
    print(f"| candidates confirmed against the full list | {summary['candidates']:,} |")
    print(f"| re-screening (process_changes) | {rescreen_seconds:.2f} s |")
    print(f"| recheck: lapsed / re-opened | {report.lapsed} / {report.reopened} |")
    print(f"| recheck | {recheck_seconds:.2f} s |")
    total = rescreen_seconds + recheck_seconds
    print(f"| **re-screen and re-open** | **{total:.2f} s** |")
    print(f"\ntarget <= 10 s: {'met' if total <= 10 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
