"""A 50,000-row customer file shared with the bot in Slack (issue 19), against the CLI batch.

The store holds the full composite list. The file has 50,000 rows (`Company, Country, Product`):
synthetic company names recombined from real list tokens, the dev negatives, and 500 listed
names, with a mix of destinations. Measured, with the bot's name index already built (a running
bot warms it at start):

- first progress: from dispatching the signed `message` (file_share) + `file_shared` events to
  the first reply in the file's thread (`chat.postMessage` received by the fake Web API);
- results: from the same moment to `files.completeUploadExternal` (the results uploaded);
- memory: the process's peak RSS during the job above its idle RSS (index built, before the file);
- the CLI batch time for the same rows: `canweship screen --file FILE --format csv` as a
  process (what a person runs: start, index build, screening, output) on a copy of the store
  taken before either run (SQLite), and, for reference, the batch path alone in-process
  (`Screener.screen_batch` with the index warm, after the Slack run: cases joined, not opened).

    python benchmarks/files_bench.py [--rows 50000] [--format csv|xlsx] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._data import require_data  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
COUNTRIES = ["", "DE", "US", "CN", "FR", "Japan", "India", "BR", "AE", "RU", "GB", "Mexico"]
PRODUCTS = ["routers", "laptops", "cables", "EAR99 sensors", "spare parts", ""]


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakRSS:
    """Samples this process's RSS every 20 ms on a thread; `peak` is the highest seen."""

    def __init__(self) -> None:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def rows_for(n: int, data: Path, results: list[dict], seed: int) -> list[list[str]]:
    from benchmarks.synth import synth_names

    rng = random.Random(seed)
    names: list[str] = []
    with open(data / "dev_negatives.csv", newline="") as f:
        names += [r["name"] for r in csv.DictReader(f)]
    names += [r["name"] for r in rng.sample(results, 500)]
    names += [x.name for x in synth_names(max(n - len(names), 0), seed=seed)]
    rng.shuffle(names)
    return [[name, rng.choice(COUNTRIES), rng.choice(PRODUCTS)] for name in names[:n]]


