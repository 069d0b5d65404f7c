"""Ready means ready: `/healthz` says 503 (with the reason) until this process has built the
index of the list in use; a new list's index is built beside the old one, and no question waits
for it (issue 18)."""

from __future__ import annotations

import json
import threading
import time

from bot.answers.ask import ask
from bot.answers.screener import IndexCache, Requester
from bot.cli.main import main
from bot.runtime.wsgi import healthz
from tests.conftest import FIXTURE_LIST

QUESTION = "can we ship 200 routers to Huawei Technologies in Shenzhen?"
WHO = Requester(user="U1", kind="slack")


def test_healthz_is_503_with_the_reason_until_the_index_is_built(svc):
    status, doc = healthz(svc)
    assert status.startswith("503")
    assert doc["ok"] is False and "building the name index" in doc["reason"]
    svc.warm()
    status, doc = healthz(svc)
    assert status.startswith("200") and doc["ok"] is True and doc["list_version"]


def test_without_a_list_there_is_nothing_to_build_and_answers_fail_closed(
    make_svc, database_url, monkeypatch
):
    from bot.config import Settings
    from bot.runtime.wiring import build_services

    monkeypatch.setenv("DATABASE_URL", database_url)
    svc = build_services(Settings.from_env())
    status, doc = healthz(svc)
    assert status.startswith("200") and doc["list_problem"]
    assert ask(svc.screener, QUESTION, WHO).outcome.decision.verdict != "clear"


def test_a_new_list_is_built_beside_the_old_one_and_no_question_waits(
    svc, tmp_path, monkeypatch, capsys
):
    svc.screener.cache.beside = True  # as a serving process (bot/runtime/wsgi.py) sets it
    svc.warm()
    old = ask(svc.screener, QUESTION, WHO).outcome.decision
    assert old.verdict == "license_required"

    release = threading.Event()
    building = threading.Event()
    real_build = IndexCache._build

    def slow_build(engine, snapshot_id):
        building.set()
        assert release.wait(30)
        return real_build(engine, snapshot_id)

    monkeypatch.setattr(IndexCache, "_build", staticmethod(slow_build))
    smaller = json.loads(FIXTURE_LIST.read_text())
    smaller["results"] = [r for r in smaller["results"] if "huawei" not in json.dumps(r).lower()]
    (tmp_path / "next.json").write_text(json.dumps(smaller))
    assert main(["import", "--force", str(tmp_path / "next.json")]) == 0
    capsys.readouterr()

    started = time.monotonic()
    during = ask(svc.screener, QUESTION, WHO).outcome.decision
    assert time.monotonic() - started < 5  # answered while the new index is still building
    assert building.wait(10)
    assert during.verdict == "license_required"
    assert during.list_version == old.list_version  # says which list it used
    assert healthz(svc)[0].startswith("200")  # the old index answers: still ready

    release.set()
    deadline = time.monotonic() + 30
    while during.list_version == old.list_version and time.monotonic() < deadline:
        time.sleep(0.05)
        during = ask(svc.screener, QUESTION, WHO).outcome.decision
    assert during.list_version != old.list_version  # swapped in: the new list answers
    assert during.verdict != "license_required"  # Huawei is gone from the new list


def test_healthz_says_503_with_the_reason_when_the_app_cannot_start(monkeypatch, tmp_path):
    from bot.runtime import wsgi
    from tests.test_security import call_wsgi

    monkeypatch.setattr(wsgi, "_state", {})
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    # a store that cannot be opened: a SQLite file under a path that is a file, not a directory
    (tmp_path / "blocker").write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'blocker' / 'store.db'}")
    status, text = call_wsgi(wsgi.application, "GET", "/healthz")
    assert status == 503
    doc = json.loads(text)
    assert doc["ok"] is False and doc["reason"].startswith("not started")
    assert "blocker" not in text  # no paths or URLs
