"""The connection pool holds as many connections as a busy process uses at once.

With too small a pool, SQLAlchemy opens an overflow connection for each extra thread and closes
it on return, so a busy bot opened a connection (a server process, on PostgreSQL) per answer.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import event, text

from storage.db import POOL_SIZE, get_engine, upgrade, writer


def test_busy_threads_reuse_connections_instead_of_opening_new_ones(database_url):
    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    threads, rounds = 12, 40  # a web worker's request and listener threads, all busy
    assert threads <= POOL_SIZE
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(rounds):
                with engine.connect() as conn:  # a read, like the version check
                    conn.execute(text("SELECT 1"))
                    time.sleep(0.001)  # waiting on the network or the disk, as answers do
                with writer(engine).begin() as conn:  # a write, like an audit row
                    conn.execute(text("SELECT 1"))
                time.sleep(0.002)  # screening or posting to Slack, without a connection
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    # At most one connection per thread. A pool smaller than the threads in use at once keeps
    # opening and closing "overflow" connections as their number goes up and down.
    assert len(opened) <= threads
