"""Slack answer latency: signed event POST -> `chat.postMessage` at a fake Web API.

    python benchmarks/slack_latency.py [--n 500] [--concurrency 50] [--workers 2]
        [--mode closed|open] [--database-url postgresql+psycopg://...] [--seed 5]

Imports `csl_composite.json` into a fresh store (SQLite in a temp dir by default, or a private
schema of the PostgreSQL named by `--database-url`), starts a FakeSlackAPI in this process and
the bot exactly as the Procfile does (`python -m bot serve`, granian) on loopback, warms
every worker up, then times DM questions, each on its own channel (D + counter) so an answer is
matched to its question by channel:

* latency = the moment the signed `POST /slack/events` is sent -> the moment the fake receives
  the matching `chat.postMessage` (both on this process's monotonic clock);
* `sequential`: one question at a time, the next sent once the previous was answered;
* `concurrent`: `--concurrency` client threads. `--mode closed` (default): each client asks its
  next question once its previous one was answered, so at most `--concurrency` questions are in
  flight (50 people waiting on an answer). `--mode open`: each client sends its next question as
  soon as the previous POST was acknowledged (acks take a few ms), so the whole batch lands
  within a few seconds and latency includes the queue (a burst test); `--mode both` runs the
  two.

Every question must get exactly one answer (none lost, none doubled) or the run fails. The
baseline, printed side by side, is the same sequential questions answered in-process by
`bot.answers.ask.ask` with a `Screener` on the same store (no HTTP, no Slack): the difference is
the cost of HTTP, Bolt, the exactly-once claim and the Web API call. The target is p99 <= 300 ms at
50 concurrent questions on 2 cores; the table shows p99 / target.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._data import load_negatives, load_records, shared_data_dir  # noqa: E402
from bot.localslack import wire  # noqa: E402
from bot.localslack.fake_api import FakeSlackAPI  # noqa: E402
from bot.localslack.recording import Call  # noqa: E402
from bot.screening.countries import country_name  # noqa: E402
from handlers.common import SORRY  # noqa: E402

# Answers that mean nothing was screened because of the bot, not the question: a crash in the
# listener, or a store that could not be read or written (see bot/answers/screener.py).
_FAILURE_MARKERS = (
    SORRY[:40],
    "screening store cannot be read",
    "could not be recorded in the audit log",
)

TARGET_P99_MS = 300.0
SECRET = "bench-signing-secret"
LOOPBACK = "127.0.0.1"
ANSWER_TIMEOUT = 60.0  # seconds a single question may wait for its answer
START_TIMEOUT = 60.0  # seconds for the server to answer /healthz
WARM_TIMEOUT = 120.0  # seconds for every worker to build its index
DOUBLE_GRACE = 1.0  # seconds to wait after the last answer for a late duplicate
SCENARIO_TIMEOUT = 600.0  # seconds a scenario may take; clients stop sending after it

ITEMS = ("routers", "200 routers", "laptops", "EAR99 cables", "spare parts", "servers")
_LIST_TEMPLATES = (
    "can we ship {item} to {name} in {country}?",
    "is {name} on the list?",
    "ok to export EAR99 cables to {name}?",
    "can we sell {item} to {name} ({country})?",
    "check {name}",
)
_NEGATIVE_TEMPLATES = (
    "can we ship {item} to {name} in {country}?",
    "is {name} on the list?",
    "ok to export EAR99 cables to {name}?",
    "can we send {item} to {name}?",
)


# ---- questions -----------------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    """Slack escapes these three characters in the `text` of every message event."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_questions(n: int, seed: int) -> list[str]:
    """`n` questions: half names from the list (primary or alias), half real negatives."""
    rng = random.Random(seed)
    records = [r for r in load_records(shared_data_dir() / "csl_composite.json") if r.name]
    negatives = [r for r in load_negatives(shared_data_dir() / "dev_negatives.csv") if r["name"]]
    out: list[str] = []
    for i in range(n):
        if i % 2 == 0:
            record = rng.choice(records)
            name = rng.choice(record.aliases) if record.aliases and rng.random() < 0.2 else None
            name = name or record.name
            code = record.countries[0] if record.countries else None
            template = rng.choice(_LIST_TEMPLATES)
        else:
            row = rng.choice(negatives)
            name, code = row["name"], (row.get("country") or None)
            template = rng.choice(_NEGATIVE_TEMPLATES)
        country = country_name(code) if code else None
        if "{country}" in template and not country:
            template = "is {name} on the list?"
        text = template.format(item=rng.choice(ITEMS), name=name.strip(), country=country)
        out.append(_slack_escape(text))
    return out


