"""Hand-off between the worker processes of one `canweship serve`.

Slack events are acknowledged at once and answered afterwards, on a worker's listener threads.
On Linux each granian worker has its own listening socket and the kernel picks the worker for
each new connection at random, without knowing how many answers each one has queued. Under a
steady load the workers' queues drift apart, and questions wait in the longer one while the
other worker has threads free (benchmarks/README.md, "Slack answer latency", round 4).

So each worker publishes how many answers it has queued or running in a small shared file, and
a worker that has `MARGIN` more than a sibling passes a new event to that sibling over a local
datagram socket instead of queueing it: the sibling runs it through its own app, which checks
Slack's signature again, exactly as if Slack had sent it there. Nothing else changes: the
event is acknowledged by the worker Slack reached, and answered once (the event claim).
Anything that goes wrong on the way (no sibling, a full socket, a payload too big) just means
the event is handled where it arrived.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import socket
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SLOTS = 64  # worker processes of one server, at most, that can see each other
_RECORD = struct.Struct("<iII")  # pid, token, answers queued or running
MAX_DATAGRAM = 200_000  # under Linux's default socket buffer (212,992 bytes)
MARGIN = 2  # hand an event off only to a sibling with at least this many fewer answers


def _address(pid: int, token: int) -> str:
    return f"\0canweship-worker-{pid}-{token}"  # Linux's abstract namespace: no file to remove


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Siblings:
    """This worker's entry in the load table of its server, and its hand-off socket.

    `group` names the server (its main process id); `deliver(data)` is called on a background
    thread with each payload a sibling handed over.
    """

    def __init__(
        self,
        directory: Path,
        group: int,
        deliver: Callable[[bytes], None],
        *,
        pid: int | None = None,
    ) -> None:
        self.pid = pid or os.getpid()
        self.token = int.from_bytes(os.urandom(4), "little")
        self._deliver = deliver
        self._closed = False
        directory.mkdir(parents=True, exist_ok=True)
        _remove_tables_of_stopped_servers(directory, keep=group)
        path = directory / f"workers-{group}.load"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            size = SLOTS * _RECORD.size
            with _locked(fd):
                if os.fstat(fd).st_size < size:
                    os.ftruncate(fd, size)
                self._table = mmap.mmap(fd, size)
                self._offset = self._claim_slot()
        finally:
            os.close(fd)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * MAX_DATAGRAM)
        self._sock.bind(_address(self.pid, self.token))
        self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._thread = threading.Thread(target=self._receive, name="siblings", daemon=True)
        self._thread.start()

    def _claim_slot(self) -> int:
        """A slot that is free or whose process is gone (the caller holds the file lock)."""
        for slot in range(SLOTS):
            offset = slot * _RECORD.size
            pid, _, _ = _RECORD.unpack_from(self._table, offset)
            if pid == 0 or not _alive(pid):
                _RECORD.pack_into(self._table, offset, self.pid, self.token, 0)
                return offset
        raise RuntimeError(f"more than {SLOTS} workers in one server")

    def publish(self, load: int) -> None:
        """Tell the siblings how many answers this worker has queued or running."""
        _RECORD.pack_into(self._table, self._offset, self.pid, self.token, max(load, 0))

    def idler(self, load: int) -> str | None:
        """The address of the least loaded sibling with at least MARGIN fewer answers."""
        if load < MARGIN:
            return None  # no sibling can have MARGIN fewer: skip reading the table
        mine = self._offset // _RECORD.size
        siblings = [
            (theirs, pid, token)
            for slot, (pid, token, theirs) in enumerate(_RECORD.iter_unpack(self._table))
            if pid and slot != mine and theirs + MARGIN <= load
        ]
        if not siblings:
            return None
        _, pid, token = min(siblings)
        return _address(pid, token)

    def send(self, address: str, data: bytes) -> bool:
        """Hand `data` to the sibling at `address`; False (nothing sent) if it cannot take it
        now."""
        if len(data) > MAX_DATAGRAM:
            return False
        try:
            self._out.sendto(data, socket.MSG_DONTWAIT, address)
        except OSError:  # gone, or its queue is full: handle the event here
            return False
        return True

    def _receive(self) -> None:
        while not self._closed:
            try:
                data = self._sock.recv(MAX_DATAGRAM + 1)
            except OSError:
                return  # closed
            if self._closed:
                return
            try:
                self._deliver(data)
            except Exception:
                log.exception("a handed-off event could not be dispatched")

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(ValueError):
            _RECORD.pack_into(self._table, self._offset, 0, 0, 0)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the receiver, refuses new data
        self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self._sock.close()
        with contextlib.suppress(OSError):
            self._out.close()


def _remove_tables_of_stopped_servers(directory: Path, keep: int) -> None:
    """Each server start leaves a table named after its main process; drop those of servers
    that are gone."""
    for table in directory.glob("workers-*.load"):
        group = table.stem.removeprefix("workers-")
        if group.isdigit() and int(group) != keep and not _alive(int(group)):
            with contextlib.suppress(OSError):
                table.unlink()


@contextlib.contextmanager
def _locked(fd: int):  # type: ignore[no-untyped-def]
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that reports how much work it has been given and not finished."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self.on_change: Callable[[int], None] | None = None  # told the new count each time
        self._lock = threading.Lock()
        self.pending = 0

    def _add(self, delta: int) -> None:
        with self._lock:
            self.pending += delta
            if self.on_change is not None:
                self.on_change(self.pending)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._add(1)
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._add(-1)
            raise
        future.add_done_callback(lambda _: self._add(-1))
        return future
