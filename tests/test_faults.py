"""Faults: the store going away mid-run, Slack failing, and processes killed at the worst time.

* store unreachable (PostgreSQL behind a loopback TCP proxy that is cut; SQLite whose
  connections start failing) -> every answer is `unavailable` and says so, never `clear`, and
  the bot answers correctly again once the store is back;
* Slack answering 429 with Retry-After, or 500 -> the client retries with backoff; the answer
  and the reminder are posted exactly once, and a reminder whose post outlasts the retries
  stays pending for the next tick;
* a process SIGKILLed in the middle of an import -> the list in use is intact and the next
  import works;
* a process killed between claiming an event and completing it -> covered by the claim's lease
  (reminders: tests/test_reminders.py::test_a_process_killed_after_claiming_is_covered_by_the_lease,
  which runs on both backends).
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
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session

from bot.answers.ask import ask
from bot.answers.screener import Requester
from bot.audit import Actor
from bot.cli.main import main
from bot.config import Settings
from bot.deadlines.reminders import reminder_counts, tick
from bot.licensing.extensions import Extensions
from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI
from bot.runtime.app import create_app, make_client
from bot.runtime.wiring import build_services
from handlers.reminders import SlackNotifier
from storage.events import claim_event, complete_event
from storage.models import Entry, EntryName, ListSnapshot
from tests.conftest import FIXTURE_LIST, REPO

SECRET = "faults-secret"
ALERTS = "C0ALERTS"
CLEAR_QUESTION = "can we ship laptops to Acme GmbH in Germany?"
LISTED_QUESTION = "can we ship 200 routers to Huawei Technologies in Shenzhen?"


# ---- a store that can be made unreachable --------------------------------------------------------


class TcpProxy:
    """127.0.0.1 TCP proxy in front of PostgreSQL; `cut()` drops every connection and refuses new
    ones (as a network partition or a server restart would), `restore()` lets them through."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.down = threading.Event()
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down.set()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._listener.close()


