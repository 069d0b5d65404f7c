"""kill -9 for real (issue 18): `canweship serve` processes on one store, the fake Slack Web API,
signed events over HTTP. A serving process is SIGKILLed at chosen moments:

* before the intake commit (the store holds the INSERT back; no ack reaches Slack, which
  redelivers to the other instance),
* between the ack and the answer (Slack refuses the post with 500s; the process is in its
  retry back-off, the answer not taken),
* during the post (Slack has taken the answer; the process dies before it hears so),

and every acknowledged question is answered exactly once: by the other instance's sweeper once
the claim lapses (marked late), or by the process itself after a restart. SIGTERM: a process
stops within 25 s, releasing what it holds. On SQLite and PostgreSQL; slow (processes start).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI
from tests.conftest import BACKENDS, FIXTURE_LIST, REPO, store_url
from tests.helpers import bot_process_env

pytestmark = pytest.mark.slow

SECRET = "kill-secret"
LEASE = 3.0  # seconds: CANWESHIP_ANSWER_LEASE for these processes
SERVE = (sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1")
QUESTION = "can we ship 200 routers to Huawei Technologies in Shenzhen?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One `canweship serve` process (one granian worker) on a loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Instance:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [*SERVE, "--port", str(self.port)],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill -9 takes the workers too
            )
        deadline = time.monotonic() + 60
        while self.health() != 200:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.1)
        return self

    def health(self) -> int | None:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError):
            return None

    def send(self, payload: tuple[str, dict[str, str]], timeout: float = 30) -> int | None:
        """POST a signed request; Slack's view: the status, or None when no ack came back."""
        body, headers = payload
        request = urllib.request.Request(
            self.url + "/slack/events", data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError):
            return None

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture(params=BACKENDS)
def cluster(request, tmp_path) -> Iterator[tuple[FakeSlackAPI, dict[str, str], Path]]:
    """The fake Slack, the environment of a bot process on a fresh store with the demo list."""
    for database_url in store_url(request.param, tmp_path):
        with FakeSlackAPI() as fake:
            env = bot_process_env(
                database_url,
                tmp_path,
                fake,
                SLACK_BOT_TOKEN="xoxb-kill",
                SLACK_SIGNING_SECRET=SECRET,
                CANWESHIP_ANSWER_LEASE=f"{LEASE}s",
            )
            subprocess.run(
                [sys.executable, "-m", "bot", "import", str(FIXTURE_LIST)],
                env=env,
                check=True,
                capture_output=True,
                cwd=REPO,
            )
            yield fake, env, tmp_path


def _question(channel: str) -> tuple[str, str, dict[str, str]]:
    """(event id, body, headers) of a DM question on its own channel."""
    event = wire.message_im(QUESTION, channel=channel)
    body, headers = wire.event_callback(event, secret=SECRET)
    return json.loads(body)["event_id"], body, headers


def _answers(fake: FakeSlackAPI, channel: str) -> list:
    return [m for m in fake.posted_messages(channel) if m.text]


def _wait_answered(fake: FakeSlackAPI, channel: str, within: float) -> float:
    """Seconds until the channel had an answer (fails after `within`)."""
    started = time.monotonic()
    while not _answers(fake, channel):
        assert time.monotonic() - started < within, f"{channel} was never answered"
        time.sleep(0.05)
    return time.monotonic() - started


