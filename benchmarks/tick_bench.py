"""One reminder tick over 100,000 pending reminders, PostgreSQL (and SQLite), against a naive tick.

Scenarios: (a) nothing due — the common case, every 30 s in every process; (b) 100 due — they
are claimed, "posted" to an in-memory notifier and marked sent. The naive baseline loads every
pending row into Python and filters there, as a job-store-style scheduler would.

    python benchmarks/tick_bench.py [--reminders 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PG_URL = os.environ.get(
    "CANWESHIP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class NullNotifier:
    def __init__(self) -> None:
        self.count = 0

    def post_reminder(self, *, channel, thread_ts, notice) -> str:  # type: ignore[no-untyped-def]
        self.count += 1
        return f"{self.count}.0001"


def populate(engine, n: int, due_now: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from storage.models import Deadline, Reminder

    now = datetime.now(UTC)
    per = 7
    deadlines = n // per + 1
    with engine.begin() as conn:
        conn.execute(
            insert(Deadline.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": i + 1,
                    "kind": "license",
                    "ref_id": i + 1,
                    "title": f"D{i} expires",
                    "due": date(2031, 1, 1) + timedelta(days=i % 300),
                    "status": "open",
                    "channel": "C0ALERTS",
                    "created_at": now,
                }
                for i in range(deadlines)
            ],
        )
        rows = []
        for i in range(n):
            # the due ones belong to distinct deadlines, so none is collapsed into another
            due = i % per == 0 and i // per < due_now
            due_at = now - timedelta(minutes=1) if due else now + timedelta(days=1 + i % 400)
            rows.append(
                {
                    "deadline_id": (i // per) + 1,
                    "offset_days": i % per,
                    "due_at": due_at,
                    "status": "pending",
                    "attempts": 0,
                    "late": False,
                }
            )
        for start in range(0, n, 20000):
            conn.execute(insert(Reminder.__table__), rows[start : start + 20000])  # type: ignore[attr-defined]


def naive_tick(engine, now: datetime) -> int:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from storage.models import Reminder

    with Session(engine) as session:
        pending = session.exec(select(Reminder).where(Reminder.status == "pending")).all()
        return sum(1 for r in pending if r.due_at <= now)


def run(url: str, n: int) -> list[tuple[str, float]]:
    from bot.config import Settings
    from bot.deadlines.reminders import tick
    from storage.db import get_engine, upgrade

    settings = Settings.from_env(env={"DATABASE_URL": url, "CANWESHIP_ALERT_CHANNEL": "C0ALERTS"})
    engine = get_engine(url)
    upgrade(url, engine=engine)
    populate(engine, n, due_now=100)
    out = []
    started = time.perf_counter()
    naive_tick(engine, datetime.now(UTC))
    out.append(("naive: load all pending, filter in Python", time.perf_counter() - started))
    notifier = NullNotifier()
    started = time.perf_counter()
    report = tick(engine=engine, settings=settings, notifier=notifier, owner="bench")
    out.append((f"tick, 100 due (posted {report.posted})", time.perf_counter() - started))
    started = time.perf_counter()
    report = tick(engine=engine, settings=settings, notifier=notifier, owner="bench")
    out.append((f"tick, none due (posted {report.posted})", time.perf_counter() - started))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=100_000)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    from tests.conftest import postgres_unreachable_reason

    backends: list[tuple[str, str, str | None]] = [
        ("sqlite", f"sqlite:///{tempfile.mkdtemp()}/tick.db", None)
    ]
    if not postgres_unreachable_reason():
        schema = f"tick_{uuid.uuid4().hex[:8]}"
        backends.insert(0, ("postgres", f"{PG_URL}?options=-csearch_path%3D{schema}", schema))
    print(f"{args.reminders:,} pending reminders")
    for name, url, schema in backends:
        admin = create_engine(PG_URL) if schema else None
        if admin is not None:
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            results = run(url, args.reminders)
            base = results[0][1]
            for label, seconds in results:
                print(f"  {name:<9}{label:<46}{seconds * 1000:>9.1f} ms   x{base / seconds:>7.1f}")
        finally:
            if admin is not None:
                with admin.begin() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
