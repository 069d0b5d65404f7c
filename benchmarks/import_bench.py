"""Import throughput and peak memory, SQLite and PostgreSQL, at 1x and 5x the composite list.

Each case runs in its own process (so peak RSS is that case's own) on a fresh store, timing the
whole `canweship import` path: read, parse, diff, write entries and names, commit. The 5x file is
the composite repeated five times with new ids. A naive baseline (one ORM object added per record,
no names, no diff) runs side by side at 1x on SQLite for scale.

    python benchmarks/import_bench.py            # all cases; needs ../shared/data
    python benchmarks/import_bench.py --quick    # 1x only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("CANWESHIP_SHARED_DATA") or REPO.parent / "shared" / "data")
PG_URL = os.environ.get(
    "CANWESHIP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_RATE = 3000.0


def make_copies(factor: int, out: Path) -> Path:
    doc = json.loads((SHARED / "csl_composite.json").read_text())
    results = []
    for n in range(factor):
        for record in doc["results"]:
            r = dict(record)
            if n:
                r["id"] = f"{record['id']}-x{n}"
            results.append(r)
    out.write_text(json.dumps({"results": results}))
    return out


def run_case(backend: str, path: Path, mode: str) -> dict[str, float]:
    """In this process: import `path` into a fresh store and report rate and peak RSS."""
    from sqlalchemy import create_engine, text

    from bot.screening.normalize import NORMALIZER_VERSION, normalize_name
    from storage.db import get_engine, upgrade
    from storage.importer import apply_list, load_list

    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        engine = get_engine(url)
        upgrade(url, engine=engine)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        parsed = load_list(str(path))
        n = len(parsed.records)
        if mode == "baseline":
            _naive(engine, parsed)
        else:
            apply_list(
                engine=engine,
                parsed=parsed,
                origin=str(path),
                normalize=normalize_name,
                normalizer_version=NORMALIZER_VERSION,
            )
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "records": n,
            "seconds": elapsed,
            "rate": n / elapsed,
            "peak_rss_mb": rss_after / 1024,
            "rss_growth_mb": (rss_after - rss_before) / 1024,
        }
    finally:
        if schema:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _naive(engine, parsed) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from storage.models import Entry, ListSnapshot

    with Session(engine) as session:
        snap = ListSnapshot(
            origin="naive",
            layout="json",
            file_sha256="",
            content_sha256="",
            record_count=0,
            counts={},
        )
        session.add(snap)
        session.flush()
        for r in parsed.records:
            session.add(
                Entry(
                    snapshot_id=snap.id,
                    source=r.source,
                    source_name=r.source_name,
                    list_id=r.list_id,
                    fingerprint="",
                    name=r.name,
                )
            )
            session.flush()
        session.commit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.case:
        backend, path, mode = args.case.split("|")
        print(json.dumps(run_case(backend, Path(path), mode)))
        return 0
    if not (SHARED / "csl_composite.json").exists():
        print(f"skipped: no shared data at {SHARED}")
        return 0
    from tests.conftest import postgres_unreachable_reason

    backends = ["sqlite"] + ([] if postgres_unreachable_reason() else ["postgres"])
    factors = [1] if args.quick else [1, 5]
    tmp = Path(tempfile.mkdtemp())
    files = {f: make_copies(f, tmp / f"composite_x{f}.json") for f in factors}
    cases = [("sqlite", 1, "baseline")] + [(b, f, "canweship") for b in backends for f in factors]
    rows = []
    for backend, factor, mode in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--case", f"{backend}|{files[factor]}|{mode}"],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((backend, factor, mode, result))
    base_rate = rows[0][3]["rate"]
    print(
        f"{'case':<26}{'records':>9}{'seconds':>9}{'rec/s':>9}{'x target':>10}{'x naive':>9}"
        f"{'peak RSS MB':>13}"
    )
    for backend, factor, mode, r in rows:
        print(
            f"{mode + ' ' + backend + ' ' + str(factor) + 'x':<26}{r['records']:>9,}"
            f"{r['seconds']:>9.2f}{r['rate']:>9,.0f}{r['rate'] / TARGET_RATE:>10.2f}"
            f"{r['rate'] / base_rate:>9.2f}{r['peak_rss_mb']:>13.0f}"
        )
    for backend in backends:
        by_factor = {f: r for b, f, m, r in rows if b == backend and m == "canweship"}
        if 1 in by_factor and 5 in by_factor:
            growth = by_factor[5]["peak_rss_mb"] / by_factor[1]["peak_rss_mb"]
            print(f"{backend}: peak memory 5x/1x = {growth:.2f} (input grew 5.00x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