class Outage:
    """Make the store unreachable for one engine and bring it back."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.proxy: TcpProxy | None = None
        self._broken = threading.Event()
        url = make_url(database_url)
        if url.get_backend_name() == "postgresql":
            self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
            self.url = url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
                hide_password=False
            )
        else:
            self.url = database_url

    def attach(self, engine: Engine) -> None:
        """SQLite has no server to cut: its connections start failing as a dead disk's would."""
        self.engine = engine
        if self.proxy is None:

            @event.listens_for(engine, "do_connect")
            def refuse(*args: Any) -> None:
                if self._broken.is_set():
                    raise sqlite3.OperationalError("disk I/O error")

            @event.listens_for(engine, "checkout")
            def dead(*args: Any) -> None:
                # A connection that was checked out when the disk died (a background writer's)
                # goes back to the pool alive: fail it at its next checkout, as the disk would.
                if self._broken.is_set():
                    raise DisconnectionError("disk I/O error")

    def cut(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
        else:
            self._broken.set()
            self.engine.pool.dispose()  # the pooled connections go with the "disk"

    def restore(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        else:
            self._broken.clear()

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()


@pytest.fixture
def outage(database_url, monkeypatch, capsys) -> Iterator[Outage]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["import", str(FIXTURE_LIST)]) == 0
    capsys.readouterr()
    o = Outage(database_url)
    try:
        yield o
    finally:
        o.close()


def _services(url: str, tmp_path: Path, **extra: str):
    env = {"DATABASE_URL": url, "CANWESHIP_DATA_DIR": str(tmp_path / "data"), **extra}
    return build_services(Settings.from_env(env=env))


def _app(svc, fake: FakeSlackAPI):
    client = make_client("xoxb-faults", fake.url)
    return create_app(svc, client=client, signing_secret=SECRET, process_before_response=True)


def _dm(app, text: str) -> None:
    body, headers = wire.event_callback(wire.message_im(text), secret=SECRET)
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200


def test_store_unreachable_mid_run_fails_closed_then_recovers(outage, fake, tmp_path):
    svc = _services(outage.url, tmp_path)
    outage.attach(svc.engine)
    app = _app(svc, fake)
    who = Requester(user="U1", kind="slack")
    assert ask(svc.screener, CLEAR_QUESTION, who).outcome.decision.verdict == "clear"
    _dm(app, LISTED_QUESTION)
    assert fake.calls("chat.postMessage")[-1].params["text"].startswith("License required")

    outage.cut()
    fake.clear()
    for question in (CLEAR_QUESTION, LISTED_QUESTION):
        assert ask(svc.screener, question, who).outcome.decision.verdict == "unavailable"
        _dm(app, question)
    posted = [c.params["text"] for c in fake.calls("chat.postMessage")]
    assert len(posted) == 2, posted  # each question still gets its one answer...
    for said in posted:  # ...which says the store is down, and is never a verdict
        assert said.startswith("Unavailable"), said
        assert not said.startswith(("Clear", "License required"))
    from bot.runtime.wsgi import healthz

    assert healthz(svc)[0].startswith("503")

    outage.restore()
    fake.clear()
    deadline = time.monotonic() + 10  # the pool notices the dead connections (pre-ping)
    verdict = None
    while time.monotonic() < deadline and verdict != "clear":
        verdict = ask(svc.screener, CLEAR_QUESTION, who).outcome.decision.verdict
    assert verdict == "clear"
    _dm(app, LISTED_QUESTION)
    (call,) = fake.calls("chat.postMessage")
    assert call.params["text"].startswith("License required")
    assert healthz(svc)[0].startswith("200")


def test_a_slash_command_during_an_outage_is_answered_not_silent(outage, fake, tmp_path):
    svc = _services(outage.url, tmp_path)
    outage.attach(svc.engine)
    app = _app(svc, fake)
    outage.cut()
    for typed in ("screen Acme GmbH --country DE", CLEAR_QUESTION, "status"):
        fake.clear()
        body, headers = wire.slash_command(
            "/canweship", typed, secret=SECRET, response_url=fake.response_url("o")
        )
        assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
        (reply,) = fake.calls("response_url")
        assert not reply.params["text"].startswith(("Clear", "License required")), typed


# ---- Slack failing ----------------------------------------------------------------------------


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ALERT_CHANNEL": ALERTS}


@pytest.mark.parametrize(
    "fault",
    [{"status": 429, "retry_after": 1}, {"status": 500}, {"status": 503, "times": 2}],
    ids=["429-retry-after", "500", "503-twice"],
)
def test_an_answer_survives_slack_rate_limits_and_outages_exactly_once(svc, fake, fault):
    app = _app(svc, fake)
    fake.fail_next("chat.postMessage", **fault)
    started = time.monotonic()
    _dm(app, LISTED_QUESTION)
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [fault["status"]] * fault.get("times", 1) + [200]
    assert sum(c.ok for c in calls) == 1
    assert calls[-1].params["text"].startswith("License required")
    if fault["status"] == 429:  # Retry-After was honoured
        assert calls[-1].at - calls[0].at >= 0.9
    assert time.monotonic() - started < 15


def _one_due_reminder(svc) -> datetime:
    """An extension expiring 2030-01-31 and the moment its 14-day reminder is due."""
    from tests.test_reminders import at_et

    Extensions(svc.settings, svc.engine, svc.screener).add(
        name="Test GL",
        expires="2030-01-31",
        effective="2030-01-01",
        cite="99 FR 1",
        parties=["Huawei"],
        activities=["existing networks"],
        actor=Actor(user="U0ADMIN", kind="slack"),
        now=at_et("2030-01-01"),
    )
    return at_et("2030-01-17")


def _tick(svc, notifier, now: datetime):
    return tick(engine=svc.engine, settings=svc.settings, notifier=notifier, owner="t", now=now)


def test_a_reminder_survives_a_429_and_is_posted_once(svc, fake):
    now = _one_due_reminder(svc)
    notifier = SlackNotifier(make_client("xoxb-faults", fake.url), "America/New_York")
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    report = _tick(svc, notifier, now)
    assert (report.posted, report.failed) == (1, 0)
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]
    assert _tick(svc, notifier, now + timedelta(minutes=1)).posted == 0
    assert reminder_counts(svc.engine).get("sent") == 1


def test_a_reminder_whose_post_outlasts_the_retries_stays_pending_and_is_posted_later(svc, fake):
    now = _one_due_reminder(svc)
    notifier = SlackNotifier(make_client("xoxb-faults", fake.url), "America/New_York")
    pending = reminder_counts(svc.engine)["pending"]
    fake.fail_next("chat.postMessage", status=500, times=4)  # 1 try + 3 retries, all 500
    report = _tick(svc, notifier, now)
    assert (report.posted, report.failed) == (0, 1)
    assert len(fake.calls("chat.postMessage")) == 4
    assert reminder_counts(svc.engine) == {"pending": pending}  # released, not lost
    report = _tick(svc, notifier, now + timedelta(seconds=30))
    assert (report.posted, report.failed) == (1, 0)
    ok = [c for c in fake.calls("chat.postMessage") if c.ok]
    assert len(ok) == 1 and "Test GL" in ok[0].params["text"]
    assert _tick(svc, notifier, now + timedelta(minutes=1)).posted == 0
    assert reminder_counts(svc.engine) == {"sent": 1, "pending": pending - 1}
    assert reminder_counts(svc.engine) == {"sent": 1, "pending": pending - 1}


