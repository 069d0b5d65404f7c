"""Importing the list: both layouts, diffs per source, and bad input that changes nothing.

Every test runs on SQLite and on PostgreSQL (see conftest.database_url).
"""

from __future__ import annotations

import copy
import gzip
import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.cli.main import main
from storage.db import get_engine
from storage.models import AuditEvent, Entry, EntryName, ImportRun, ListSnapshot
from tests.conftest import FIXTURE_LIST

pytestmark = pytest.mark.usefixtures("store_env")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, _ = run_cli(capsys, "status", "--json")
    assert code == 0
    return json.loads(out)


def list_state(url: str) -> tuple[Any, ...]:
    """Everything that identifies the list in use."""
    with Session(get_engine(url)) as session:
        snap = session.execute(select(ListSnapshot).order_by(ListSnapshot.id.desc())).first()
        entries = session.execute(select(func.count()).select_from(Entry)).scalar_one()
        names = session.execute(select(func.count()).select_from(EntryName)).scalar_one()
        if snap is None:
            return (None, entries, names)
        s = snap[0]
        return (s.id, s.content_sha256, s.record_count, entries, names)


def fixture_doc() -> dict[str, Any]:
    return json.loads(FIXTURE_LIST.read_text())


def write_json(path: Path, doc: dict[str, Any]) -> str:
    path.write_text(json.dumps(doc))
    return str(path)


def test_fixture_import_reports_every_record_added_per_source(capsys, tmp_path, store_env):
    code, out, err = run_cli(capsys, "import", str(FIXTURE_LIST))
    assert code == 0, err
    assert "11 records (json), applied as list v1-" in out
    assert "EL              7        0        0          0" in out
    doc = status(capsys)
    assert doc["list"]["records"] == 11
    assert doc["list"]["records_by_source"] == {"DPL": 1, "EL": 7, "MEU": 1, "SDN": 1, "UVL": 1}
    assert doc["problem"] is None


def test_same_data_twice_changes_nothing(capsys, store_env):
    assert run_cli(capsys, "import", str(FIXTURE_LIST))[0] == 0
    before = list_state(store_env)
    code, out, _ = run_cli(capsys, "import", str(FIXTURE_LIST))
    assert code == 0
    assert "unchanged; still list v1-" in out
    assert "total           0        0        0         11" in out
    assert list_state(store_env) == before


