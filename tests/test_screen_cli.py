"""`canweship screen`, single and batch, as the DESIGN.md contract says; audit of every answer."""

from __future__ import annotations

import csv
import getpass
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.cli.main import main
from bot.config import Settings
from bot.runtime.wiring import build_screener
from storage.db import get_engine
from storage.models import AuditEvent

pytestmark = pytest.mark.usefixtures("store_env")

MATCH_KEYS = {
    "entry_id",
    "name",
    "matched_name",
    "source",
    "score",
    "countries",
    "license_requirement",
    "license_policy",
    "federal_register_notice",
}


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def screen_json(capsys, *args):
    code, out, err = cli(capsys, "screen", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_huawei_in_china_needs_a_license_with_the_evidence(capsys, demo):
    doc = screen_json(capsys, "Huawei Technologies Co Ltd", "--country", "CN")
    assert doc["verdict"] == "license_required"
    top = doc["matches"][0]
    assert set(top) == MATCH_KEYS
    assert top["name"] == "Huawei Technologies Co., Ltd."
    assert top["source"] == "EL"
    assert top["federal_register_notice"] == "84 FR 22963"
    assert top["license_requirement"].startswith("For all items subject to the EAR")
    assert top["score"] >= 90
    assert doc["list_version"].startswith("v1-")
    assert any("Entity List" in r for r in doc["reasons"])
    assert doc["query"] == {"name": "Huawei Technologies Co Ltd", "country": "CN", "item": None}


def test_an_unlisted_company_is_clear(capsys, demo):
    doc = screen_json(capsys, "Acme Widgets Inc")
    assert doc["verdict"] == "clear"
    assert doc["matches"] == []


@pytest.mark.parametrize("party", ["Acme Widgets Inc", "Siemens AG", "Huawei Technologies"])
def test_any_party_bound_for_iran_is_prohibited(capsys, demo, party):
    doc = screen_json(capsys, party, "--country", "IR")
    assert doc["verdict"] == "prohibited"
    assert any("embargo" in r for r in doc["reasons"])


def test_country_names_are_accepted_and_nonsense_is_refused(capsys, demo):
    assert screen_json(capsys, "Acme", "--country", "Iran")["verdict"] == "prohibited"
    code, out, err = cli(capsys, "screen", "Acme", "--country", "Atlantis")
    assert code == 2 and out == ""
    assert err.strip() == (
        "canweship: --country: unknown country 'Atlantis' (use an ISO code such as CN, or a name)"
    )


def test_an_empty_store_is_unavailable_never_clear(capsys):
    doc = screen_json(capsys, "Acme Widgets Inc")
    assert doc["verdict"] == "unavailable"
    assert "No screening list is loaded" in doc["reasons"][0]


def test_blank_name_is_bad_input(capsys, demo):
    code, out, err = cli(capsys, "screen", "  ")
    assert code == 2 and out == ""
    assert "give a party name" in err


def test_sources_map_to_verdicts(capsys, demo):
    assert screen_json(capsys, "ADT Analog and Digital Technik")["verdict"] == "prohibited"
    assert screen_json(capsys, "Abboud Abdul Latif Hassan al-Zomor")["verdict"] == "prohibited"
    assert screen_json(capsys, "Atlas Sanatgaran")["verdict"] == "review"
    meu = screen_json(capsys, "Academy of Aerospace Solid Propulsion Technology")
    assert meu["verdict"] == "license_required"
    assert meu["matches"][0]["source"] == "MEU"


def test_every_answer_is_audited_with_the_os_user(capsys, demo, store_env):
    screen_json(capsys, "Hikvision", "--country", "CN", "--item", "cameras")
    with Session(get_engine(store_env)) as session:
        row = session.execute(select(AuditEvent).where(AuditEvent.action == "screen")).scalar_one()
    assert row.actor == getpass.getuser() and row.actor_kind == "cli"
    assert row.verdict == "license_required"
    assert row.subject == "Hikvision"
    assert row.list_version and row.list_version.startswith("v1-")
    assert row.detail["matches"][0]["name"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert row.detail["query"]["item"] == "cameras"


def test_batch_writes_one_result_per_row_in_input_order(capsys, demo, tmp_path, store_env):
    rows = [
        ("Acme Widgets Inc", "", ""),
        ("Huawei Technologies Co., Ltd.", "CN", "routers"),
        ("", "", ""),
        ("Some Bakery", "IR", "bread"),
        ("Hikvision", "China", ""),
    ]
    path = tmp_path / "parties.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "country", "item"])
        w.writerows(rows)
    code, out, err = cli(capsys, "screen", "--file", str(path))
    assert code == 0, err
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["query"]["name"] for r in results] == [
        "Acme Widgets Inc",
        "Huawei Technologies Co., Ltd.",
        None,
        "Some Bakery",
        "Hikvision",
    ]
    assert [r["verdict"] for r in results] == [
        "clear",
        "license_required",
        "unavailable",
        "prohibited",
        "license_required",
    ]
    code, out, _ = cli(capsys, "screen", "--file", str(path), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["verdict"] for r in table] == [r["verdict"] for r in results]
    assert table[1]["top_match"] == "Huawei Technologies Co., Ltd."
    assert table[1]["federal_register_notice"] == "84 FR 22963"
    with Session(get_engine(store_env)) as session:
        audited = (
            session.execute(select(AuditEvent.subject).where(AuditEvent.action == "screen"))
            .scalars()
            .all()
        )
    assert len(audited) == 10  # two runs of five rows


def test_batch_without_a_name_column_is_bad_input(capsys, demo, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("company,country\nAcme,DE\n")
    code, out, err = cli(capsys, "screen", "--file", str(path))
    assert code == 2 and out == ""
    assert err.strip().endswith("line 1: the CSV needs a 'name' column (optional: country, item)")


def test_batch_with_a_bad_country_names_the_line(capsys, demo, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,country\nAcme,DE\nBeta,Narnia\n")
    code, _, err = cli(capsys, "screen", "--file", str(path))
    assert code == 2
    assert "line 3: unknown country 'Narnia'" in err


def test_a_stale_list_turns_clear_into_unavailable_but_keeps_hits(capsys, demo, store_env):
    settings = Settings.from_env()
    screener = build_screener(settings, get_engine(store_env))
    who = Requester(user="test", kind="cli")
    later = datetime.now(UTC) + settings.stale_after + timedelta(hours=1)
    clear = screener.screen(ScreeningRequest(party="Acme Widgets Inc"), who, now=later)
    assert clear.decision.verdict == "unavailable"
    assert "old" in clear.decision.reasons[0] and "canweship sync" in clear.decision.reasons[0]
    hit = screener.screen(ScreeningRequest(party="Hikvision"), who, now=later)
    assert hit.decision.verdict == "license_required"
    assert any("old" in n for n in hit.decision.notes)
    fresh = screener.screen(ScreeningRequest(party="Acme Widgets Inc"), who)
    assert fresh.decision.verdict == "clear"


def test_an_unreadable_store_is_unavailable(capsys, demo, store_env, monkeypatch):
    from sqlalchemy.exc import OperationalError

    settings = Settings.from_env()
    screener = build_screener(settings, get_engine(store_env))

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("bot.answers.screener.read_list_status", broken)
    outcome = screener.screen(ScreeningRequest(party="Acme"), Requester(user="t", kind="cli"))
    assert outcome.decision.verdict == "unavailable"
    assert "cannot be read" in outcome.decision.reasons[0]


@pytest.mark.data
def test_composite_acceptance(capsys, shared_data):
    assert cli(capsys, "import", str(shared_data / "csl_composite.json"))[0] == 0
    doc = screen_json(capsys, "Huawei Technologies Co Ltd", "--country", "CN")
    assert doc["verdict"] == "license_required"
    top = doc["matches"][0]
    assert (top["name"], top["source"]) == ("Huawei Technologies Co., Ltd.", "EL")
    assert "84 FR 22963" in top["federal_register_notice"]
    assert top["license_requirement"].startswith("For all items subject to the EAR")
    assert screen_json(capsys, "Acme Widgets Inc")["verdict"] == "clear"
    assert screen_json(capsys, "Acme Widgets Inc", "--country", "IR")["verdict"] == "prohibited"
    family = screen_json(capsys, "Huawei")
    assert family["verdict"] == "license_required"
    assert family["family"]["count"] >= 100


@pytest.mark.data
@pytest.mark.parametrize(
    ("party", "verdicts"),
    [
        ("Sophgo Technologies Pte. Ltd.", {"license_required"}),
        ("TET KHAM (S) PTE. LTD.", {"prohibited"}),
        ("B R C S.A.", {"prohibited"}),
        ("BRC S.A.", {"prohibited"}),
    ],
)
def test_composite_exact_names_are_never_clear(capsys, shared_data, party, verdicts):
    assert cli(capsys, "import", str(shared_data / "csl_composite.json"))[0] == 0
    doc = screen_json(capsys, party)
    assert doc["verdict"] in verdicts, doc["verdict"]
    assert doc["matches"][0]["score"] == 100.0
