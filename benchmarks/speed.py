"""Screening speed: the name index against a brute-force rapidfuzz baseline, in one run.

    python benchmarks/speed.py [--queries 2000] [--synth 1000000] [--seed 3]

Baseline: ``rapidfuzz.process.extract(query, all_names_and_aliases, scorer=fuzz.WRatio,
limit=10)`` per query (C code, one thread). Queries: generated positives (all kinds) and
the real negatives, in equal parts, so that both hit and miss paths are timed.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process

from benchmarks._data import indexed_names, load_negatives, load_records
from benchmarks.quality import generate
from benchmarks.synth import synth_names
from bot.screening.index import NameIndex
from bot.screening.normalize import normalize_name


def _queries(records, n: int, seed: int) -> list[tuple[str, str | None]]:
    pos = [(q, None) for _k, q, _key in generate(records, seed, max(n // 16, 10))]
    neg = [(r["name"], r.get("country") or None) for r in load_negatives()]
    rng = random.Random(seed)
    rng.shuffle(pos)
    rng.shuffle(neg)
    qs = pos[: n // 2] + neg[: n - n // 2]
    rng.shuffle(qs)
    return qs


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 2 else 0.0


def _single(index: NameIndex, qs) -> list[float]:
    normalize_name.cache_clear()
    index._fuzzy_cache.clear()
    times = []
    for q, c in qs:
        t = time.perf_counter()
        index.search(q, country=c)
        times.append((time.perf_counter() - t) * 1000)
    return times


def _build(rows) -> tuple[NameIndex, float, float]:
    gc.collect()
    tracemalloc.start()
    t = time.perf_counter()
    index = NameIndex.build(rows)
    build = time.perf_counter() - t
    mem = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    return index, build, mem


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--synth", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args(argv)

    records = load_records()
    rows = list(indexed_names(records))
    qs = _queries(records, args.queries, args.seed)
    names = [r.name for r in rows]

    print(f"== composite list: {len(records)} records, {len(names)} names, {len(qs)} queries")
    t = time.perf_counter()
    index = NameIndex.build(rows)
    print(f"index build {time.perf_counter() - t:.2f}s (no tracemalloc)")
    _, _, mem = _build(rows)
    print(f"index memory (tracemalloc, live after build) {mem:.1f} MiB")

    n_base = min(len(qs), 300)
    t = time.perf_counter()
    base_times = []
    for q, _c in qs[:n_base]:
        t1 = time.perf_counter()
        process.extract(q, names, scorer=fuzz.WRatio, limit=10)
        base_times.append((time.perf_counter() - t1) * 1000)
    base_qps = n_base / (time.perf_counter() - t)

    normalize_name.cache_clear()
    index._fuzzy_cache.clear()
    t = time.perf_counter()
    index.search_many(qs)
    batch_qps = len(qs) / (time.perf_counter() - t)
    single = _single(index, qs)
    print(
        f"baseline WRatio brute force: {base_qps:8.1f} q/s  p50 {_p(base_times, 0.5):.2f} ms"
        f"  p99 {_p(base_times, 0.99):.2f} ms  ({n_base} queries)"
    )
    print(
        f"index batch (search_many, cold caches): {batch_qps:8.1f} q/s"
        f"  -> {batch_qps / base_qps:.1f}x baseline (target >= 50x)"
    )
    print(
        f"index single query: p50 {_p(single, 0.5):.3f} ms  p99 {_p(single, 0.99):.3f} ms"
        f"  max {max(single):.2f} ms (target p99 <= 5 ms)"
    )

    if args.synth:
        print(f"\n== synthetic list: {args.synth} names (seed {args.seed})")
        t = time.perf_counter()
        srows = list(synth_names(args.synth, args.seed))
        print(f"generated in {time.perf_counter() - t:.1f}s")
        gc.collect()
        rss0 = _rss_mib()
        t = time.perf_counter()
        sindex = NameIndex.build(iter(srows))
        build = time.perf_counter() - t
        gc.collect()
        mem = _rss_mib() - rss0
        del srows
        print(
            f"index build {build:.1f}s; index memory (RSS delta) {mem:.0f} MiB (target <= 1536 MiB)"
        )
        single = _single(sindex, qs)
        t = time.perf_counter()
        sindex.search_many(qs)
        sq = len(qs) / (time.perf_counter() - t)
        print(
            f"single query: p50 {_p(single, 0.5):.3f} ms  p99 {_p(single, 0.99):.3f} ms"
            f"  max {max(single):.2f} ms (target p99 <= 25 ms); batch {sq:.0f} q/s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
