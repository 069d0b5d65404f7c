"""The durable intake on the acknowledgement path, and the sweeper that answers what a dead
process left (issue 18; the table and its claims are storage/intake.py).

`register(app)` puts a middleware in front of every listener (and of the hand-off to a sibling
worker): a question (handlers/intake.py says which requests are) is INSERTed into the store,
claimed by this process, before Slack's acknowledgement is sent, in HTTP and Socket Mode alike.
A delivery the store already has (Slack's retry, or another instance's copy) is acknowledged and
left to whoever holds it: if that process dies, its claim lapses and a sweeper answers.

`Sweeper` runs in every serving process: every few seconds it claims questions whose claim
lapsed or that a stopping process released (storage/claims.py, as reminders are claimed) and
answers them, marked as late, through the same listeners: the event's own claim
(storage/events.py) still makes the answer exactly-once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.runtime.hand_off import HANDED_OFF
from bot.services import Services
from handlers.intake import answer_late, question_key
from storage import intake
from storage.models import ProcessedEvent

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(days=1)  # answered questions are kept this long, then pruned
SWEEP_THREADS = 8  # late answers given at once (they have waited a lease already)
SWEEP_BATCH = 40  # questions claimed per sweep; a full batch is followed by another at once


def register(app: App, services: Services) -> None:
    """Write every question to the intake before Slack is acknowledged."""
    if not services.settings.durable_intake:
        log.warning("CANWESHIP_DURABLE_INTAKE is off: a question can be lost in a crash")
        return

    def keep(body: dict[str, Any], req: BoltRequest, next: Callable[[], Any]) -> Any:
        if HANDED_OFF in req.headers:
            return next()  # a sibling worker already wrote it
        found = question_key(body)
        if found is None:
            return next()
        key, kind = found
        try:
            new = intake.record(
                services.engine, key=key, kind=kind, payload=body, owner=services.instance_id
            )
        except SQLAlchemyError as exc:
            # The store is down: answer anyway (the answer fails closed, `unavailable`), rather
            # than leave the asker with nothing.
            log.warning("cannot write question %s to the intake, answering anyway: %s", key, exc)
            return next()
        if not new:
            log.info("question %s is already in the intake; its holder answers it", key)
            return BoltResponse(status=200, body="")
        return next()

    app.use(keep)


class Sweeper:
    """Answers, marked late, the questions whose process died or let them go."""

    def __init__(self, services: Services, client: WebClient, interval: float | None = None):
        self.services = services
        self.client = client
        lease = services.settings.answer_lease.total_seconds()
        self.interval = interval if interval is not None else max(0.2, min(5.0, lease / 10))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sweeps = 0
        self.last_claimed = 0
        self._pool = ThreadPoolExecutor(SWEEP_THREADS, thread_name_prefix="intake-late")

    def start(self) -> Sweeper:
        self._thread = threading.Thread(target=self._run, name="intake-sweeper", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            wait = self.interval
            try:
                self.sweep()
                if self.last_claimed >= SWEEP_BATCH:
                    wait = 0  # more may be due: a process died holding many
            except Exception as exc:  # the store is down: the next sweep tries again
                log.warning("intake sweep failed: %s", exc)

    def sweep(self) -> int:
        """Answer what is due now, several at once (a process that died may have held dozens,
        and each waits its lease already); the number answered."""
        svc = self.services
        items = intake.claim_lapsed(
            svc.engine, owner=svc.instance_id, lease=svc.settings.answer_lease, batch=SWEEP_BATCH
        )
        self.last_claimed = len(items)
        answered = sum(self._pool.map(self._answer, items)) if items else 0
        self._sweeps += 1
        if self._sweeps % 720 == 1:
            intake.prune(svc.engine, older_than=KEEP_DONE)
        return answered

    def _answer(self, item: intake.Lapsed) -> bool:
        svc = self.services
        if self._stop.is_set():
            intake.release(svc.engine, owner=svc.instance_id, keys=[item.key])
            return False
        log.warning("answering question %s late (its first answerer stopped)", item.key)
        try:
            done = answer_late(svc, self.client, item.kind, item.payload, item.received_at)
        except Exception:
            log.exception("answering question %s late failed", item.key)
            done = False
        try:
            if done or _completed(svc, item.key):
                intake.mark_done(svc.engine, item.key)
            else:  # its event claim is held by a live process, or not yet lapsed: next sweep
                intake.release(svc.engine, owner=svc.instance_id, keys=[item.key])
        except SQLAlchemyError as exc:  # its claim lapses, and the event claim stops a double
            log.warning("cannot record the late answer of %s: %s", item.key, exc)
        return done


def _completed(services: Services, key: str) -> bool:
    """True when the question's event claim says it was answered."""
    with services.engine.connect() as conn:
        done = conn.execute(
            select(ProcessedEvent.completed_at).where(ProcessedEvent.event_id == key)  # type: ignore[arg-type]
        ).first()
    return done is not None and done[0] is not None


def serve(services: Services, client: WebClient) -> Sweeper:
    """Start this process's sweeper, and the graceful stop: when the main thread ends (a web
    worker's server stopped on SIGTERM, or Socket Mode's handler returned), the interpreter
    first lets the listener pools finish the questions they hold (concurrent.futures joins its
    threads at exit), then `stop_gracefully` runs on a watcher thread the interpreter waits for."""
    sweeper = Sweeper(services, client).start()

    def watch() -> None:
        threading.main_thread().join()
        stop_gracefully(services, sweeper)

    threading.Thread(target=watch, name="graceful-stop", daemon=False).start()
    return sweeper


def stop_gracefully(services: Services, sweeper: Sweeper | None = None) -> int:
    """Stop sweeping, write the answered questions' marks, and give back the questions this
    process holds but did not answer (a sibling's sweeper, or this one restarted, answers them).
    The number given back."""
    if sweeper is not None:
        sweeper.stop()
    services.completions.flush(5.0)
    try:
        released = intake.release(services.engine, owner=services.instance_id)
    except SQLAlchemyError as exc:  # their claims lapse instead, and a sweeper takes them then
        log.warning("could not release the questions this process holds: %s", exc)
        return 0
    if released:
        log.warning("released %d questions for another process to answer", released)
    return released