# ---- killed mid-import ------------------------------------------------------------------------


def _big_list(path: Path, copies: int) -> Path:
    """The demo list, `copies` times over under new ids and names: seconds to import."""
    doc = json.loads(FIXTURE_LIST.read_text())
    results = []
    for i in range(copies):
        for record in doc["results"]:
            results.append(
                {**record, "id": f"{record['id']}-{i}", "name": f"{record['name']} unit {i}"}
            )
    path.write_text(json.dumps({"results": results}))
    return path


def _list_in_use(engine: Engine) -> tuple[Any, ...]:
    with Session(engine) as session:
        snap = session.execute(
            select(ListSnapshot).order_by(ListSnapshot.id.desc()).limit(1)  # type: ignore[union-attr]
        ).scalar_one()
        snaps = session.execute(select(func.count()).select_from(ListSnapshot)).scalar_one()
        entries = session.execute(
            select(func.count()).select_from(Entry).where(Entry.snapshot_id == snap.id)
        ).scalar_one()
        names = session.execute(
            select(func.count()).select_from(EntryName).where(EntryName.snapshot_id == snap.id)
        ).scalar_one()
        all_entries = session.execute(select(func.count()).select_from(Entry)).scalar_one()
    return snap.id, snap.version, snap.record_count, snaps, entries, names, all_entries


def _writing(database_url: str, engine: Engine, before: int) -> bool:
    """True once the import is visibly writing rows (not yet committed)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            seq = conn.execute(text("SELECT pg_get_serial_sequence('entry', 'id')")).scalar_one()
            last = conn.execute(text(f"SELECT last_value FROM {seq}")).scalar_one()
        return last > before + 2000
    wal = Path(make_url(database_url).database + "-wal")
    return wal.exists() and wal.stat().st_size > before + 4_000_000


@pytest.mark.slow
def test_a_process_killed_mid_import_leaves_the_list_in_use_intact(store_env, tmp_path, capsys):
    from storage.db import get_engine

    assert main(["import", str(FIXTURE_LIST)]) == 0
    capsys.readouterr()
    engine = get_engine(store_env)
    before = _list_in_use(engine)
    big = _big_list(tmp_path / "big.json", 4000)  # 44,000 records
    if engine.dialect.name == "postgresql":
        baseline = before[-1]
    else:
        wal = Path(make_url(store_env).database + "-wal")
        baseline = wal.stat().st_size if wal.exists() else 0
    env = {**os.environ, "DATABASE_URL": store_env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", str(big)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _writing(store_env, engine, baseline):
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    engine.dispose()
    after = _list_in_use(engine)
    assert after == before  # same snapshot, same counts, no half-written rows
    who = Requester(user="U1", kind="cli")
    svc = build_services(Settings.from_env())
    assert ask(svc.screener, LISTED_QUESTION, who).outcome.decision.verdict == "license_required"

    smaller = json.loads(FIXTURE_LIST.read_text())
    smaller["results"] = smaller["results"][1:]
    (tmp_path / "next.json").write_text(json.dumps(smaller))
    assert main(["import", str(tmp_path / "next.json")]) == 0  # the import lock was released
    assert "applied" in capsys.readouterr().out
    snap_id, *_ = _list_in_use(engine)
    assert snap_id != before[0]


# ---- killed during delivery: the event claim's lease -------------------------------------------


def test_an_event_claimed_by_a_process_that_died_is_answered_after_the_lease(database_url):
    from storage.db import get_engine, upgrade

    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    lease = timedelta(minutes=2)
    t0 = datetime.now(UTC)
    assert claim_event(engine=engine, event_id="Ev1", owner="dead", lease=lease, now=t0)
    # "dead" was SIGKILLed before posting: nobody completes Ev1. Slack redelivers it.
    later = t0 + timedelta(seconds=30)
    assert not claim_event(engine=engine, event_id="Ev1", owner="alive", lease=lease, now=later)
    after_lease = t0 + lease + timedelta(seconds=1)
    assert claim_event(engine=engine, event_id="Ev1", owner="alive", lease=lease, now=after_lease)
    complete_event(engine=engine, event_id="Ev1", now=after_lease)
    much_later = after_lease + timedelta(hours=1)
    assert not claim_event(engine=engine, event_id="Ev1", owner="x", lease=lease, now=much_later)