# ---- answers at the fake API ---------------------------------------------------------------------


@dataclass
class _Pending:
    sent: float | None = None
    answers: list[float] = field(default_factory=list)
    failed: str | None = None  # the bot's own failure message, when it sent one
    done: threading.Event = field(default_factory=threading.Event)


class Answers:
    """Matches `chat.postMessage` calls at the fake to questions by channel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._counter = 0
        self.stray: list[Call] = []

    def new_channel(self) -> str:
        with self._lock:
            self._counter += 1
            channel = f"D{self._counter:08d}"
            self._pending[channel] = _Pending()
        return channel

    def on_call(self, call: Call) -> None:
        arrived = time.monotonic()
        if call.method != "chat.postMessage" and call.method != "chat.postEphemeral":
            return
        channel = str(call.params.get("channel") or "")
        with self._lock:
            pending = self._pending.get(channel)
            if pending is None or call.method != "chat.postMessage" or not call.ok:
                self.stray.append(call)
                return
            pending.answers.append(arrived)
            said = f"{call.params.get('text')} {call.params.get('blocks')}"
            if any(marker in said for marker in _FAILURE_MARKERS):
                pending.failed = str(call.params.get("text"))[:120]
        pending.done.set()

    def sent(self, channel: str, at: float) -> None:
        with self._lock:
            self._pending[channel].sent = at

    def wait(self, channel: str, timeout: float) -> bool:
        return self._pending[channel].done.wait(timeout)

    def latencies_ms(self, channels: list[str]) -> tuple[list[float], list[str]]:
        """Latency per answered question, and the problems (lost or doubled answers)."""
        problems: list[str] = []
        out: list[float] = []
        with self._lock:
            for channel in channels:
                p = self._pending[channel]
                if p.sent is None:
                    problems.append(f"{channel}: never sent")
                elif not p.answers:
                    problems.append(f"{channel}: no answer")
                else:
                    if len(p.answers) > 1:
                        problems.append(f"{channel}: {len(p.answers)} answers")
                    if p.failed:
                        problems.append(f"{channel}: the bot answered {p.failed!r}")
                    out.append((p.answers[0] - p.sent) * 1000)
        return out, problems

    def first_answer(self, channel: str) -> float | None:
        with self._lock:
            answers = self._pending[channel].answers
            return answers[0] if answers else None

    def sent_at(self, channel: str) -> float | None:
        with self._lock:
            return self._pending[channel].sent

    def last_answer(self, channels: list[str]) -> float:
        with self._lock:
            return max((max(self._pending[c].answers, default=0.0) for c in channels), default=0.0)


# ---- the server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 5.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass(frozen=True)
class Signed:
    """A DM question as Slack would deliver it: signed ahead, like Slack does on its own side."""

    channel: str
    body: bytes
    headers: dict[str, str]


def sign_questions(answers: Answers, questions: list[str]) -> list[Signed]:
    """One signed `event_callback` per question, each on its own DM channel (its key).

    Signing is Slack's work, not the bot's: done before a scenario starts so that it does not
    compete with the bot for the same 2 cores (timestamps stay well inside the 5-minute window).
    """
    signed = []
    for text in questions:
        channel = answers.new_channel()
        event = wire.message_im(text, user="U" + channel[1:], channel=channel)
        body, headers = wire.event_callback(event, secret=SECRET)
        signed.append(Signed(channel, body.encode(), headers))
    return signed


def post_event(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> None:
    """POST to /slack/events on a new connection, as Slack does; raise unless 200."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or LOOPBACK, parts.port, timeout=timeout)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/slack/events answered {response.status}")
    finally:
        conn.close()


