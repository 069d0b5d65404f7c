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

Issue 18 (durable intake, readiness, restarts):

* `--cold`: no warm-up questions; the load starts the moment every instance's `/healthz` first
  answers 200, so the first questions count (a worker builds its index before it is ready).
* `--no-intake`: the instances run with `CANWESHIP_DURABLE_INTAKE=off` (questions are not written
  before the ack), to measure what the intake costs.
* `--kill-every S`: every S seconds one instance (in turn) is killed with SIGKILL (its whole
  process group) and started again on the same port. A delivery that got no ack is redelivered,
  as Slack does, to the other instance (then again every 0.25 s). Reports the questions whose
  process died holding them and the longest wait among them (target <= 2 x the lease, set with
  `--lease`, default 5s in this mode).

The run fails (exit 1) unless every question got exactly one answer and none of them is the
bot's own failure message. Target: 2,000 questions at 50 concurrent, none lost or doubled,
p99 <= 500 ms on 2 cores. Reports throughput, p50/p90/p99/max and CPU per question.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
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
    _free_port,
    _get,
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
SLACK_ACK_TIMEOUT = 3.0  # seconds Slack waits for an event's acknowledgement
SERVE = (sys.executable, "-m", "bot", "serve")
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Restartable:
    """`python -m bot serve` in its own process group on a fixed loopback port, killable with
    SIGKILL and started again on the same port (the balancer's address does not change)."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.env = {**env, "WEB_CONCURRENCY": str(workers)}
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.start_seconds: list[float] = []  # spawn to the first 200 of /healthz, each start
        self.ready = False  # in the balancer's rotation (its health check passed)

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*SERVE, "--host", LOOPBACK, "--port", str(self.port)],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        began = time.monotonic()
        deadline = began + 120
        while True:
            try:
                if _get(self.url + "/healthz") == 200:
                    self.start_seconds.append(time.monotonic() - began)
                    self.ready = True
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + self.log_path.read_text()[-3000:])
            time.sleep(0.05)

    def kill9(self) -> None:
        self.ready = False  # (the balancer's health check takes it out of rotation)
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()


class Cluster:
    """Several bot instances fed round-robin; optional redelivery to the next instance."""

    def __init__(
        self,
        bots: list[Bot],
        answers: Answers,
        redeliver_every: int,
        retry: bool = False,
        servers: list[Restartable] | None = None,
    ) -> None:
        self.bots = bots
        self.servers = servers or []  # kill mode: new deliveries go to instances in rotation
        self.answers = answers
        self.redeliver_every = redeliver_every
        self.retry = retry  # redeliver what got no ack, as Slack does (kill mode)
        self._turn = 0
        self._lock = threading.Lock()
        self.redelivered = 0
        self.unacked = 0  # deliveries that got no ack (their process was dead or died)
        self.instance_of: dict[str, int] = {}  # channel -> index of the instance asked first
        self.acked_by: dict[str, tuple[int, float]] = {}  # channel -> (instance, when acked)
        self.first_to: dict[str, tuple[int, float]] = {}  # channel -> (instance, when sent)

    def _deliver(self, turn: int, question: Signed) -> None:
        """Until one instance acknowledges it: the first, then Slack's retries to the others."""
        attempt = 0
        deadline = time.monotonic() + 60
        if self.servers and not self.servers[turn % len(self.bots)].ready:
            turn += 1  # the balancer sends it to an instance in rotation
        with self._lock:
            self.first_to[question.channel] = (turn % len(self.bots), time.monotonic())
        while True:
            index = (turn + attempt) % len(self.bots)
            body, headers = question.body, question.headers
            if attempt:
                b, headers = wire.redelivery(
                    question.body.decode(), secret=SECRET, retry_num=min(attempt, 3)
                )
                body = b.encode()
            try:
                # Slack waits 3 s for the ack, then retries
                post_event(self.bots[index].url, body, headers, timeout=SLACK_ACK_TIMEOUT)
            except (OSError, RuntimeError, http.client.HTTPException):
                if not self.retry or time.monotonic() > deadline:
                    raise
                with self._lock:
                    self.unacked += 1
                attempt += 1
                if attempt >= len(self.bots):
                    time.sleep(0.25)
                continue
            with self._lock:
                self.acked_by[question.channel] = (index, time.monotonic())
            return

    def prepare(self, questions: list[str]) -> list[Signed]:
        return sign_questions(self.answers, questions)

    def ask(self, question: Signed) -> str:
        with self._lock:
            self._turn += 1
            turn = self._turn
        first = self.bots[turn % len(self.bots)]
        self.instance_of[question.channel] = turn % len(self.bots)
        self.answers.sent(question.channel, time.monotonic())
        if self.retry:
            self._deliver(turn, question)
        else:
            post_event(first.url, question.body, question.headers)
        if self.redeliver_every and turn % self.redeliver_every == 0:
            other = self.bots[(turn + 1) % len(self.bots)]
            body, headers = wire.redelivery(question.body.decode(), secret=SECRET, retry_num=1)
            try:
                post_event(other.url, body.encode(), headers)
            except (OSError, RuntimeError, http.client.HTTPException):
                if not self.retry:
                    raise  # (kill mode: the other instance may be down; Slack retries the same)
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