def write_file(rows: list[list[str]], fmt: str, path: Path) -> bytes:
    header = ["Company", "Country", "Product"]
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        ws = book.create_sheet("Customers")
        ws.append(header)
        for r in rows:
            ws.append(r)
        buf = io.BytesIO()
        book.save(buf)
        data = buf.getvalue()
    else:
        out = io.StringIO(newline="")
        w = csv.writer(out)
        w.writerow(header)
        w.writerows(rows)
        data = out.getvalue().encode()
    path.write_bytes(data)
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--skip-cli", action="store_true", help="do not run the CLI for comparison")
    args = ap.parse_args()
    data = require_data("csl_composite.json", "dev_negatives.csv")

    from slack_sdk import WebClient

    from bot.config import Settings
    from bot.localslack import wire
    from bot.localslack.fake_api import FakeSlackAPI
    from bot.runtime.app import create_app
    from bot.runtime.wiring import build_services
    from bot.screening.normalize import NORMALIZER_VERSION, normalize_name
    from handlers.files import JOBS
    from storage.csl import read_bytes
    from storage.importer import apply_list

    tmp = Path(tempfile.mkdtemp(prefix="files-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    env = {"DATABASE_URL": url, "CANWESHIP_DATA_DIR": str(tmp), "CANWESHIP_REVIEW_CHANNEL": "C0R"}
    svc = build_services(Settings.from_env(env=env))
    raw = (data / "csl_composite.json").read_bytes()
    results = json.loads(raw)["results"]
    apply_list(
        engine=svc.engine,
        parsed=read_bytes(raw, origin="csl_composite.json"),
        origin="csl_composite.json",
        normalize=normalize_name,
        normalizer_version=NORMALIZER_VERSION,
        actor="bench",
    )
    cli_url = None
    if url.startswith("sqlite:///"):
        # The CLI screens a copy of the store as it is now (list imported, nothing screened), so
        # neither run finds review cases the other opened.
        shutil.copy(url.removeprefix("sqlite:///"), tmp / "cli.db")
        cli_url = f"sqlite:///{tmp / 'cli.db'}"
    rows = rows_for(args.rows, data, results, args.seed)
    name = f"customers.{args.format}"
    content = write_file(rows, args.format, tmp / name)
    print(f"store {url}; {len(results):,} records; {name}: {len(rows):,} rows", file=sys.stderr)

    # The bot as it runs: index warm, then idle.
    svc.warm_up().join()
    secret = "bench-secret"
    with FakeSlackAPI() as fake:
        app = create_app(
            svc,
            client=WebClient(token="xoxb-bench", base_url=fake.url),
            signing_secret=secret,
            process_before_response=True,
        )
        gc.collect()
        time.sleep(0.5)
        idle = rss()
        ts = wire.next_ts()
        file = fake.add_file(name, content, channel="D0BENCH", user="U0BENCH", ts=ts)
        from slack_bolt.request import BoltRequest

        events = [
            wire.file_share_message([file], user="U0BENCH", channel="D0BENCH", ts=ts),
            wire.file_shared(file["id"], "U0BENCH", "D0BENCH"),
        ]
        with PeakRSS() as peak:
            t0 = time.time()
            for event in events:
                body, headers = wire.event_callback(event, secret=secret)
                assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
            assert JOBS.wait_idle(3600)
        first = fake.calls("chat.postMessage")[0].at - t0
        updates = fake.calls("chat.postMessage")[:1] + fake.calls("chat.update")
        counted = next(c.at for c in updates if "parties…" in c.params.get("text", "")) - t0
        gaps = [b.at - a.at for a, b in itertools.pairwise(updates)]
        (upload,) = fake.calls("files.completeUploadExternal")
        posted = upload.at - t0
        done = fake.uploads()[0]
    print(
        f"first progress {first:.2f} s; 'Screening N parties…' at {counted:.2f} s", file=sys.stderr
    )

    # The batch path alone, in-process, index warm (the same function the Slack path calls), on
    # the store the Slack run left: its review cases are joined here, not opened.
    from bot.answers.screener import Requester
    from bot.files.screen import parse_rows
    from bot.files.sheet import read_sheet

    requests = [r for r in parse_rows(read_sheet(name, content), name) if r is not None]
    started = time.perf_counter()
    svc.screener.screen_batch(requests, Requester(user="bench", kind="cli"))
    in_process = time.perf_counter() - started

    cli = None
    if not args.skip_cli:
        # The same rows under the CLI's own headers (name, country, item).
        with open(tmp / "cli.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["name", "country", "item"])
            w.writerows(rows)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "screen",
                "--file",
                str(tmp / "cli.csv"),
                "--format",
                "csv",
            ],
            env={**os.environ, **env, "DATABASE_URL": cli_url or url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        cli = time.perf_counter() - started

    report = {
        "rows": len(rows),
        "format": args.format,
        "store": url.split(":")[0],
        "first_progress_s": round(first, 3),
        "count_shown_s": round(counted, 3),
        "progress_edits": len(updates) - 1,
        "min_gap_between_post_and_edits_s": round(min(gaps), 3) if gaps else None,
        "results_posted_s": round(posted, 2),
        "results_file_bytes": len(done.get("raw") or b""),
        "cli_process_s": round(cli, 2) if cli is not None else None,
        "batch_in_process_s": round(in_process, 2),
        "ratio_to_cli_process": round(posted / cli, 2) if cli else None,
        "ratio_to_batch_in_process": round(posted / in_process, 2),
        "idle_rss_mib": round(idle / 2**20),
        "peak_rss_mib": round(peak.peak / 2**20),
        "over_idle_mib": round((peak.peak - idle) / 2**20),
        "targets": {
            "first_progress_s": 2.0,
            "results_vs_cli": 2.0,
            "over_idle_mib": 300,
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