def test_changes_are_reported_per_source(capsys, tmp_path, store_env):
    assert run_cli(capsys, "import", str(FIXTURE_LIST))[0] == 0
    doc = fixture_doc()
    new = copy.deepcopy(doc)
    new["results"] = [r for r in new["results"] if r["id"] != "demo-uvl-0001"]  # removed
    for r in new["results"]:
        if r["id"] == "demo-el-0006":
            r["federal_register_notice"] += "; 87 FR 62202"  # changed
    added = copy.deepcopy(doc["results"][0])
    added.update(id="demo-el-0099", name="Huawei Technologies Tunisia", alt_names=[])
    new["results"].append(added)
    code, out, _ = run_cli(capsys, "import", write_json(tmp_path / "v2.json", new), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["status"] == "applied"
    assert report["totals"] == {"added": 1, "removed": 1, "changed": 1, "unchanged": 9}
    assert report["by_source"]["EL"] == {"added": 1, "removed": 0, "changed": 1, "unchanged": 6}
    assert report["by_source"]["UVL"] == {"added": 0, "removed": 1, "changed": 0, "unchanged": 0}
    assert status(capsys)["list"]["records_by_source"]["EL"] == 8


def test_gzip_is_accepted(capsys, tmp_path):
    gz = tmp_path / "list.json.gz"
    gz.write_bytes(gzip.compress(FIXTURE_LIST.read_bytes()))
    code, out, _ = run_cli(capsys, "import", str(gz))
    assert code == 0
    assert "11 records (json)" in out


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bad_inputs(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(id, path or URL, a fragment the one-line message must contain)."""
    good = FIXTURE_LIST.read_text()
    truncated = tmp_path / "truncated.json"
    truncated.write_text(good[: len(good) // 2])
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"results": [{"name": "x", "source": "Entity List (EL) - BIS"},]}')
    no_name = tmp_path / "no_name.csv"
    no_name.write_text('"_id","source","title"\n"1","Entity List (EL) - BIS","x"\n')
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    short_row = tmp_path / "short.csv"
    short_row.write_text(
        '"_id","source","name","alt_names"\n"1","Entity List (EL) - BIS","Acme","A"\n'
        '"2","Entity List (EL) - BIS","Beta'
    )
    nameless_record = tmp_path / "nameless.json"
    doc = fixture_doc()
    doc["results"][4]["name"] = ""
    nameless_record.write_text(json.dumps(doc))
    bad_gzip = tmp_path / "cut.json.gz"
    bad_gzip.write_bytes(gzip.compress(good.encode())[:200])
    url = f"http://127.0.0.1:{_closed_port()}/consolidated.json"
    return [
        ("truncated-json", str(truncated), "truncated"),
        ("bad-json", str(bad_json), "bad JSON at line 1 column"),
        ("csv-without-name", str(no_name), "line 1: CSV header has no 'name' column"),
        ("empty-file", str(empty), "the file is empty"),
        ("truncated-csv", str(short_row), "line 3"),
        ("record-without-name", str(nameless_record), "record 5 (id demo-el-0005): no name"),
        ("truncated-gzip", str(bad_gzip), "broken gzip data"),
        ("unreachable-url", url, "unreachable"),
        ("missing-file", str(tmp_path / "nope.json"), "no such file"),
    ]


BAD_IDS = [
    "truncated-json",
    "bad-json",
    "csv-without-name",
    "empty-file",
    "truncated-csv",
    "record-without-name",
    "truncated-gzip",
    "unreachable-url",
    "missing-file",
]


@pytest.mark.parametrize("case", BAD_IDS)
def test_bad_input_exits_2_with_one_line_and_keeps_the_list(capsys, tmp_path, store_env, case):
    assert run_cli(capsys, "import", str(FIXTURE_LIST))[0] == 0
    before = list_state(store_env)
    _, target, fragment = next(c for c in _bad_inputs(tmp_path) if c[0] == case)
    code, out, err = run_cli(capsys, "import", target)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"canweship: {target}"), lines[0]
    assert fragment in lines[0]
    assert list_state(store_env) == before
    doc = status(capsys)
    assert doc["list"]["records"] == 11
    assert doc["last_import"]["status"] == "failed"


def test_empty_store_bad_input_leaves_no_list(capsys, tmp_path, store_env):
    empty = tmp_path / "empty.json"
    empty.write_text('{"results": []}')
    code, _, err = run_cli(capsys, "import", str(empty))
    assert code == 2
    assert "holds no records" in err
    assert status(capsys)["list"] is None


def test_failure_midway_through_writing_rolls_everything_back(store_env, monkeypatch):
    from storage import importer
    from storage.importer import apply_list, load_list

    engine = get_engine(store_env)
    from storage.db import upgrade

    upgrade(store_env, engine=engine)
    apply_list(
        engine=engine,
        parsed=load_list(str(FIXTURE_LIST)),
        origin="fixture",
        normalize=str.lower,
        normalizer_version="t",
    )
    before = list_state(store_env)
    doc = fixture_doc()
    doc["results"][0]["name"] = "Changed Name Ltd"
    parsed = importer.read_bytes(json.dumps(doc).encode(), origin="v2")

    calls = {"n": 0}

    def exploding(name: str) -> str:
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("process died")
        return name.lower()

    with pytest.raises(RuntimeError):
        apply_list(
            engine=engine, parsed=parsed, origin="v2", normalize=exploding, normalizer_version="t"
        )
    assert list_state(store_env) == before


def test_audit_rows_cannot_be_changed_or_deleted(capsys, store_env):
    assert run_cli(capsys, "import", str(FIXTURE_LIST))[0] == 0
    engine = get_engine(store_env)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 1
    for statement in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with Session(engine) as session:
        row = session.execute(select(AuditEvent)).scalar_one()
        assert row.action == "list.import" and row.actor != "mallory"


def test_import_history_keeps_every_attempt(capsys, tmp_path, store_env):
    run_cli(capsys, "import", str(FIXTURE_LIST))
    run_cli(capsys, "import", str(tmp_path / "missing.json"))
    run_cli(capsys, "import", str(FIXTURE_LIST))
    with Session(get_engine(store_env)) as session:
        runs = session.execute(select(ImportRun.status).order_by(ImportRun.id)).scalars().all()
    assert runs == ["applied", "failed", "unchanged"]


def test_old_snapshots_are_pruned(capsys, tmp_path, store_env, monkeypatch):
    monkeypatch.setenv("CANWESHIP_KEEP_SNAPSHOTS", "2")
    doc = fixture_doc()
    for n in range(4):
        doc["results"][0]["remarks"] = f"revision {n}"
        assert run_cli(capsys, "import", write_json(tmp_path / f"v{n}.json", doc))[0] == 0
    with Session(get_engine(store_env)) as session:
        ids = session.execute(select(ListSnapshot.id).order_by(ListSnapshot.id)).scalars().all()
        entries = session.execute(select(func.count()).select_from(Entry)).scalar_one()
    assert ids == [3, 4]
    assert entries == 22


@pytest.mark.data
def test_composite_json_then_csv(capsys, shared_data, store_env):
    code, out, err = run_cli(capsys, "import", str(shared_data / "csl_composite.json"))
    assert code == 0, err
    assert "6,716 records (json), applied" in out
    code, out, _ = run_cli(capsys, "import", str(shared_data / "csl_composite.csv"), "--json")
    report = json.loads(out)
    assert report["status"] == "unchanged"
    assert report["totals"]["added"] == 0 and report["totals"]["removed"] == 0
    assert report["totals"]["changed"] == 0 and report["totals"]["unchanged"] == 6716
    by_source = status(capsys)["list"]["records_by_source"]
    # As given by ../shared/data/README.md (section 1 for the non-EL lists, section 2 for EL).
    assert by_source == {
        "CAP": 1,
        "CMIC": 68,
        "DPL": 577,
        "DTC": 142,
        "EL": 3409,
        "FSE": 1,
        "ISN": 144,
        "MBS": 14,
        "MEU": 71,
        "PLC": 78,
        "SDN": 1737,
        "SSI": 288,
        "UVL": 186,
    }
    # ... and by the file itself.
    results = json.loads((shared_data / "csl_composite.json").read_text())["results"]
    assert sum(by_source.values()) == len(results) == 6716


def sized_list(el: int, dpl: int = 0) -> dict[str, Any]:
    """A list of `el` Entity List and `dpl` Denied Persons records built from the fixture's."""
    doc = fixture_doc()
    by_source: dict[str, dict[str, Any]] = {}
    for r in doc["results"]:
        by_source.setdefault(r["source"].split("(")[1].split(")")[0], r)
    results = []
    for code, n in (("EL", el), ("DPL", dpl)):
        for i in range(n):
            r = copy.deepcopy(by_source[code])
            r.update(
                id=f"sized-{code.lower()}-{i:05d}", name=f"Sized {code} Party {i}", alt_names=[]
            )
            results.append(r)
    return {**doc, "results": results}


def test_a_far_smaller_file_is_refused_like_sync_and_changes_nothing(capsys, tmp_path, store_env):
    assert run_cli(capsys, "import", write_json(tmp_path / "full.json", sized_list(300)))[0] == 0
    before = list_state(store_env)
    small = sized_list(300)
    small["results"] = small["results"][:99]
    code, _, err = run_cli(capsys, "import", write_json(tmp_path / "small.json", small))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "99 records, far fewer than the 300" in err and "CANWESHIP_MIN_RECORD_RATIO" in err
    assert "--force" in err
    assert list_state(store_env) == before
    assert status(capsys)["list"]["records"] == 300


def test_a_file_that_drops_a_source_is_refused(capsys, tmp_path, store_env):
    assert run_cli(capsys, "import", write_json(tmp_path / "a.json", sized_list(200, 30)))[0] == 0
    before = list_state(store_env)
    code, _, err = run_cli(capsys, "import", write_json(tmp_path / "b.json", sized_list(230)))
    assert code == 2
    assert "DPL would lose 30 of its 30 records" in err
    assert list_state(store_env) == before


def test_force_applies_the_smaller_file_and_is_audited(capsys, tmp_path, store_env):
    assert run_cli(capsys, "import", write_json(tmp_path / "full.json", sized_list(300)))[0] == 0
    small = sized_list(300)
    small["results"] = small["results"][:99]
    code, out, err = run_cli(capsys, "import", write_json(tmp_path / "s.json", small), "--force")
    assert code == 0, err
    assert "applied as list v2-" in out
    assert status(capsys)["list"]["records"] == 99
    with Session(get_engine(store_env)) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "list.import")).all()
    details = [e[0].detail for e in events]
    assert "forced" not in details[0]
    assert "99 records, far fewer than the 300" in details[-1]["forced"]


