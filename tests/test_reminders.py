"""Reminders: scheduling, the real TGL timeline on a controllable clock, and exactly-once delivery
across processes, crashes and downtime — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot.answers.ask import ask
from bot.answers.screener import Requester
from bot.audit import Actor
from bot.deadlines.reminders import ReminderNotice, reminder_counts, tick
from bot.deadlines.schedule import ReminderPolicy, open_deadline, reminder_time
from bot.licensing import huawei_tgl as tgl
from bot.licensing.extensions import Extensions
from bot.localslack.fake_api import FakeSlackAPI
from storage.db import writer
from storage.models import Reminder
from tests.conftest import REPO

ALERTS = "C0ALERTS"


class RecordingNotifier:
    def __init__(self) -> None:
        self.posted: list[tuple[str, str | None, ReminderNotice]] = []

    def post_reminder(self, *, channel: str, thread_ts: str | None, notice: ReminderNotice) -> str:
        self.posted.append((channel, thread_ts, notice))
        return f"{1000 + len(self.posted)}.000100"


def at_et(day: str, hour: int = 9, minute: int = 1) -> datetime:
    from zoneinfo import ZoneInfo

    return (
        datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}")
        .replace(tzinfo=ZoneInfo("America/New_York"))
        .astimezone(UTC)
    )


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ALERT_CHANNEL": ALERTS}


def test_reminders_fire_at_the_local_hour_before_a_deadline_that_ends_at_close_of_day():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/New_York")
    assert reminder_time(date(2019, 11, 18), 7, tz=tz, hour=9) == datetime(
        2019, 11, 11, 14, 0, tzinfo=UTC
    )
    assert reminder_time(date(2019, 8, 19), 0, tz=tz, hour=9) == datetime(
        2019, 8, 19, 13, 0, tzinfo=UTC
    )
    assert reminder_time(date(2019, 8, 19), -1, tz=tz, hour=9) == datetime(
        2019, 8, 20, 13, 0, tzinfo=UTC
    )


def test_only_future_reminders_are_scheduled(svc):
    policy = ReminderPolicy(offsets=(30, 14, 7, 3, 1, 0, -1), tz=svc.settings.tz, hour=9)
    with Session(writer(svc.engine)) as session:
        deadline = open_deadline(
            session,
            kind="license",
            ref_id=1,
            title="D1 expires",
            due=date(2024, 3, 10),
            channel=ALERTS,
            policy=policy,
            now=at_et("2024-03-08", 12),
        )
        session.commit()
        rows = session.exec(select(Reminder).where(Reminder.deadline_id == deadline.id))
        offsets = sorted(r.offset_days for r in rows)
    assert offsets == [-1, 0, 1]


def test_tgl_timeline_with_a_controllable_clock(svc):
    notifier = RecordingNotifier()
    ext = Extensions(svc.settings, svc.engine, svc.screener)
    admin = Actor(user="U0ADMIN", kind="slack")
    tgl.seed(ext, actor=admin, as_of=date(2019, 11, 1))

    def run(day: str, hour: int = 9) -> list[ReminderNotice]:
        before = len(notifier.posted)
        tick(
            engine=svc.engine,
            settings=svc.settings,
            notifier=notifier,
            owner="t",
            now=at_et(day, hour),
        )
        return [n for _, _, n in notifier.posted[before:]]

    assert run("2019-11-03") == []
    (fourteen,) = run("2019-11-04")
    assert (fourteen.offset_days, fourteen.due) == (14, date(2019, 11, 18))
    assert run("2019-11-10") == []
    (seven,) = run("2019-11-11")
    assert (seven.offset_days, seven.due, seven.late) == (7, date(2019, 11, 18), False)
    assert seven.details["cite"] == "84 FR 43487"
    assert notifier.posted[-1][1] == "1001.000100"  # threaded under the first reminder

    ext.extend(
        name=tgl.NAME,
        expires="2020-02-16",
        effective="2019-11-18",
        cite="84 FR 64018",
        actor=admin,
        now=at_et("2019-11-12"),
    )
    for day in ("2019-11-15", "2019-11-17", "2019-11-18", "2019-11-19", "2020-01-16"):
        assert run(day) == [], day
    (thirty,) = run("2020-01-17")
    assert (thirty.offset_days, thirty.due) == (30, date(2020, 2, 16))
    assert notifier.posted[-1][1] is None  # a new deadline starts a new thread

    who = Requester(user="U1", kind="slack")
    patches = ask(
        svc.screener,
        "can we ship software patches to Huawei for existing networks",
        who,
        now=at_et("2019-12-01", 12),
    )
    assert patches.outcome.decision.verdict == "authorized"
    assert patches.outcome.decision.authorization["expires"] == "2020-02-16"
    assert "Huawei TGL" in patches.outcome.decision.authorization["reference"]
    chips = ask(
        svc.screener,
        "can we ship 5G base station chips to Huawei",
        who,
        now=at_et("2019-12-01", 12),
    )
    assert chips.outcome.decision.verdict == "license_required"
    assert any("does not clearly cover" in r for r in chips.outcome.decision.reasons)
    later = ask(
        svc.screener,
        "can we ship software patches to Huawei for existing networks",
        who,
        now=at_et("2020-09-01", 12),
    )
    assert later.outcome.decision.verdict == "license_required"


def add_test_gl(svc, *, effective: str) -> None:
    Extensions(svc.settings, svc.engine, svc.screener).add(
        name="Test GL",
        expires="2030-01-31",
        effective=effective,
        cite="99 FR 1",
        parties=["Huawei"],
        activities=["existing networks"],
        actor=Actor(user="U0ADMIN", kind="slack"),
        now=at_et(effective),
    )


def tick_at(svc, notifier, owner: str, day: str, hour: int = 9):
    return tick(
        engine=svc.engine,
        settings=svc.settings,
        notifier=notifier,
        owner=owner,
        now=at_et(day, hour),
    )


def test_reminders_missed_while_down_are_posted_once_and_marked_late(svc):
    notifier = RecordingNotifier()
    add_test_gl(svc, effective="2029-12-01")
    # Everything was down from before the 30-day reminder until after the 7-day one.
    assert tick_at(svc, notifier, "a", "2030-01-25", 15).posted == 1
    (_, _, notice) = notifier.posted[0]
    assert notice.late and notice.offset_days == 7 and notice.skipped_offsets == (30, 14)
    assert tick_at(svc, notifier, "b", "2030-01-25", 16).posted == 0
    assert reminder_counts(svc.engine) == {"sent": 1, "skipped": 2, "pending": 4}


def test_a_failed_post_is_retried_not_lost(svc):
    class Flaky(RecordingNotifier):
        fail = True

        def post_reminder(self, **kw):
            if self.fail:
                self.fail = False
                raise ConnectionError("slack down")
            return super().post_reminder(**kw)

    notifier = Flaky()
    add_test_gl(svc, effective="2030-01-01")
    assert tick_at(svc, notifier, "a", "2030-01-17").failed == 1
    assert tick_at(svc, notifier, "a", "2030-01-17", 10).posted == 1
    assert len(notifier.posted) == 1


# --- several real processes against one database, counted at a fake Slack API -------------------


def _due_reminders(svc, n: int) -> list[str]:
    """n deadlines, each with one reminder already due (distinct titles to count by)."""
    policy = ReminderPolicy(offsets=(4,), tz=svc.settings.tz, hour=0)
    titles = []
    now = datetime.now(UTC)
    with Session(writer(svc.engine)) as session:
        for i in range(n):
            title = f"License D{9000000 + i} expires"
            deadline = open_deadline(
                session,
                kind="license",
                ref_id=i + 1,
                title=title,
                due=(now + timedelta(days=5)).date(),
                channel=ALERTS,
                policy=policy,
                now=now - timedelta(days=2),
            )
            titles.append(title)
            assert deadline.id
        session.commit()
    with Session(writer(svc.engine)) as session:
        session.execute(update(Reminder).values(due_at=now - timedelta(seconds=30)))
        session.commit()
    return titles


def _env(svc, fake: FakeSlackAPI, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANWESHIP_"))}
    env.update(
        DATABASE_URL=svc.settings.database_url,
        CANWESHIP_DATA_DIR=str(svc.settings.data_dir),
        CANWESHIP_ALERT_CHANNEL=ALERTS,
        SLACK_BOT_TOKEN="xoxb-reminders",
        SLACK_API_URL=fake.url,
        CANWESHIP_TICK_INTERVAL="1s",
        **extra,
    )
    return env


def _count(fake: FakeSlackAPI, titles: list[str]) -> dict[str, int]:
    texts = [c.params.get("text", "") for c in fake.calls("chat.postMessage") if c.ok]
    return {t: sum(t in text for text in texts) for t in titles}


@pytest.mark.slow
def test_four_processes_post_each_due_reminder_exactly_once(svc, tmp_path: Path):
    titles = _due_reminders(svc, 60)
    with FakeSlackAPI() as fake:
        env = _env(svc, fake)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "scheduler"],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / f"s{i}.log").open("w"),
            )
            for i in range(4)
        ]
        try:
            deadline = time.monotonic() + 60
            while sum(_count(fake, titles).values()) < len(titles) and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2.5)  # two more ticks each: nothing may be posted twice
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=10)
        counts = _count(fake, titles)
    assert set(counts.values()) == {1}, {t: n for t, n in counts.items() if n != 1}
    assert reminder_counts(svc.engine) == {"sent": 60}
    posters = {c.params.get("text") for c in fake.calls("chat.postMessage")}
    assert len(posters) == 60


@pytest.mark.slow
def test_a_process_killed_after_claiming_is_covered_by_the_lease(svc):
    titles = _due_reminders(svc, 1)
    with FakeSlackAPI() as fake:
        lease = {"CANWESHIP_CLAIM_LEASE": "8s"}
        crashed = subprocess.run(
            [sys.executable, "-m", "bot", "tick"],
            cwd=REPO,
            env=_env(svc, fake, CANWESHIP_FAULT="die-after-claim", **lease),
            capture_output=True,
            timeout=60,
        )
        assert crashed.returncode == -signal.SIGKILL
        claimed_at = time.monotonic()
        assert reminder_counts(svc.engine) == {"claimed": 1}
        early = subprocess.run(
            [sys.executable, "-m", "bot", "tick"],
            cwd=REPO,
            env=_env(svc, fake, **lease),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "posted 0" in early.stdout  # the claim's lease has not run out yet
        time.sleep(max(0.0, 8.5 - (time.monotonic() - claimed_at)))
        late = subprocess.run(
            [sys.executable, "-m", "bot", "tick"],
            cwd=REPO,
            env=_env(svc, fake, **lease),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "posted 1" in late.stdout, late.stdout + late.stderr
        assert _count(fake, titles) == {titles[0]: 1}


@pytest.mark.slow
def test_down_across_the_due_time_posts_once_on_start_marked_late(svc, tmp_path: Path):
    titles = _due_reminders(svc, 1)
    with Session(writer(svc.engine)) as session:
        session.execute(update(Reminder).values(due_at=datetime.now(UTC) - timedelta(hours=3)))
        session.commit()
    with FakeSlackAPI() as fake:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler"],
            env=_env(svc, fake),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "s.log").open("w"),
        )
        try:
            fake.wait_for("chat.postMessage", timeout=30)
            time.sleep(2.5)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        (call,) = [c for c in fake.calls("chat.postMessage") if c.ok]
    assert titles[0] in call.params["text"] and "(late)" in call.params["text"]
    assert "Late: this reminder was due" in str(call.params["blocks"])