def _killer(
    servers: list[Restartable], every: float, stop: threading.Event, kills: list[tuple[int, float]]
) -> None:
    """Every `every` seconds, SIGKILL the next instance and start it again (same port) in the
    background; an instance is killed only while the others are up (a restart includes building
    the index, which can take longer than `every` on a loaded machine)."""
    turn = 0
    restarts: list[threading.Thread] = []
    while not stop.wait(every):
        for t in restarts:
            t.join()
        restarts.clear()
        if stop.is_set():
            return
        index = turn % len(servers)
        turn += 1
        kills.append((index, time.monotonic()))
        servers[index].kill9()
        restart = threading.Thread(target=servers[index].start, daemon=True)
        restart.start()
        restarts.append(restart)
    for t in restarts:
        t.join()


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
    ap.add_argument("--cold", action="store_true", help="no warm-up: load from the first 200")
    ap.add_argument("--no-intake", action="store_true", help="CANWESHIP_DURABLE_INTAKE=off")
    ap.add_argument("--kill-every", type=float, default=0.0, help="SIGKILL an instance every S s")
    ap.add_argument("--lease", help="CANWESHIP_ANSWER_LEASE (default 5s with --kill-every)")
    args = ap.parse_args(argv)

    data = shared_data_dir()
    if not (data / "csl_composite.json").is_file() or not (data / "dev_negatives.csv").is_file():
        print(f"skipped: csl_composite.json / dev_negatives.csv not found in {data}")
        return 0
    questions = make_questions(40 * args.instances + args.n, args.seed)
    warm_qs, measured_qs = questions[: 40 * args.instances], questions[40 * args.instances :]
    threads = os.environ.get("CANWESHIP_WEB_THREADS", "8")
    lease = args.lease or ("5s" if args.kill_every else None)
    print(
        f"cores {os.cpu_count()}, load {_loadavg()}, {args.instances} instances x "
        f"{args.workers} worker(s) x {threads} threads, n {args.n}, "
        f"concurrency {args.concurrency} (closed loop), redelivered {args.redeliver}, "
        f"intake {'off' if args.no_intake else 'on'}, {'cold' if args.cold else 'warm'}"
        + (f", kill -9 every {args.kill_every:g} s, lease {lease}" if args.kill_every else ""),
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="load-bench-"))
    answers = Answers()
    kills: list[tuple[int, float]] = []
    try:
        with fresh_store(args.database_url, tmp) as database_url:
            env = bot_env(database_url, tmp)
            if args.no_intake:
                env["CANWESHIP_DURABLE_INTAKE"] = "off"
            if lease:
                env["CANWESHIP_ANSWER_LEASE"] = lease
            t = time.perf_counter()
            import_list(env, data / "csl_composite.json")
            print(f"imported the composite list in {time.perf_counter() - t:.1f} s", flush=True)
            with FakeSlackAPI(host=LOOPBACK, on_call=answers.on_call) as fake, ExitStack() as stack:
                env["SLACK_API_URL"] = fake.url
                bots, pids, logs = [], [], []
                servers: list[Restartable] = []
                for i in range(args.instances):
                    log_path = tmp / f"server{i}.log"
                    if args.kill_every:
                        server = Restartable(env, args.workers, log_path)
                        server.start()
                        stack.callback(server.stop)
                        servers.append(server)
                        bots.append(Bot(server.url, answers))
                        pids.append(server.proc.pid)  # type: ignore[union-attr]
                    else:
                        bot, proc = stack.enter_context(
                            running_bot(env, args.workers, log_path, answers)
                        )
                        bots.append(bot)
                        pids.append(proc.pid)
                    logs.append(log_path)
                if not args.cold:
                    for i, bot in enumerate(bots):
                        warm_up(bot, warm_qs[i * 40 : (i + 1) * 40], args.workers, logs[i])
                    print(f"warm: {args.instances} instances built their index", flush=True)
                else:
                    print("cold: load starts at the first 200 of /healthz", flush=True)
                every = max(1, args.n // args.redeliver) if args.redeliver else 0
                cluster = Cluster(
                    bots, answers, every, retry=bool(args.kill_every), servers=servers
                )
                cpu0 = [_tree_cpu(p) for p in pids]
                self0 = _self_cpu()
                stop = threading.Event()
                killer = None
                if args.kill_every:
                    killer = threading.Thread(
                        target=_killer, args=(servers, args.kill_every, stop, kills), daemon=True
                    )
                    killer.start()
                channels, seconds, _ = run(cluster, measured_qs, args.concurrency)
                stop.set()
                if killer is not None:
                    killer.join(180)
                deadline = time.monotonic() + ANSWER_TIMEOUT
                for channel in channels:
                    answers.wait(channel, max(0.0, deadline - time.monotonic()))
                # a late duplicate from the other instance (kill mode: a whole lease and more)
                time.sleep(DOUBLE_GRACE + 1.0 + (2 * _seconds(lease) if args.kill_every else 0))
                server_cpu = sum(_tree_cpu(p) - c for p, c in zip(pids, cpu0, strict=True))
                harness_cpu = _self_cpu() - self0
                latencies, problems = answers.latencies_ms(channels)
                if len(channels) != args.n:
                    problems.append(f"{args.n - len(channels)} questions were never sent")
                died = _died_holding(cluster, answers, channels, kills)
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
    first50 = latencies[:50]
    print()
    print(
        "| instances x workers | n | redelivered | answered once | lost | doubled | q/s "
        "| p50 ms | p90 ms | p99 ms | max ms | first 50: p99 ms | CPU ms/q server + harness |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    lost = sum("no answer" in p for p in problems)
    doubled = sum(" answers" in p for p in problems)
    once = len(latencies) - doubled
    print(
        f"| {args.instances} x {args.workers} | {args.n} | {cluster.redelivered} | {once} "
        f"| {lost} | {doubled} | {len(latencies) / seconds:.1f} | {p50:.1f} | {p90:.1f} "
        f"| {p99:.1f} | {max(latencies, default=0):.1f} | {percentile(first50, 99):.1f} "
        f"| {server_cpu / args.n * 1000:.1f} + {harness_cpu / args.n * 1000:.1f} |"
    )
    if args.kill_every:
        waits = [w for _, w, held in died if held]
        unacked = [w for _, w, held in died if not held]
        print(
            f"\nkill -9: {len(kills)} kills, {cluster.unacked} deliveries without an ack "
            f"(redelivered); {len(unacked)} questions in flight to a killed process, not yet "
            f"acknowledged (redelivered by 'Slack'): longest wait "
            f"{max(unacked, default=0) / 1000:.2f} s; {len(waits)} acknowledged questions whose "
            f"process died holding them: longest wait {max(waits, default=0) / 1000:.2f} s "
            f"(2 x lease = {2 * _seconds(lease):.0f} s); restarts took "
            + ", ".join(f"{t:.1f}" for sv in servers for t in sv.start_seconds[1:])
            + " s to the first 200 of /healthz"
        )
        if waits and max(waits) > 2 * _seconds(lease) * 1000:
            problems.append("a question whose process died waited longer than 2 x the lease")
    if answers.stray:
        problems.append(f"{len(answers.stray)} posts that match no question (or failed)")
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s): " + "; ".join(problems[:20]), file=sys.stderr)
        return 1
    verdict = "holds" if p99 <= TARGET_P99_MS else "MISSED"
    print(f"\nevery question answered exactly once; target p99 <= 500 ms: {verdict}")
    return 0


def _seconds(duration: str | None) -> float:
    from bot.config import parse_duration

    return parse_duration(duration).total_seconds() if duration else 120.0


def _died_holding(
    cluster: Cluster, answers: Answers, channels: list[str], kills: list[tuple[int, float]]
) -> list[tuple[str, float, bool]]:
    """(channel, wait ms, acknowledged by it) of the questions whose instance (the first one they
    were sent to) was killed after they were sent and before they were answered: unacknowledged
    ones (redelivered) and acknowledged ones (answered by the other's sweeper, or after the
    restart)."""
    out = []
    for channel in channels:
        sent_to = cluster.first_to.get(channel)
        first = answers.first_answer(channel)
        if sent_to is None or first is None:
            continue
        index, at = sent_to
        acked = cluster.acked_by.get(channel)
        for i, k in kills:
            if i == index and at <= k < first:
                held = acked is not None and acked[0] == index and acked[1] <= k
                out.append((channel, (first - at) * 1000, held))
                break
    return out


if __name__ == "__main__":
    sys.exit(main())