def test_a_normal_reimport_is_not_refused(capsys, tmp_path, store_env):
    assert run_cli(capsys, "import", write_json(tmp_path / "a.json", sized_list(300, 20)))[0] == 0
    new = sized_list(300, 20)
    new["results"] = [r for r in new["results"] if not r["id"].endswith(("-00007", "-00011"))]
    new["results"][0]["federal_register_notice"] = "89 FR 1"
    code, out, err = run_cli(capsys, "import", write_json(tmp_path / "b.json", new), "--json")
    assert code == 0, err
    assert json.loads(out)["totals"]["removed"] == 4
    assert status(capsys)["list"]["records"] == 316


# --- issue 20 item 3: the list's age is the list's own, never reset by re-importing -----------


def _age_days(capsys) -> float:
    doc = status(capsys)
    checked = datetime.fromisoformat(doc["list"]["checked_at"])
    return (datetime.now(UTC) - checked).total_seconds() / 86400


def test_a_file_that_states_its_publication_date_is_as_old_as_that(capsys, tmp_path):
    doc = fixture_doc()
    doc["last_updated"] = "2023-11-30T00:00:00Z"
    assert run_cli(capsys, "import", write_json(tmp_path / "old.json", doc))[0] == 0
    assert _age_days(capsys) > 365
    assert "old" in status(capsys)["problem"]
    # Answers fail closed on it.
    _, out, _ = run_cli(capsys, "screen", "Acme Widgets Inc", "--json")
    assert json.loads(out)["verdict"] == "unavailable"


