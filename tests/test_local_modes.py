"""`canweship tick` and `scheduler` without a Slack token: they show what they would post, mark
it local, exit 0, and leave every reminder pending for a process that can really post it."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.audit import Actor
from bot.cli.local import cmd_local_scheduler, local_tick
from bot.cli.main import main
from bot.deadlines.reminders import preview_due, reminder_counts
from bot.licensing.extensions import Extensions
from bot.localslack.fake_api import FakeSlackAPI
from bot.localslack.render import LOCAL_MARK
from storage.models import AuditEvent

ALERTS = "C0ALERTS1"


def audit_rows(svc) -> int:
    with Session(svc.engine) as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


@pytest.fixture
def svc(make_svc, database_url):
    return make_store(make_svc, database_url, ALERTS)


def make_store(make_svc, database_url, channel: str | None):
    """A store with one extension expiring in 3 days: its 30/14/7-day reminders are overdue."""
    env = {"CANWESHIP_TICK_INTERVAL": "1s"}
    if channel:
        env["CANWESHIP_ALERT_CHANNEL"] = channel
    svc = make_svc(database_url, env=env)
    now = datetime.now(UTC)
    # "Today" is the team's (CANWESHIP_TIMEZONE), not UTC's: late in the UTC day they differ.
    today = now.astimezone(svc.settings.tz).date()
    # Recorded 40 days ago (reminders are only made for the future of when it was recorded).
    Extensions(svc.settings, svc.engine, svc.screener).add(
        name="Local GL",
        expires=(today + timedelta(days=3)).isoformat(),
        effective=(today - timedelta(days=60)).isoformat(),
        cite="99 FR 123",
        parties=["Huawei"],
        activities=["existing networks"],
        actor=Actor(user="U0ADMIN01", kind="slack"),
        now=now - timedelta(days=40),
    )
    return svc


def test_tick_without_a_token_prints_what_it_would_post_and_changes_nothing(svc, capsys):
    counts, audits = reminder_counts(svc.engine), audit_rows(svc)
    assert counts.get("pending", 0) >= 3
    for _ in range(2):  # shown again next time: it is still due, nothing was used up
        assert main(["tick"]) == 0
        out, err = capsys.readouterr()
        assert f"canweship (in {ALERTS}) {LOCAL_MARK}:" in out
        assert "⏰ Local GL (99 FR 123) expires in 3 days" in out
        assert out.count("⏰") == 1  # the overdue ones collapse into the latest, as a tick does
        assert "[Extended — record new expiry] [Let it lapse]" in out  # not clickable: no N
        assert "0 posted (local, not sent to Slack); they stay pending" in out
        assert "SLACK_BOT_TOKEN is not set" in err
        assert (reminder_counts(svc.engine), audit_rows(svc)) == (counts, audits)


def test_what_a_local_tick_showed_is_still_posted_once_slack_is_configured(
    svc, monkeypatch, capsys
):
    assert main(["tick"]) == 0
    shown = capsys.readouterr().out
    with FakeSlackAPI() as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-local-test")
        monkeypatch.setenv("SLACK_API_URL", fake.url)
        assert main(["tick"]) == 0
        assert "posted 1" in capsys.readouterr().out
        (posted,) = fake.posted_messages()
    assert posted.channel == ALERTS
    assert posted.text.startswith("⏰ Local GL (99 FR 123) expires in 3 days")
    assert posted.text.split(" — ")[0] in shown


def test_without_a_channel_the_local_tick_says_where_it_would_not_go(
    make_svc, database_url, capsys
):
    make_store(make_svc, database_url, None)
    assert main(["tick"]) == 0
    out = capsys.readouterr().out
    assert "in CANWESHIP_ALERT_CHANNEL (not set" in out and LOCAL_MARK in out


def test_the_local_scheduler_prints_each_due_reminder_once(svc, capsys, monkeypatch):
    out = io.StringIO()
    shown: set[int] = set()
    assert local_tick(svc, out, shown=shown) == 1
    assert local_tick(svc, out, shown=shown) == 0
    assert out.getvalue().count("⏰") == 1
    monkeypatch.setattr("sys.stdout", out := io.StringIO())
    stop = threading.Event()
    timer = threading.Timer(2.5, stop.set)
    timer.start()
    assert cmd_local_scheduler(svc, stop=stop) == 0
    timer.join()
    assert out.getvalue().count("⏰") == 1  # looked at least twice, printed once
    assert "local, not sent to Slack" in capsys.readouterr().err
    assert len(preview_due(svc.engine, settings=svc.settings)) == 1  # still due
