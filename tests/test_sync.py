"""Keeping the list fresh, against a loopback CSL server and a fake Slack API, on both backends:
conditional GETs, bad downloads kept out and told once, change alerts once across processes,
re-screening alerts to the people who asked, and a stale list failing closed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.answers.ask import ask
from bot.answers.screener import Requester
from bot.config import Settings
from bot.lists.alerts import alert_counts, deliver
from bot.localslack.fake_api import FakeSlackAPI
from bot.runtime.wiring import build_services
from bot.services import Services
from bot.upkeep.sync import FetchOptions, list_upkeep, sync
from handlers.list_alerts import SlackAlertNotifier
from storage.importer import current_snapshot
from storage.models import AuditEvent, ImportRun
from tests.conftest import REPO
from tests.csl_server import CslServer, demo_doc, el_record

ALERTS = "C0LISTALERTS"
FAST = FetchOptions(timeout=0.5, retries=1, backoff=0.01)


@pytest.fixture
def server() -> Iterator[CslServer]:
    with CslServer() as s:
        yield s


@pytest.fixture
def svc(database_url: str, tmp_path: Path, server: CslServer) -> Services:
    settings = Settings.from_env(
        env={
            "DATABASE_URL": database_url,
            "CANWESHIP_DATA_DIR": str(tmp_path / "data"),
            "CANWESHIP_ALERT_CHANNEL": ALERTS,
            "CANWESHIP_SYNC_URL": server.url,
            "CANWESHIP_ADMINS": "U0ADMIN",
        }
    )
    return build_services(settings)


def run_sync(svc: Services, owner: str = "p1", **kw):  # type: ignore[no-untyped-def]
    return sync(
        engine=svc.engine,
        settings=svc.settings,
        screener=svc.screener,
        owner=owner,
        options=FAST,
        **kw,
    )


def post_alerts(svc: Services, fake: FakeSlackAPI, owner: str = "p1") -> None:
    notifier = SlackAlertNotifier(WebClient(token="xoxb-test", base_url=fake.url))
    deliver(svc.engine, svc.settings, notifier, owner=owner)


def top_level(fake: FakeSlackAPI, channel: str = ALERTS) -> list[str]:
    return [
        c.params["text"]
        for c in fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel and not c.params.get("thread_ts")
    ]


def version(svc: Services) -> str | None:
    with Session(svc.engine) as session:
        snap = current_snapshot(session)
        return snap.version if snap else None


def test_a_new_list_is_applied_and_an_unchanged_one_costs_a_304(svc, server, fake):
    first = run_sync(svc)
    assert first.status == "applied" and first.report.record_count == 11
    assert server.requests[-1].get("If-None-Match") is None
    second = run_sync(svc)
    assert second.status == "not_modified"
    assert server.requests[-1]["If-None-Match"] == server.etag
    assert version(svc) == first.report.version
    with Session(svc.engine) as session:
        runs = session.exec(select(ImportRun.status).order_by(ImportRun.id)).all()
    assert runs == ["applied", "unchanged"]  # the 304 confirms the list is current
    post_alerts(svc, fake)
    assert top_level(fake) == []  # the first list is not a "change"


def test_a_gzipped_download_is_read(svc, server):
    server.gzip = True
    assert server.requests == [] and run_sync(svc).status == "applied"
    assert server.requests[0]["Accept-Encoding"] == "gzip"


@pytest.mark.parametrize(
    ("mode", "status", "words"),
    [
        ("500", "failed", "HTTP 500"),
        ("slow", "failed", "timed out"),
        ("truncated", "failed", "truncated"),
        ("tenth", "quarantined", "far fewer than"),
        ("garbage", "quarantined", "is this a CSL file?"),
    ],
)
def test_a_bad_download_keeps_the_list_and_is_told_once(svc, server, fake, mode, status, words):
    applied = run_sync(svc)
    server.serve({**demo_doc(), "results": demo_doc()["results"] + [el_record("x1", "New Co")]})
    server.mode = mode
    for _ in range(3):
        result = run_sync(svc)
        assert result.status == status and words in result.message, result.message
        assert version(svc) == applied.report.version
    post_alerts(svc, fake)
    (alert,) = top_level(fake)
    assert words in alert
    server.mode = "ok"
    assert run_sync(svc).status == "applied"
    post_alerts(svc, fake)
    texts = top_level(fake)
    assert len(texts) == 3  # the failure, the recovery, and the change alert
    assert any("works again" in t or "look right again" in t for t in texts[1:])
    assert alert_counts(svc.engine) == {"sent": 3}


def test_a_quarantined_file_is_kept_aside_and_audited(svc, server):
    run_sync(svc)
    server.mode = "tenth"
    server.serve({**demo_doc(), "results": demo_doc()["results"] + [el_record("x1", "New Co")]})
    result = run_sync(svc)
    assert result.status == "quarantined"
    saved = list((Path(svc.settings.data_dir) / "quarantine").iterdir())
    assert len(saved) == 1 and b"results" in saved[0].read_bytes()
    with Session(svc.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "list.sync")).one()
    assert event.detail["status"] == "quarantined" and event.detail["sha256"]


def test_a_change_alert_lists_names_per_source_with_cites_and_threads_the_rest(svc, server, fake):
    run_sync(svc)
    doc = demo_doc()
    results = [r for r in doc["results"] if r["id"] != "demo-el-0002"]
    results[0] = {**results[0], "remarks": "address updated"}
    added = [
        el_record(f"new-{i:02d}", f"Added Company {i:02d}", cite="99 FR 777") for i in range(12)
    ]
    server.serve({**doc, "results": results + added})
    assert run_sync(svc).status == "applied"
    assert run_sync(svc, owner="p2").status == "not_modified"
    post_alerts(svc, fake)
    post_alerts(svc, fake, owner="p2")
    (alert,) = top_level(fake)
    assert "EL +12/−1/~1" in alert
    (main,) = [c for c in fake.calls("chat.postMessage") if not c.params.get("thread_ts")]
    blocks = str(main.params["blocks"])
    assert "Entity List* (EL): 12 added, 1 removed, 1 changed" in blocks
    assert "Added Company 00" in blocks and "99 FR 777" in blocks
    thread = [c.params["text"] for c in fake.calls("chat.postMessage") if c.params.get("thread_ts")]
    assert len(thread) == 1 and thread[0].count("•") == 14 - 10
    assert "~ changed *Huawei Technologies Co., Ltd.*" in thread[0]
    assert "− removed" in thread[0] and "84 FR" in thread[0]


def test_an_added_record_matching_an_earlier_clear_answer_alerts_the_asker(svc, server, fake):
    run_sync(svc)
    asked = ask(
        svc.screener,
        "can we ship laptops to Globex Trading LLC in Germany?",
        Requester(user="U123", kind="slack", channel="D123"),
    )
    assert asked.outcome.decision.verdict == "clear"
    doc = demo_doc()
    server.serve(
        {**doc, "results": doc["results"] + [el_record("el-globex", "Globex Trading LLC")]}
    )
    result = run_sync(svc)
    assert result.changes[0]["findings"] == 1
    post_alerts(svc, fake)
    rescreen = [t for t in top_level(fake) if "Re-screening" in t]
    assert len(rescreen) == 1 and "Globex Trading LLC" in rescreen[0]
    (dm,) = [c for c in fake.calls("chat.postMessage") if c.params["channel"] == "U123"]
    text = str(dm.params["blocks"])
    assert "Clear" in text and "License required" in text
    assert "Entity List" in text and "99 FR 12345" in text and "el-globex" in text
    run_sync(svc)  # nothing new: no second alert
    post_alerts(svc, fake)
    assert len([c for c in fake.calls("chat.postMessage") if c.params["channel"] == "U123"]) == 1


def test_a_list_applied_by_import_is_announced_by_the_scheduler_upkeep(svc, server, fake, tmp_path):
    from bot.cli.main import main

    run_sync(svc)
    doc = demo_doc()
    path = tmp_path / "new.json"
    path.write_text(__import__("json").dumps({**doc, "results": doc["results"][:-1]}))
    os.environ["DATABASE_URL"] = svc.settings.database_url
    try:
        assert main(["import", str(path)]) == 0
    finally:
        del os.environ["DATABASE_URL"]
    notifier = SlackAlertNotifier(WebClient(token="xoxb-test", base_url=fake.url))
    for owner in ("a", "b"):
        list_upkeep(
            engine=svc.engine,
            settings=svc.settings,
            screener=svc.screener,
            notifier=notifier,
            owner=owner,
        )
    (alert,) = top_level(fake)
    assert "MEU +0/−1/~0" in alert


def test_a_stale_list_answers_unavailable_and_admins_are_told_once(svc, server, fake):
    run_sync(svc)
    who = Requester(user="U123", kind="slack")
    now = datetime.now(UTC)
    question = "can we ship laptops to Globex Trading LLC in Germany?"
    assert ask(svc.screener, question, who, now=now).outcome.decision.verdict == "clear"
    later = now + svc.settings.stale_after + timedelta(hours=1)
    for minutes in range(3):
        stale = ask(svc.screener, question, who, now=later + timedelta(minutes=minutes))
        assert stale.outcome.decision.verdict == "unavailable"
        assert any("old" in r for r in stale.outcome.decision.reasons)
    post_alerts(svc, fake)
    assert len(top_level(fake)) == 1 and "stale" in top_level(fake)[0]
    assert len(top_level(fake, "U0ADMIN")) == 1
    run_sync(svc)  # a 304 confirms the list: fresh again, said once
    list_upkeep(
        engine=svc.engine, settings=svc.settings, screener=svc.screener, notifier=None, owner="x"
    )
    post_alerts(svc, fake)
    assert "fresh again" in top_level(fake)[-1] and len(top_level(fake)) == 2


def test_three_processes_syncing_a_change_post_one_change_alert(svc, server, fake):
    run_sync(svc)
    doc = demo_doc()
    server.serve({**doc, "results": doc["results"] + [el_record("el-x", "Initech Holdings")]})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANWESHIP_"))}
    env.update(
        DATABASE_URL=svc.settings.database_url,
        CANWESHIP_DATA_DIR=str(svc.settings.data_dir),
        CANWESHIP_ALERT_CHANNEL=ALERTS,
        CANWESHIP_SYNC_URL=server.url,
        SLACK_BOT_TOKEN="xoxb-sync",
        SLACK_API_URL=fake.url,
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "sync"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    changes = [t for t in top_level(fake) if "Screening list updated" in t]
    assert len(changes) == 1, outputs
    assert "EL +1/−0/~0" in changes[0]


@pytest.mark.slow
def test_two_schedulers_sync_a_due_list_and_post_its_change_once(svc, server, fake, tmp_path):
    run_sync(svc)
    doc = demo_doc()
    server.serve({**doc, "results": doc["results"] + [el_record("el-y", "Hooli Systems")]})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANWESHIP_"))}
    env.update(
        DATABASE_URL=svc.settings.database_url,
        CANWESHIP_DATA_DIR=str(svc.settings.data_dir),
        CANWESHIP_ALERT_CHANNEL=ALERTS,
        CANWESHIP_SYNC_URL=server.url,
        CANWESHIP_SYNC_INTERVAL="1s",
        CANWESHIP_TICK_INTERVAL="1s",
        SLACK_BOT_TOKEN="xoxb-sched",
        SLACK_API_URL=fake.url,
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"s{i}.log").open("w"),
        )
        for i in range(2)
    ]
    try:
        fake.wait_for(lambda c: "Screening list updated" in str(c.params.get("text")), timeout=30)
        time.sleep(3)  # more syncs and ticks in both: nothing may be posted twice
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
    changes = [t for t in top_level(fake) if "Screening list updated" in t]
    assert len(changes) == 1 and "EL +1/−0/~0" in changes[0]
    assert len(server.requests) >= 3  # both kept checking (304s), only one applied


def test_a_download_that_drops_most_of_one_source_is_quarantined(svc, server):
    """The same guard as `canweship import`: total size alone does not hide a vanished source."""
    doc = demo_doc()
    dpl = next(r for r in doc["results"] if "(DPL)" in r["source"])
    extra_dpl = [{**dpl, "id": f"dpl-x{i}", "name": f"Denied Party {i}"} for i in range(20)]
    extra_el = [el_record(f"el-x{i}", f"Listed Party {i}") for i in range(100)]
    server.serve({**doc, "results": doc["results"] + extra_dpl + extra_el})
    applied = run_sync(svc)
    assert applied.status == "applied"
    more_el = [el_record(f"el-y{i}", f"Other Party {i}") for i in range(20)]
    kept = [r for r in doc["results"] if "(DPL)" not in r["source"]]
    server.serve({**doc, "results": kept + extra_el + more_el})
    result = run_sync(svc)
    assert result.status == "quarantined", result.message
    assert "DPL would lose 21 of its 21 records" in result.message
    assert version(svc) == applied.report.version
