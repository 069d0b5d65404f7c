"""Pacing: a busy web worker takes new Slack requests only as it has threads to answer them.

Slack events are acknowledged at once and answered afterwards on Bolt's listener threads. An
HTTP worker then takes every request it is sent, acknowledges it, and queues the answer behind
the others: under load, each worker ran more requests and answers at once than it has cores,
every one slowed by the rest (the GIL is handed over every millisecond), and nothing outside
the worker could see how much it had queued.

So while a worker has `LIMIT` answers queued or running, its request threads wait before
acknowledging a new event: in arrival order, and never more than `HOLD` seconds. The HTTP server
accepts no more connections at once per worker than `BACKPRESSURE` (granian's option of that
name, with HTTP keep-alive off so that a connection is one request), so the next questions wait
in the kernel's listening queue instead of inside the worker, in the order they came. Measured
(benchmarks/README.md, "Slack answer latency", round 4): more answers per second and a shorter
tail. Two limits: on Linux each granian worker has a listening socket of its own, and the
kernel assigns a connection to one when it arrives, so a queued question waits for its own
worker even if another is idle; and a balancer in front of several instances sees a busy
instance only if it sends to the one with the fewest requests open (least connections), not
round-robin.

Nothing is refused. An event is acknowledged within `HOLD` of a worker taking it, well inside
Slack's 3 seconds; a worker that is stuck (Slack rate-limiting its posts, say) still takes and
acknowledges `BACKPRESSURE` events per `HOLD`.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

LISTENER_THREADS = 5  # Bolt's own default
# Answers queued or running before new events wait: as many as there are threads to run them,
# so that a worker queues nothing of its own and waiting questions queue in the kernel.
LIMIT = LISTENER_THREADS
HOLD = 1.0  # seconds, at most, that an event waits before it is acknowledged anyway
# Connections a worker accepts at once (granian's --backpressure), with keep-alive off so that
# one connection is one request. The best of 2, 4 and 8 (benchmarks/README.md, round 4).
BACKPRESSURE = 4


class PacedExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, which knows how much work it has been given and not finished, and
    admits new requests in arrival order while that is below `limit`."""

    def __init__(
        self, max_workers: int = LISTENER_THREADS, *, limit: int = LIMIT, hold: float = HOLD
    ) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self.limit = limit
        self.hold = hold
        self._pending = 0  # submitted, not finished
        self._admitted = 0  # requests let through that have not yet returned
        self._line: collections.deque[object] = collections.deque()
        self._changed = threading.Condition()

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._changed:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished()
            raise
        future.add_done_callback(lambda _: self._finished())
        return future

    def _finished(self) -> None:
        with self._changed:
            self._pending -= 1
            self._changed.notify_all()

    @contextlib.contextmanager
    def admission(self) -> Iterator[bool]:
        """Hold the caller until it is first in line and the load is below the limit, at most
        `hold` seconds; yields whether it got in without the hold running out. A request that
        is let through counts against the limit until it returns (by then its listener work,
        if any, is pending in the pool)."""
        me = object()
        with self._changed:
            self._line.append(me)
            in_time = self._changed.wait_for(
                lambda: self._line[0] is me and self._pending + self._admitted < self.limit,
                timeout=self.hold,
            )
            self._line.remove(me)
            self._admitted += 1
            self._changed.notify_all()
        try:
            yield in_time
        finally:
            with self._changed:
                self._admitted -= 1
                self._changed.notify_all()