def test_reimporting_an_old_file_never_makes_the_list_younger(capsys, tmp_path, store_env):
    old = str(FIXTURE_LIST)
    assert run_cli(capsys, "import", old)[0] == 0
    with Session(get_engine(store_env)) as session:  # that import happened 30 days ago
        session.execute(
            text("UPDATE import_run SET finished_at = finished_at - interval '30 days'")
            if store_env.startswith("postgresql")
            else text("UPDATE import_run SET finished_at = datetime(finished_at, '-30 days')")
        )
        session.commit()
    assert 29 < _age_days(capsys) < 31
    newer = fixture_doc()
    newer["results"] = newer["results"][1:]
    assert run_cli(capsys, "import", write_json(tmp_path / "newer.json", newer))[0] == 0
    assert _age_days(capsys) < 0.01
    # The 30-day-old file again, as a new snapshot, and then once more (unchanged): still 30 days.
    for _ in range(2):
        assert run_cli(capsys, "import", old)[0] == 0
        assert 29 < _age_days(capsys) < 31
        assert "old" in status(capsys)["problem"]


def test_published_option_sets_the_age_and_a_bad_date_changes_nothing(capsys, tmp_path, store_env):
    code, _, err = run_cli(capsys, "import", str(FIXTURE_LIST), "--published", "someday")
    assert code == 2 and "not a date" in err
    assert list_state(store_env)[0] is None
    assert run_cli(capsys, "import", str(FIXTURE_LIST), "--published", "2020-01-01")[0] == 0
    assert _age_days(capsys) > 365


def test_published_date_is_read_from_the_older_api_sources_used():
    from storage.csl import published_date

    doc = {
        "sources_used": [
            {"source": "EL", "source_last_updated": "2024-05-01T10:00:00+00:00"},
            {"source": "SDN", "source_last_updated": "2024-05-03"},
        ],
        "results": [],
    }
    assert published_date(doc) == datetime(2024, 5, 3, tzinfo=UTC)
    assert published_date({"sources_used": ["Entity List (EL)"], "results": []}) is None
    assert published_date({"extracted": "not a date"}) is None
    assert published_date([]) is None