@contextlib.contextmanager
def _intake_held(database_url: str) -> Iterator[None]:
    """The store holds every intake INSERT back (a lock), as a slow disk or commit would."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")  # the write lock: every writer waits
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE intake IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def _intake_row(database_url: str, key: str):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT status, late FROM intake WHERE ref = :k"), {"k": key}
            ).first()
    finally:
        engine.dispose()


def test_kill_9_at_each_moment_and_every_acked_question_is_answered_exactly_once(cluster):
    fake, env, tmp = cluster
    a = Instance(env, tmp / "a.log").start()
    b = Instance(env, tmp / "b.log").start()
    try:
        # 1. Before the intake commit: no ack, so Slack redelivers (to the other instance).
        key, body, headers = _question("D0KILL01")
        result: dict[str, int | None] = {}
        with _intake_held(env["DATABASE_URL"]):
            sender = threading.Thread(target=lambda: result.update(s=a.send((body, headers))))
            sender.start()
            time.sleep(1.0)  # A is inside its INSERT, waiting for the store
            a.kill9()
            sender.join(10)
        assert result["s"] is None  # Slack got no ack
        # SQLite: nothing was committed. PostgreSQL: the server may still finish the INSERT the
        # dead process sent (autocommit); the redelivery then finds it held, and the sweeper
        # answers it once the dead process's claim lapses.
        row = _intake_row(env["DATABASE_URL"], key)
        if make_url(env["DATABASE_URL"]).get_backend_name() == "sqlite":
            assert row is None
        assert b.send(wire.redelivery(body, secret=SECRET)) == 200
        _wait_answered(fake, "D0KILL01", 2 * LEASE + 5)

        # 2. Between the ack and the answer: Slack refuses the post, A is backing off.
        a = Instance(env, tmp / "a.log").start()
        fake.fail_next("chat.postMessage", status=500, times=2)
        key2, body, headers = _question("D0KILL02")
        assert a.send((body, headers)) == 200  # acknowledged: Slack will not redeliver
        fake.wait_for("chat.postMessage", timeout=10)
        a.kill9()
        assert _answers(fake, "D0KILL02") == []
        waited = _wait_answered(fake, "D0KILL02", 2 * LEASE + 5)  # B's sweeper, late
        assert _answers(fake, "D0KILL02")[0].text.startswith("Late answer")

        # 3. During the post: Slack takes the answer, A dies before hearing back.
        a = Instance(env, tmp / "a.log").start()
        fake.delay("chat.postMessage", 1.5)
        key3, body, headers = _question("D0KILL03")
        assert a.send((body, headers)) == 200
        fake.wait_for("chat.postMessage", timeout=10)
        time.sleep(0.3)
        a.kill9()
        fake.delay("chat.postMessage", 0)
        _wait_answered(fake, "D0KILL03", 10)

        # Wait out two leases and more: nothing is answered twice, nothing is left.
        time.sleep(2 * LEASE + 2)
        for channel in ("D0KILL01", "D0KILL02", "D0KILL03"):
            assert len(_answers(fake, channel)) == 1, channel
        assert waited <= 2 * LEASE + 2
        for k in (key2, key3):
            row = _intake_row(env["DATABASE_URL"], k)
            assert row is not None and row.status == "done" and row.late
    finally:
        a.stop()
        b.stop()


def test_a_question_held_by_the_only_process_is_answered_after_its_restart(cluster):
    fake, env, tmp = cluster
    a = Instance(env, tmp / "a.log").start()
    try:
        fake.fail_next("chat.postMessage", status=500, times=2)
        key, body, headers = _question("D0KILL04")
        assert a.send((body, headers)) == 200
        fake.wait_for("chat.postMessage", timeout=10)
        a.kill9()
        assert _answers(fake, "D0KILL04") == []
        a = Instance(env, tmp / "a.log").start()  # restarted
        _wait_answered(fake, "D0KILL04", 2 * LEASE + 10)
        time.sleep(LEASE + 1)
        assert len(_answers(fake, "D0KILL04")) == 1
        assert _intake_row(env["DATABASE_URL"], key).status == "done"
    finally:
        a.stop()


def test_sigterm_finishes_what_it_holds_and_stops_within_25_seconds(cluster):
    fake, env, tmp = cluster
    a = Instance(env, tmp / "a.log").start()
    b = Instance(env, tmp / "b.log").start()
    try:
        fake.delay("chat.postMessage", 0.5)  # answers take a while: some are held at SIGTERM
        channels = [f"D0TERM{n:02d}" for n in range(8)]
        for channel in channels:
            assert a.send(_question(channel)[1:]) == 200
        assert a.proc is not None
        started = time.monotonic()
        os.kill(a.proc.pid, signal.SIGTERM)
        a.proc.wait(30)
        took = time.monotonic() - started
        assert took < 25, took
        assert a.proc.returncode == 0, (tmp / "a.log").read_text()[-2000:]
        fake.delay("chat.postMessage", 0)
        for channel in channels:  # finished by A, or released and answered by B
            _wait_answered(fake, channel, 2 * LEASE + 5)
        time.sleep(LEASE + 1)
        assert all(len(_answers(fake, c)) == 1 for c in channels)
    finally:
        a.stop()
        b.stop()
