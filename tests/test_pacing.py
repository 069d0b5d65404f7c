"""Pacing (bot/pacing.py): a busy web worker holds new events, first come first served and
never past the hold, so that it takes no more requests than it can answer."""

from __future__ import annotations

import threading
import time

import pytest

from bot.pacing import PacedExecutor
from tests.test_handlers import SECRET, dispatch, dm, fake, services  # noqa: F401  (fixtures)


def _wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_pending_counts_work_from_submission_until_it_finishes():
    pool = PacedExecutor(max_workers=2)
    gate = threading.Event()
    futures = [pool.submit(gate.wait) for _ in range(3)]  # two run, one queued
    assert pool.pending == 3
    gate.set()
    for f in futures:
        f.result(timeout=5)
    _wait_until(lambda: pool.pending == 0)
    failing = pool.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)
    _wait_until(lambda: pool.pending == 0)  # a task that raised is finished too
    pool.shutdown()


def test_held_requests_are_let_in_first_come_first_served():
    pool = PacedExecutor(max_workers=1, limit=1, hold=10)
    blocker = threading.Event()
    pool.submit(blocker.wait)  # the worker is busy: load 1, at the limit
    gates = {name: threading.Event() for name in ("first", "second", "third")}
    order: list[str] = []

    def request(name: str) -> None:
        with pool.admission() as in_time:
            assert in_time
            order.append(name)
            time.sleep(0.1)  # Bolt's own work before it queues the answer: still counted
            pool.submit(gates[name].wait)  # this request's answer, queued before it returns

    threads: list[threading.Thread] = []
    for name in gates:  # arrive one after the other
        t = threading.Thread(target=request, args=(name,))
        t.start()
        threads.append(t)
        arrived = len(threads)
        _wait_until(lambda n=arrived: len(pool._line) == n)
    assert order == []  # all three held while the worker is busy
    blocker.set()
    for name in gates:
        _wait_until(lambda n=name: n in order)
        time.sleep(0.05)
        assert order[-1] == name  # only that one: its answer is now the load
        gates[name].set()
    for t in threads:
        t.join(timeout=5)
    assert order == ["first", "second", "third"]
    pool.shutdown()


def test_a_request_is_never_held_past_the_hold():
    pool = PacedExecutor(max_workers=1, limit=1, hold=0.2)
    blocker = threading.Event()
    pool.submit(blocker.wait)
    started = time.monotonic()
    with pool.admission() as in_time:
        waited = time.monotonic() - started
    assert not in_time
    assert 0.2 <= waited < 2.0
    assert pool._admitted == 0 and list(pool._line) == []  # it left the line cleanly
    blocker.set()
    pool.shutdown()


def test_a_paced_app_acknowledges_an_event_within_the_hold_and_still_answers_it(
    services,  # noqa: F811
    fake,  # noqa: F811
):
    from slack_sdk import WebClient

    from bot.app import create_app

    client = WebClient(token="xoxb-test", base_url=fake.url)
    app = create_app(services, client=client, signing_secret=SECRET, pace=True)
    pool = app.listener_runner.listener_executor
    assert isinstance(pool, PacedExecutor)
    pool.hold = 0.3
    blocker = threading.Event()
    for _ in range(pool.limit):
        pool.submit(blocker.wait)  # every listener thread busy
    started = time.monotonic()
    response = dispatch(app, dm("is Dahua on the list"))
    waited = time.monotonic() - started
    assert response.status == 200
    assert 0.3 <= waited < 2.0  # held, then acknowledged anyway: Slack never waits 3 s
    assert fake.calls("chat.postMessage") == []
    blocker.set()
    (call,) = fake.wait_for("chat.postMessage", timeout=10)
    assert "Dahua" in call.params["text"]
    started = time.monotonic()
    dispatch(app, dm("is Hikvision on the list"))  # idle again: no hold
    assert time.monotonic() - started < 0.3
    fake.wait_for("chat.postMessage", count=2, timeout=10)