class Bot:
    """The bot as a separate server process on loopback, fed signed DM events."""

    def __init__(self, url: str, answers: Answers) -> None:
        self.url = url
        self.answers = answers

    def prepare(self, questions: list[str]) -> list[Signed]:
        return sign_questions(self.answers, questions)

    def ask(self, question: Signed) -> str:
        """Deliver one signed question; returns its channel (the question's key)."""
        self.answers.sent(question.channel, time.monotonic())
        post_event(self.url, question.body, question.headers)
        return question.channel


def _base_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "CANWESHIP_", "DATABASE", "WEB_CONCURRENCY", "PORT"))
    }


def bot_env(database_url: str, tmp: Path) -> dict[str, str]:
    """The environment the benchmarked bot runs with (store, data dir, Slack credentials)."""
    return {
        **_base_env(),
        "DATABASE_URL": database_url,
        "CANWESHIP_DATA_DIR": str(tmp / "data"),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "CANWESHIP_LOG_LEVEL": "INFO",
    }


def import_list(env: dict[str, str], path: Path) -> None:
    """`canweship import PATH` into the benchmark's store, as an admin would."""
    subprocess.run(
        [sys.executable, "-m", "bot", "import", str(path)],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )


@contextmanager
def running_bot(
    env: dict[str, str], workers: int, log_path: Path, answers: Answers
) -> Iterator[tuple[Bot, subprocess.Popen[bytes]]]:
    """`python -m bot serve` on a free loopback port; terminated on exit, even on error."""
    port = _free_port()
    env = {**env, "WEB_CONCURRENCY": str(workers)}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", LOOPBACK, "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            bot = Bot(f"http://{LOOPBACK}:{port}", answers)
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    if _get(bot.url + "/healthz") == 200:
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.1)
            yield bot, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=25)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


# ---- scenarios -----------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    n: int
    answered: int
    latencies_ms: list[float]
    seconds: float
    problems: list[str] = field(default_factory=list)
    server_cpu_s: float | None = None  # CPU of the server processes during the scenario
    harness_cpu_s: float | None = None  # CPU of this process (clients + fake API)

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def client_loop(asker: Any, questions: list[str], *, wait: bool) -> tuple[Any, list[str]]:
    """A client thread body sharing `questions` with the others, and the channels it asked in.

    Closed loop (`wait`): ask the next question once the previous one was answered. Open loop:
    as soon as the previous POST returned. `asker` has `prepare(texts) -> items` (signed ahead),
    `ask(item) -> channel` and `answers`.
    """
    work = iter(asker.prepare(questions))
    lock = threading.Lock()
    channels: list[str] = []
    deadline = time.monotonic() + SCENARIO_TIMEOUT

    def client() -> None:
        for _ in range(len(questions)):  # bounded: never more turns than questions
            with lock:
                item = next(work, None)
            if item is None or time.monotonic() > deadline:
                return
            channel = asker.ask(item)
            with lock:
                channels.append(channel)
            if wait and not asker.answers.wait(channel, ANSWER_TIMEOUT):
                return  # reported as lost

    return client, channels


def run_closed(bot: Bot, questions: list[str], clients: int, name: str) -> Result:
    """`clients` threads; each asks its next question once its previous one was answered."""
    client, channels = client_loop(bot, questions, wait=True)
    return _run(bot, clients, client, channels, len(questions), name)


def run_open(bot: Bot, questions: list[str], clients: int, name: str) -> Result:
    """`clients` threads; each sends its next question as soon as the previous POST returned."""
    client, channels = client_loop(bot, questions, wait=False)
    return _run(bot, clients, client, channels, len(questions), name)


def _run(
    bot: Bot,
    clients: int,
    client: Callable[[], None],
    channels: list[str],
    n: int,
    name: str,
) -> Result:
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client) for _ in range(clients)]
        for f in futures:
            # Clients stop sending at SCENARIO_TIMEOUT and wait at most ANSWER_TIMEOUT after.
            f.result(timeout=SCENARIO_TIMEOUT + ANSWER_TIMEOUT + 30)  # raises a client's error
    deadline = time.monotonic() + ANSWER_TIMEOUT
    for channel in channels:  # open loop: the answers may still be on their way
        bot.answers.wait(channel, max(0.0, deadline - time.monotonic()))
    finished = bot.answers.last_answer(channels)
    time.sleep(DOUBLE_GRACE)
    latencies, problems = bot.answers.latencies_ms(channels)
    if len(channels) != n:
        problems.append(f"{n - len(channels)} questions were never sent")
    return Result(name, n, len(latencies), latencies, max(finished - started, 1e-9), problems)


