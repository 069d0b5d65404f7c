"""Load: two `canweship serve` instances sharing PostgreSQL, exactly one answer per question.

    python benchmarks/load_bench.py [--n 2000] [--concurrency 50] [--instances 2] [--workers 1]
        [--redeliver 50] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--seed 11]

Imports `csl_composite.json` into a private schema of the PostgreSQL named by `--database-url`
(dropped afterwards), starts a FakeSlackAPI in this process and `--instances` bot processes
exactly as the Procfile's `web:` does (`python -m bot serve`, granian, `--workers` each)
on loopback ports, all sharing the schema, warms each up, then sends `--n` signed DM
`event_callback`s from `--concurrency` closed-loop clients (each asks its next question once its
previous one was answered), round-robin across the instances. Each question is on its own DM
channel, so every `chat.postMessage` at the fake is matched to its question.

`--redeliver` of the questions are also sent a second time, with Slack's retry headers
(`X-Slack-Retry-Num: 1`, same body and `event_id`), to the *other* instance right after the
first delivery was acknowledged: the exactly-once claim must stop the second answer across
processes.

The run fails (exit 1) unless every question got exactly one answer and none of them is the
bot's own failure message. Target: 2,000 questions at 50 concurrent, none lost or doubled,
p99 <= 500 ms on 2 cores. Reports throughput, p50/p90/p99/max and CPU per question.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._data import shared_data_dir  # noqa: E402
from benchmarks.slack_latency import (  # noqa: E402
    ANSWER_TIMEOUT,
    DOUBLE_GRACE,
    LOOPBACK,
    SCENARIO_TIMEOUT,
    SECRET,
    Answers,
    Bot,
    Signed,
    _loadavg,
    _self_cpu,
    _tree_cpu,
    bot_env,
    client_loop,
    fresh_store,
    import_list,
    make_questions,
    percentile,
    post_event,
    running_bot,
    sign_questions,
    warm_up,
)
from bot.localslack import wire  # noqa: E402
from bot.localslack.fake_api import FakeSlackAPI  # noqa: E402

TARGET_P99_MS = 500.0
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Cluster:
    """Several bot instances fed round-robin; optional redelivery to the next instance."""

    def __init__(self, bots: list[Bot], answers: Answers, redeliver_every: int) -> None:
        self.bots = bots
        self.answers = answers
        self.redeliver_every = redeliver_every
        self._turn = 0
        self._lock = threading.Lock()
        self.redelivered = 0
        self.instance_of: dict[str, int] = {}  # channel -> index of the instance asked first

    def prepare(self, questions: list[str]) -> list[Signed]:
        return sign_questions(self.answers, questions)

    def ask(self, question: Signed) -> str:
        with self._lock:
            self._turn += 1
            turn = self._turn
        first = self.bots[turn % len(self.bots)]
        self.instance_of[question.channel] = turn % len(self.bots)
        self.answers.sent(question.channel, time.monotonic())
        post_event(first.url, question.body, question.headers)
        if self.redeliver_every and turn % self.redeliver_every == 0:
            other = self.bots[(turn + 1) % len(self.bots)]
            body, headers = wire.redelivery(question.body.decode(), secret=SECRET, retry_num=1)
            post_event(other.url, body.encode(), headers)
            with self._lock:
                self.redelivered += 1
        return question.channel


def run(cluster: Cluster, questions: list[str], clients: int) -> tuple[list[str], float, float]:
    """Closed loop; returns (channels, seconds to the last answer, harness-side start time)."""
    client, channels = client_loop(cluster, questions, wait=True)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result(timeout=SCENARIO_TIMEOUT + ANSWER_TIMEOUT + 30)
    finished = cluster.answers.last_answer(channels)
    return channels, max(finished - started, 1e-9), started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1, help="granian workers per instance")
    ap.add_argument("--redeliver", type=int, default=50, help="questions also redelivered")
    ap.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--dump", help="write [instance, latency ms] per question, in send order")
    ap.add_argument("--keep-logs", help="copy the server logs into this directory")
    args = ap.parse_args(argv)

    data = shared_data_dir()
    if not (data / "csl_composite.json").is_file() or not (data / "dev_negatives.csv").is_file():
        print(f"skipped: csl_composite.json / dev_negatives.csv not found in {data}")
        return 0
    questions = make_questions(40 * args.instances + args.n, args.seed)
    warm_qs, measured_qs = questions[: 40 * args.instances], questions[40 * args.instances :]
    threads = os.environ.get("CANWESHIP_WEB_THREADS", "8")
    print(
        f"cores {os.cpu_count()}, load {_loadavg()}, {args.instances} instances x "
        f"{args.workers} worker(s) x {threads} threads, n {args.n}, "
        f"concurrency {args.concurrency} (closed loop), redelivered {args.redeliver}",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="load-bench-"))
    answers = Answers()
    try:
        with fresh_store(args.database_url, tmp) as database_url:
            env = bot_env(database_url, tmp)
            t = time.perf_counter()
            import_list(env, data / "csl_composite.json")
            print(f"imported the composite list in {time.perf_counter() - t:.1f} s", flush=True)
            with FakeSlackAPI(host=LOOPBACK, on_call=answers.on_call) as fake, ExitStack() as stack:
                env["SLACK_API_URL"] = fake.url
                bots, pids, logs = [], [], []
                for i in range(args.instances):
                    log_path = tmp / f"server{i}.log"
                    bot, server = stack.enter_context(
                        running_bot(env, args.workers, log_path, answers)
                    )
                    bots.append(bot)
                    pids.append(server.pid)
                    logs.append(log_path)
                for i, bot in enumerate(bots):
                    warm_up(bot, warm_qs[i * 40 : (i + 1) * 40], args.workers, logs[i])
                print(f"warm: {args.instances} instances built their index", flush=True)
                every = max(1, args.n // args.redeliver) if args.redeliver else 0
                cluster = Cluster(bots, answers, every)
                cpu0 = [_tree_cpu(p) for p in pids]
                self0 = _self_cpu()
                channels, seconds, _ = run(cluster, measured_qs, args.concurrency)
                deadline = time.monotonic() + ANSWER_TIMEOUT
                for channel in channels:
                    answers.wait(channel, max(0.0, deadline - time.monotonic()))
                time.sleep(DOUBLE_GRACE + 1.0)  # a late duplicate from the other instance
                server_cpu = sum(_tree_cpu(p) - c for p, c in zip(pids, cpu0, strict=True))
                harness_cpu = _self_cpu() - self0
                latencies, problems = answers.latencies_ms(channels)
                if len(channels) != args.n:
                    problems.append(f"{args.n - len(channels)} questions were never sent")
                if args.dump:
                    instances = [cluster.instance_of.get(c) for c in channels]
                    if len(latencies) == len(channels):
                        pairs = list(zip(instances, latencies, strict=True))
                        Path(args.dump).write_text(json.dumps(pairs))
                if args.keep_logs:
                    Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
                    for log in logs:
                        shutil.copy(log, Path(args.keep_logs) / log.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    p50, p90, p99 = (percentile(latencies, q) for q in (50, 90, 99))
    print()
    print(
        "| instances x workers | n | redelivered | answered once | lost | doubled | q/s "
        "| p50 ms | p90 ms | p99 ms | max ms | CPU ms/q server + harness |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    lost = sum("no answer" in p for p in problems)
    doubled = sum(" answers" in p for p in problems)
    once = len(latencies) - doubled
    print(
        f"| {args.instances} x {args.workers} | {args.n} | {cluster.redelivered} | {once} "
        f"| {lost} | {doubled} | {len(latencies) / seconds:.1f} | {p50:.1f} | {p90:.1f} "
        f"| {p99:.1f} | {max(latencies, default=0):.1f} "
        f"| {server_cpu / args.n * 1000:.1f} + {harness_cpu / args.n * 1000:.1f} |"
    )
    if answers.stray:
        problems.append(f"{len(answers.stray)} posts that match no question (or failed)")
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s): " + "; ".join(problems[:20]), file=sys.stderr)
        return 1
    verdict = "holds" if p99 <= TARGET_P99_MS else "MISSED"
    print(f"\nevery question answered exactly once; target p99 <= 500 ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
