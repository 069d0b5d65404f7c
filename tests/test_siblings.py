"""Hand-off between the workers of one server (bot/runtime/siblings.py): a worker with answers
queued passes new events to a less busy sibling, which checks Slack's signature again and
answers."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

from slack_sdk import WebClient

from bot.localslack import wire
from bot.runtime.app import create_app
from bot.runtime.siblings import MARGIN, MAX_DATAGRAM, Siblings
from tests.test_handlers import SECRET, dispatch, dm


def _pair(tmp_path, received):
    a = Siblings(tmp_path, 1, lambda data: received.append(("a", data)))
    b = Siblings(tmp_path, 1, lambda data: received.append(("b", data)))
    return a, b


def _wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_busy_worker_finds_the_least_busy_sibling_and_only_by_a_margin(tmp_path):
    received: list = []
    a, b = _pair(tmp_path, received)
    c = Siblings(tmp_path, 1, lambda data: received.append(("c", data)))
    other_server = Siblings(tmp_path, 2, lambda data: None)  # another server's workers
    other_server.publish(0)
    a.publish(6)
    b.publish(3)
    c.publish(1)
    assert a.idler(6) is not None
    assert a.idler(6) == b.idler(3)  # both pick c, the least busy
    assert c.idler(1) is None  # nobody is less busy than c
    assert b.idler(1 + MARGIN - 1) is None  # c is less busy than b, but not by MARGIN
    assert a.send(a.idler(6), b"to c")
    _wait_until(lambda: received == [("c", b"to c")])
    c.close()  # a worker that stops is no longer offered: b is next
    assert a.idler(6) == a.idler(3 + MARGIN) is not None
    assert a.idler(3 + MARGIN - 1) is None
    assert a.send(a.idler(6), b"to b")
    _wait_until(lambda: received == [("c", b"to c"), ("b", b"to b")])


def test_a_hand_off_that_cannot_be_made_says_so(tmp_path):
    received: list = []
    a, b = _pair(tmp_path, received)
    b.publish(0)
    address = a.idler(9)
    assert not a.send(address, b"x" * (MAX_DATAGRAM + 1))  # too big: handled where it arrived
    b.close()
    assert not a.send(address, b"hello")  # the sibling is gone
    assert received == []


def test_the_slot_of_a_dead_worker_is_reused(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    ghost = Siblings(tmp_path, 1, lambda data: None, pid=dead.pid)
    ghost.publish(0)
    ghost.close()  # a clean exit frees the slot; a crash leaves it with a dead pid:
    ghost = Siblings(tmp_path, 1, lambda data: None, pid=dead.pid)
    ghost.publish(0)
    offset = ghost._offset
    newcomer = Siblings(tmp_path, 1, lambda data: None)
    assert newcomer._offset == offset  # taken over, since that process is gone
    assert newcomer.idler(9) is None  # and the dead worker is no longer offered


def _app(services, fake):
    """A worker of server 7; several in one test process tell each other apart by a token."""
    client = WebClient(token="xoxb-test", base_url=fake.url)
    return create_app(services, client=client, signing_secret=SECRET, hand_off_group=7)


def test_a_busy_worker_hands_a_question_to_its_idle_sibling_which_answers_it(
    services,
    fake,
):
    busy, _idle = _app(services, fake), _app(services, fake)
    blocker = threading.Event()
    pool = busy.listener_runner.listener_executor
    for _ in range(4):
        pool.submit(blocker.wait)  # every listener thread of `busy` taken
    started = time.monotonic()
    response = dispatch(busy, dm("is Dahua on the list"))
    assert response.status == 200 and time.monotonic() - started < 1.0  # acknowledged at once
    (call,) = fake.wait_for("chat.postMessage", timeout=10)  # answered while `busy` is blocked
    assert "Dahua" in call.params["text"]
    assert pool.pending == 4  # `busy` queued nothing
    blocker.set()
    _wait_until(lambda: pool.pending == 0)
    dispatch(busy, dm("is Hikvision on the list"))  # not busy now: answered where it arrived
    fake.wait_for("chat.postMessage", count=2, timeout=10)


def test_a_handed_off_event_still_needs_slacks_signature(services, fake):
    _app(services, fake)
    probe = Siblings(services.settings.data_dir / "run", 7, lambda data: None)
    probe.publish(100)
    address = probe.idler(100)  # the app's hand-off socket
    assert address is not None
    body, headers = wire.event_callback(wire.message_im("is Dahua on the list"), secret="forged")
    payload = json.dumps({"headers": {k: [v] for k, v in headers.items()}, "body": body})
    assert probe.send(address, payload.encode())
    signed_body, signed_headers = wire.event_callback(
        wire.message_im("is Hikvision on the list"), secret=SECRET
    )
    payload = json.dumps(
        {"headers": {k: [v] for k, v in signed_headers.items()}, "body": signed_body}
    )
    assert probe.send(address, payload.encode())  # the control: a signed one is answered
    (call,) = fake.wait_for("chat.postMessage", timeout=10)
    assert "Hikvision" in call.params["text"]
    time.sleep(0.3)
    assert len(fake.calls("chat.postMessage")) == 1  # the forged one was refused


def test_the_tables_of_stopped_servers_are_removed(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"workers-{dead.pid}.load"
    stale.write_bytes(b"\0" * 64)
    running = tmp_path / f"workers-{os.getpid()}.load"  # a server still running
    running.write_bytes(b"\0" * 64)
    Siblings(tmp_path, 1, lambda data: None)
    assert not stale.exists()
    assert running.exists()
    assert (tmp_path / "workers-1.load").exists()


def test_without_a_place_for_the_table_the_app_works_without_hand_off(
    services,
    fake,
    caplog,
):
    services.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (services.settings.data_dir / "run").write_text("not a directory")
    app = _app(services, fake)
    assert "no hand-off" in caplog.text
    dispatch(app, dm("is Dahua on the list"))
    fake.wait_for("chat.postMessage", timeout=10)