def warm_up(bot: Bot, questions: list[str], workers: int, log_path: Path) -> int:
    """Ask until every worker has logged its index build (bounded); returns questions asked."""
    deadline = time.monotonic() + WARM_TIMEOUT
    asked = 0
    rounds = 0
    while rounds < 50:
        rounds += 1
        batch = questions[asked % len(questions) :][: 4 * workers] or questions[: 4 * workers]
        result = run_closed(bot, batch, 2 * workers, "warm-up")
        asked += len(batch)
        if result.problems:
            raise RuntimeError("warm-up questions went unanswered: " + "; ".join(result.problems))
        built = len(re.findall(r"built name index", log_path.read_text(errors="replace")))
        if built >= workers:
            return asked
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"only some of the {workers} workers built their index in time")


# ---- the in-process baseline ---------------------------------------------------------------------


def run_baseline(env: dict[str, str], questions: list[str]) -> tuple[Result, float]:
    """`bot.answers.ask.ask` on the same store in this process, sequential.

    Returns (result, build s)."""
    from bot.answers.ask import ask
    from bot.answers.screener import Requester
    from bot.config import Settings
    from bot.runtime.store import open_runtime
    from bot.runtime.wiring import build_screener
    from storage.db import session_scope
    from storage.importer import current_snapshot

    runtime = open_runtime(Settings.from_env(env=env))
    screener = build_screener(runtime.settings, runtime.engine)
    t = time.perf_counter()
    with session_scope(runtime.engine) as session:
        snapshot = current_snapshot(session)
    assert snapshot is not None and snapshot.id is not None
    screener.cache.get(runtime.engine, snapshot.id)
    build = time.perf_counter() - t
    for text in questions[:10]:  # the same warm-up the server gets: first-call costs
        ask(screener, text, Requester(user="Uwarm", kind="slack", channel="Dwarm"))
    latencies = []
    cpu0 = _self_cpu()
    started = time.perf_counter()
    for i, text in enumerate(questions):
        t = time.perf_counter()
        ask(screener, text, Requester(user=f"U{i}", kind="slack", channel=f"D{i}"))
        latencies.append((time.perf_counter() - t) * 1000)
    seconds = time.perf_counter() - started
    cpu = _self_cpu() - cpu0
    runtime.engine.dispose()
    result = Result("in-process ask()", len(questions), len(questions), latencies, seconds)
    result.harness_cpu_s = cpu
    return result, build


# ---- the store -----------------------------------------------------------------------------------


