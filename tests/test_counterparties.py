"""Counterparties: registered from the CLI and Slack (admins only), remembered from questions,
and re-screened against what changed in the list — only new or stronger hits are news."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import insert
from sqlmodel import Session, select

from bot.answers.ask import ask
from bot.answers.screener import Requester
from bot.cli.main import main
from bot.counterparties.registry import list_counterparties
from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI
from bot.runtime.app import create_app
from bot.screening.normalize import normalize_name
from bot.upkeep.changes import compute_changes, process_changes
from bot.upkeep.rescreen import rescreen
from storage.importer import current_snapshot
from storage.models import AuditEvent
from storage.models_sync import Counterparty, CounterpartyAsker
from tests.csl_server import demo_doc, el_record

SECRET = "cp-secret"


@pytest.fixture
def svc(make_svc, database_url, tmp_path):
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo_doc()))
    return make_svc(database_url, env={"CANWESHIP_ADMINS": "U0ADMIN"}, list_path=path)


def apply(svc, tmp_path: Path, doc: dict, name: str = "next.json") -> int:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    assert main(["import", str(path)]) == 0
    with Session(svc.engine) as session:
        snap = current_snapshot(session)
        return snap.id


def test_the_cli_adds_lists_imports_and_removes_counterparties_with_an_audit_trail(
    svc, capsys, tmp_path
):
    assert main(["counterparty", "add", "Huawei Technologies", "--country", "CN"]) == 0
    assert (
        "added: Huawei Technologies (CN) [registered]: license_required" in capsys.readouterr().out
    )
    csv_path = tmp_path / "parties.csv"
    csv_path.write_text("name,country\nAcme GmbH,DE\nHuawei Technologies,CN\nInitech,\n")
    assert main(["counterparty", "import", str(csv_path)]) == 0
    assert "3 rows: 2 added, 0 updated, 1 unchanged" in capsys.readouterr().out
    assert main(["counterparty", "list", "--json"]) == 0
    listed = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"Acme GmbH", "Huawei Technologies", "Initech"}
    assert listed["Acme GmbH"]["last_verdict"] == "clear"
    assert listed["Huawei Technologies"]["last_match"]["source"] == "EL"
    assert main(["counterparty", "remove", "huawei technologies"]) == 0
    assert [r.name for r in list_counterparties(svc.engine)] == ["Acme GmbH", "Initech"]
    with Session(svc.engine) as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.subject).where(
                AuditEvent.action.like("counterparty.%")  # type: ignore[attr-defined]
            )
        ).all()
    assert ("counterparty.remove", "Huawei Technologies") in actions
    assert len([a for a in actions if a[0] == "counterparty.add"]) == 3


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["counterparty", "add", "Acme", "--country", "Narnia"], "unknown country 'Narnia'"),
        (["counterparty", "add", "   "], "give the counterparty's name"),
        (["counterparty", "remove", "Nobody Ltd"], "no counterparty “Nobody Ltd” on record"),
        (["counterparty", "import", "/nonexistent.csv"], "no such file"),
        (["sync", "--url", "/tmp/list.json"], "is not an http(s) URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(svc, capsys, argv, reason):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_csv_row_fails_the_whole_import(svc, capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,country\nAcme GmbH,DE\nGlobex,Atlantis\n")
    assert main(["counterparty", "import", str(path)]) == 2
    assert "line 3: unknown country “Atlantis”" in capsys.readouterr().err
    assert list_counterparties(svc.engine) == []


def test_every_answer_remembers_the_party_and_who_asked(svc):
    for user in ("U123", "U123", "U456"):
        ask(svc.screener, "can we ship laptops to Globex Trading LLC?", Requester(user, "slack"))
    (row,) = list_counterparties(svc.engine)
    assert (row.name, row.origins, row.last_verdict) == ("Globex Trading LLC", ["asked"], "clear")
    with Session(svc.engine) as session:
        askers = {a.user: a for a in session.exec(select(CounterpartyAsker))}
    assert askers["U123"].times == 2 and askers["U456"].verdict == "clear"
    assert askers["U123"].audit_id is not None


def test_a_failed_counterparty_write_keeps_the_answer_and_its_audit_row(svc, monkeypatch):
    """On PostgreSQL a failed statement aborts the transaction: the savepoint must hold it."""
    import dataclasses

    def broken(conn, *args):
        conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")

    question = "can we ship laptops to Globex Trading LLC?"
    with monkeypatch.context() as patch:
        # The screener is handed record_asked_in by the wiring (bot/runtime/wiring.py).
        hooks = dataclasses.replace(svc.screener.hooks, record_asked_in=broken)
        patch.setattr(svc.screener, "hooks", hooks)
        outcome = ask(svc.screener, question, Requester("U123", "slack")).outcome
    assert outcome.decision.verdict == "clear" and outcome.audit_id is not None
    with Session(svc.engine) as session:
        audited = session.get(AuditEvent, outcome.audit_id)
    assert (audited.action, audited.verdict, audited.actor) == ("screen", "clear", "U123")
    assert list_counterparties(svc.engine) == []
    ask(svc.screener, question, Requester("U123", "slack"))  # and the next answer records it
    assert [row.name for row in list_counterparties(svc.engine)] == ["Globex Trading LLC"]


def _slash(app, text: str, user: str, fake: FakeSlackAPI) -> str:
    body, headers = wire.slash_command(
        "/canweship", text, secret=SECRET, user_id=user, response_url=fake.response_url(user)
    )
    app.dispatch(BoltRequest(body=body, headers=headers))
    return fake.calls("response_url")[-1].params["text"]


def test_only_admins_change_counterparties_from_slack(svc):
    with FakeSlackAPI() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        app = create_app(svc, client=client, signing_secret=SECRET, process_before_response=True)
        refused = _slash(app, "counterparty add Globex --country DE", "U999", fake)
        assert "Only canweship admins can change the counterparty list" in refused
        assert list_counterparties(svc.engine) == []
        added = _slash(app, 'counterparty add "Globex <!channel>" --country DE', "U0ADMIN", fake)
        assert added.startswith("Added: Globex") and "<!channel>" not in json.dumps(
            fake.calls("response_url")[-1].params
        )
        assert "1 counterparties on record" in _slash(app, "counterparty list", "U999", fake)
        assert _slash(app, "counterparty import x.csv", "U0ADMIN", fake).startswith("Usage")
        assert _slash(app, "counterparty remove Nobody", "U0ADMIN", fake).startswith("no counter")


def test_only_new_or_stronger_hits_on_changed_records_are_news(svc, tmp_path):
    ask(svc.screener, "can we ship laptops to Huawei Technologies?", Requester("U1", "slack"))
    ask(svc.screener, "can we ship laptops to Globex Trading LLC?", Requester("U2", "slack"))
    ask(svc.screener, "can we ship laptops to Umbrella Corp?", Requester("U3", "slack"))
    doc = demo_doc()
    doc["results"][0] = {**doc["results"][0], "remarks": "changed, same names"}
    doc["results"].append(el_record("el-globex", "Globex Trading"))
    snap = apply(svc, tmp_path, doc)
    changes = compute_changes(svc.engine, snap, snap - 1)
    assert {(r.kind, r.list_id) for r in changes.records} == {
        ("changed", "demo-el-0001"),
        ("added", "el-globex"),
    }
    report = rescreen(svc.engine, svc.settings, svc.screener, changes, now=datetime.now(UTC))
    (finding,) = report.findings
    assert finding.name == "Globex Trading LLC" and finding.before["verdict"] == "clear"
    assert finding.after["verdict"] == "license_required" and finding.after["change"] == "added"
    assert [a["user"] for a in finding.askers] == ["U2"]
    assert report.candidates == 2  # Huawei (its record changed) and Globex; not Umbrella


def test_rescreening_looks_only_at_parties_a_change_could_be(svc, tmp_path):
    now = datetime.now(UTC)
    rows = [
        {
            "normalized": normalize_name(f"Party {i} Holdings"),
            "name": f"Party {i} Holdings",
            "origins": ["registered"],
            "created_at": now,
            "updated_at": now,
            "last_verdict": "clear",
        }
        for i in range(3000)
    ]
    rows.append({**rows[0], "normalized": "wayne enterprises", "name": "Wayne Enterprises"})
    with Session(svc.engine) as session:
        session.execute(insert(Counterparty), rows)
        session.commit()
    doc = demo_doc()
    doc["results"].append(el_record("el-wayne", "Wayne Enterprises Ltd"))
    apply(svc, tmp_path, doc)
    from bot.upkeep.changes import note_current_change

    assert note_current_change(svc.engine)
    (summary,) = process_changes(svc.engine, svc.settings, svc.screener, owner="t")
    assert summary["counterparties"] == 3001
    assert summary["candidates"] == 1 and summary["findings"] == 1
    assert process_changes(svc.engine, svc.settings, svc.screener, owner="u") == []