@contextmanager
def fresh_store(database_url: str | None, directory: Path) -> Iterator[str]:
    """A new SQLite file in `directory`, or a private schema dropped at the end."""
    if not database_url:
        yield f"sqlite:///{directory / 'store.db'}"
        return
    if not database_url.startswith("postgresql"):
        raise SystemExit("--database-url must be a postgresql+psycopg:// URL")
    host = urlsplit(database_url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("--database-url must point at a loopback address")
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


# ---- report --------------------------------------------------------------------------------------


def format_table(results: list[Result], baseline: Result) -> str:
    """Markdown table: one row per scenario, then the in-process baseline."""
    lines = [
        "| scenario | n | answered | p50 ms | p90 ms | p99 ms | max ms | q/s | p99 / 300 ms "
        "| CPU ms/q server + harness |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in [*results, baseline]:
        v = r.latencies_ms
        cpu = "—"
        if r.server_cpu_s is not None and r.harness_cpu_s is not None and r.n:
            cpu = f"{r.server_cpu_s / r.n * 1000:.1f} + {r.harness_cpu_s / r.n * 1000:.1f}"
        elif r.harness_cpu_s is not None and r.n:
            cpu = f"{r.harness_cpu_s / r.n * 1000:.1f}"
        lines.append(
            f"| {r.scenario} | {r.n} | {r.answered} | {percentile(v, 50):.1f} | "
            f"{percentile(v, 90):.1f} | {percentile(v, 99):.1f} | {max(v, default=0):.1f} | "
            f"{r.throughput:.1f} | {percentile(v, 99) / TARGET_P99_MS:.2f} | {cpu} |"
        )
    return "\n".join(lines)


def _tree_cpu(root_pid: int) -> float:
    """User + system CPU seconds of `root_pid` and its direct children (the server's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat.parent.name)
        if pid == root_pid or int(fields[1]) == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(server_pid: int, run: Callable[[], Result]) -> Result:
    """Run a scenario and attach the CPU the server and this process spent on it."""
    server0, self0 = _tree_cpu(server_pid), _self_cpu()
    result = run()
    result.server_cpu_s = _tree_cpu(server_pid) - server0
    result.harness_cpu_s = _self_cpu() - self0
    return result


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="questions per scenario")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2, help="server workers (Procfile: 2)")
    ap.add_argument("--mode", choices=("closed", "open", "both"), default="closed")
    ap.add_argument("--database-url", help="PostgreSQL on loopback instead of a temp SQLite")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--dump", help="write each scenario's latencies (ms, in send order) as JSON")
    ap.add_argument("--keep-log", help="copy the server log here")
    args = ap.parse_args(argv)

    data = shared_data_dir()
    if not (data / "csl_composite.json").is_file() or not (data / "dev_negatives.csv").is_file():
        print(f"skipped: csl_composite.json / dev_negatives.csv not found in {data}")
        return 0

    modes = ("closed", "open") if args.mode == "both" else (args.mode,)
    total = 40 + args.n * (1 + len(modes))
    questions = make_questions(total, args.seed)
    warm_qs, rest = questions[:40], questions[40:]
    sequential_qs, rest = rest[: args.n], rest[args.n :]

    print(
        f"cores {os.cpu_count()}, load {_loadavg()}, workers {args.workers}, "
        f"threads {os.environ.get('CANWESHIP_WEB_THREADS', '8')}, n {args.n}, "
        f"concurrency {args.concurrency} ({'/'.join(modes)} loop)",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="slack-latency-"))
    try:
        with fresh_store(args.database_url, tmp) as database_url:
            env = bot_env(database_url, tmp)
            t = time.perf_counter()
            import_list(env, data / "csl_composite.json")
            print(f"imported the composite list in {time.perf_counter() - t:.1f} s", flush=True)

            baseline, build = run_baseline(env, sequential_qs)
            print(f"in-process index build {build:.2f} s; baseline done", flush=True)

            answers = Answers()
            results: list[Result] = []
            log_path = tmp / "server.log"
            with FakeSlackAPI(host=LOOPBACK, on_call=answers.on_call) as fake:
                env["SLACK_API_URL"] = fake.url
                with running_bot(env, args.workers, log_path, answers) as (bot, server):
                    asked = warm_up(bot, warm_qs, args.workers, log_path)
                    print(f"warm: every worker built its index ({asked} questions)", flush=True)
                    results.append(
                        measured(
                            server.pid, lambda: run_closed(bot, sequential_qs, 1, "sequential")
                        )
                    )
                    print(f"sequential done, load {_loadavg()}", flush=True)
                    for i, mode in enumerate(modes):
                        qs = rest[i * args.n : (i + 1) * args.n]
                        label = f"{args.concurrency} concurrent ({mode} loop)"
                        runner = run_closed if mode == "closed" else run_open
                        results.append(
                            measured(
                                server.pid,
                                lambda r=runner, q=qs, lab=label: r(bot, q, args.concurrency, lab),
                            )
                        )
                        print(f"{label} done, load {_loadavg()}", flush=True)
            if args.keep_log:
                shutil.copy(log_path, args.keep_log)
            if args.dump:
                Path(args.dump).write_text(
                    json.dumps({r.scenario: r.latencies_ms for r in [*results, baseline]})
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(format_table(results, baseline))
    problems = [p for r in results for p in r.problems]
    if answers.stray:
        problems.append(f"{len(answers.stray)} posts that match no question (or failed)")
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s): " + "; ".join(problems[:20]), file=sys.stderr)
        return 1
    concurrent_p99 = [percentile(r.latencies_ms, 99) for r in results[1:]]
    verdict = "holds" if all(p <= TARGET_P99_MS for p in concurrent_p99) else "MISSED"
    print(f"\nevery question answered exactly once; target p99 <= 300 ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
