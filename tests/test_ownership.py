"""Ownership and the 50% rules (issue 17): the walk (direct, indirect, aggregated, cycles,
unknown shares), the rules' dates (in effect vs suspended on the date asked), an owner delisted,
the CLI, the slash commands through signed Slack requests, and the re-screen of owned
counterparties. Store tests run on SQLite and PostgreSQL (`svc`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.audit import Actor
from bot.cli.main import main
from bot.counterparties import registry as cps
from bot.ownership.edges import add_owner, edge_in, list_ownership
from bot.ownership.graph import Edge, Graph, walk
from bot.ownership.rules import AFFILIATES, OFAC, list_periods, next_change, state_on
from storage.models import AuditEvent
from storage.models_ownership import OwnershipEdge, RulePeriod
from storage.models_sync import Counterparty, ListAlert
from tests.conftest import FIXTURE_LIST
from tests.helpers import SlackDriver

SECRET = "ownership-secret"
ADMIN = "U0ADMIN01"
NOBODY = "U0NOBODY1"
HUAWEI = "Huawei Technologies Co., Ltd."
DEVICE = "Huawei Device Co., Ltd."
SDN_PERSON = "AL-ZOMOR, Abboud Abdul Latif Hassan"
IN_EFFECT = datetime(2026, 12, 1, 12, tzinfo=UTC)
FIRST_PERIOD = datetime(2025, 10, 15, 12, tzinfo=UTC)
SUSPENDED = datetime(2026, 1, 15, 12, tzinfo=UTC)
BEFORE_RULE = datetime(2025, 6, 1, 12, tzinfo=UTC)
CLI = Actor(user="tester", kind="cli")


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ADMINS": ADMIN, "CANWESHIP_ALERT_CHANNEL": "C0ALERTS"}


def own(svc, owned, owner, percent, **kw):
    return add_owner(
        svc.engine, edge_in(owned=owned, owner=owner, percent=percent, **kw), actor=CLI
    )


def answer(svc, party, now=IN_EFFECT, country=None):
    return svc.screener.screen(
        ScreeningRequest(party=party, country=country, text=f"can we ship laptops to {party}?"),
        Requester(user="U0ASKER01", kind="slack", channel="C0ASK"),
        now=now,
        audit=False,
    ).decision


def text(decision) -> str:
    return " ".join(decision.reasons + decision.notes)


def count(svc, model) -> int:
    with Session(svc.engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


# ---- the walk, pure ----------------------------------------------------------------------------


def graph(*edges: tuple[str, str, float | None]) -> Graph:
    g = Graph()
    for owned, owner, pct in edges:
        g.add(owned, owned, Edge(owner, owner, pct))
    return g


def test_walk_sums_the_shares_covered_owners_hold_directly():
    g = graph(("a", "L1", 30), ("a", "L2", 25), ("b", "L1", 30), ("b", "x", 25))
    listed = {"L1", "L2"}.__contains__
    assert "a" in walk(g, "a", listed).covered  # 30 + 25 = 55
    w = walk(g, "b", listed)
    assert "b" not in w.covered and w.share(g, "b") == 30


def test_walk_an_owner_covered_through_ownership_counts_as_listed_at_any_depth():
    chain = [("c0", "L", 60)] + [(f"c{i}", f"c{i - 1}", 51) for i in range(1, 7)]
    g = graph(*chain)
    w = walk(g, "c6", {"L"}.__contains__)
    assert {f"c{i}" for i in range(7)} <= w.covered
    # one link below 50% breaks the chain below it
    g = graph(*[(o, p, 49 if o == "c3" else s) for o, p, s in chain])
    w = walk(g, "c6", {"L"}.__contains__)
    assert "c2" in w.covered and "c3" not in w.covered and "c6" not in w.covered


def test_walk_cycles_terminate_and_cover_no_one_without_a_listed_feed():
    g = graph(("a", "b", 60), ("b", "c", 60), ("c", "a", 60))
    w = walk(g, "a", {"L"}.__contains__)
    assert w.covered == set() and set(w.nodes) == {"a", "b", "c"}
    g = graph(("a", "b", 60), ("b", "a", 60), ("b", "L", 50))
    w = walk(g, "a", {"L"}.__contains__)
    assert {"a", "b"} <= w.covered


def test_walk_an_unknown_share_makes_a_party_possibly_covered_only():
    g = graph(("a", "L", None), ("d", "a", 70))
    w = walk(g, "d", {"L"}.__contains__)
    assert w.covered == {"L"} and {"a", "d"} <= w.maybe


# ---- the rules' dates --------------------------------------------------------------------------


def test_the_affiliates_rule_is_seeded_with_its_published_dates(svc):
    periods = list_periods(svc.engine)
    on = {
        d: state_on(periods, AFFILIATES, d)
        for d in (
            date(2025, 9, 28),
            date(2025, 9, 29),
            date(2025, 11, 9),
            date(2025, 11, 10),
            date(2026, 11, 9),
            date(2026, 11, 10),
            date(2030, 1, 1),
        )
    }
    assert on[date(2025, 9, 28)] is None
    assert [on[d].status for d in list(on)[1:]] == [
        "in_effect",
        "in_effect",
        "suspended",
        "suspended",
        "in_effect",
        "in_effect",
    ]
    assert "47201" in on[date(2025, 9, 29)].cite
    assert state_on(periods, OFAC, date(2020, 1, 1)).status == "in_effect"
    assert next_change(periods, AFFILIATES, date(2026, 1, 1))[0] == date(2026, 11, 10)


# ---- answers -----------------------------------------------------------------------------------


def test_a_company_owned_60_percent_by_a_listed_entity_needs_a_license(svc):
    assert answer(svc, "Acme Cloud Ltd").verdict == "clear"
    own(svc, "Acme Cloud Ltd", HUAWEI, "60", cite="registry extract 2026-10")
    d = answer(svc, "ACME CLOUD LIMITED")  # the same party, written otherwise
    assert d.verdict == "license_required"
    said = text(d)
    assert "BIS Affiliates Rule" in said and HUAWEI in said and "60%" in said
    assert "Entity List" in said and "Presumption of denial" in said
    assert "registry extract 2026-10" in said
    (rule,) = d.ownership["rules"]
    assert rule["rule"] == AFFILIATES and rule["applies"] and rule["share"] == 60


def test_shares_of_two_listed_owners_are_summed(svc):
    own(svc, "Acme Trading Co., Ltd.", HUAWEI, "30")
    own(svc, "Acme Trading Co., Ltd.", DEVICE, "25")
    d = answer(svc, "Acme Trading Co., Ltd.")
    assert d.verdict == "license_required"
    assert "55%" in text(d) and HUAWEI in text(d) and DEVICE in text(d)
    # 30% + 15% is a minority: review (Red Flag 29), not a license requirement
    own(svc, "Acme Minority Ltd", HUAWEI, "30")
    own(svc, "Acme Minority Ltd", DEVICE, "15")
    d = answer(svc, "Acme Minority Ltd")
    assert d.verdict == "review" and "Red Flag 29" in text(d)


def test_indirect_ownership_through_an_unlisted_company(svc):
    own(svc, "Acme Holdings Ltd", HUAWEI, "51")
    own(svc, "Acme Logistics Ltd", "Acme Holdings Ltd", "100")
    d = answer(svc, "Acme Logistics Ltd")
    assert d.verdict == "license_required"
    assert "Acme Holdings Ltd" in text(d) and HUAWEI in text(d)


def test_a_cycle_of_owners_is_walked_once(svc):
    own(svc, "Ring One Ltd", "Ring Two Ltd", "60")
    own(svc, "Ring Two Ltd", "Ring Three Ltd", "60")
    own(svc, "Ring Three Ltd", "Ring One Ltd", "60")
    assert answer(svc, "Ring One Ltd").verdict == "clear"
    own(svc, "Ring Three Ltd", DEVICE, "40")
    assert answer(svc, "Ring Three Ltd").verdict == "review"  # a listed minority owner
    assert answer(svc, "Ring One Ltd").verdict == "clear"  # 40% two links up covers no one
    own(svc, "Ring Two Ltd", HUAWEI, "50")
    assert answer(svc, "Ring One Ltd").verdict == "license_required"


def test_a_listed_owner_with_an_unknown_share_is_red_flag_29(svc):
    own(svc, "Acme Research Ltd", HUAWEI, "unknown")
    d = answer(svc, "Acme Research Ltd")
    assert d.verdict == "review" and "Red Flag 29" in text(d) and "not on record" in text(d)


def test_blocked_owners_block_under_ofac_throughout(svc):
    own(svc, "Acme Shipping Ltd", SDN_PERSON, "50")
    for when in (IN_EFFECT, SUSPENDED, BEFORE_RULE):
        d = answer(svc, "Acme Shipping Ltd", now=when)
        assert d.verdict == "prohibited", when
        assert "OFAC 50 Percent Rule" in text(d)
    own(svc, "Acme Partner Ltd", SDN_PERSON, "20")
    assert answer(svc, "Acme Partner Ltd", now=SUSPENDED).verdict == "review"


def test_the_rule_applies_on_the_dates_it_was_in_effect_only(svc):
    own(svc, "Acme Cloud Ltd", HUAWEI, "60")
    assert answer(svc, "Acme Cloud Ltd", now=FIRST_PERIOD).verdict == "license_required"
    d = answer(svc, "Acme Cloud Ltd", now=SUSPENDED)
    assert d.verdict == "clear"
    assert "suspended on 2026-01-15" in text(d) and HUAWEI in text(d)
    assert "not in effect on 2025-06-01" in text(answer(svc, "Acme Cloud Ltd", now=BEFORE_RULE))
    assert answer(svc, "Acme Cloud Ltd", now=BEFORE_RULE).verdict == "clear"
    # Red Flag 29 is part of the rule: suspended with it
    own(svc, "Acme Research Ltd", HUAWEI, "unknown")
    assert answer(svc, "Acme Research Ltd", now=SUSPENDED).verdict == "clear"


def test_never_looser_than_the_answer_without_ownership(svc):
    own(svc, "Hangzhou Hikvision Digital Technology Co., Ltd.", "Some Fund LP", "20")
    own(svc, "Acme Cloud Ltd", HUAWEI, "60")
    assert answer(svc, "Hangzhou Hikvision Digital Technology Co., Ltd.").verdict == (
        "license_required"
    )
    # an embargoed destination stays prohibited
    assert answer(svc, "Acme Cloud Ltd", country="IR").verdict == "prohibited"


def test_an_owner_delisted_stops_counting(svc, tmp_path: Path):
    own(svc, "Acme Cloud Ltd", HUAWEI, "60")
    assert answer(svc, "Acme Cloud Ltd").verdict == "license_required"
    doc = json.loads(FIXTURE_LIST.read_text())
    doc["results"] = [r for r in doc["results"] if r["id"] != "demo-el-0001"]
    smaller = tmp_path / "delisted.json"
    smaller.write_text(json.dumps(doc))
    assert main(["import", str(smaller), "--force"]) == 0
    d = answer(svc, "Acme Cloud Ltd")
    assert d.verdict == "clear" and not d.ownership


def test_the_answer_follows_changes_made_by_another_process(svc):
    from bot.config import Settings
    from bot.runtime.wiring import build_services

    assert answer(svc, "Acme Cloud Ltd").verdict == "clear"  # cached by this screener
    other = build_services(Settings.from_env())
    own(other, "Acme Cloud Ltd", HUAWEI, "60")
    assert answer(svc, "Acme Cloud Ltd").verdict == "license_required"
    assert main(["owner", "remove", "Acme Cloud Ltd", "--owner", HUAWEI]) == 0
    assert answer(svc, "Acme Cloud Ltd").verdict == "clear"


# ---- CLI ---------------------------------------------------------------------------------------


def test_cli_ask_names_the_rule_and_says_when_it_was_suspended(svc, capsys):
    assert main(["seed", "huawei-affiliates"]) == 0
    assert "ILLUSTRATIVE" in capsys.readouterr().out
    q = "can we ship laptops to Exampleton Cloud Services Ltd"
    assert main(["ask", q, "--json", "--as-of", "2026-12-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "license_required"
    assert any("BIS Affiliates Rule" in r and HUAWEI in r for r in out["reasons"])
    assert out["parties"][0]["ownership"]["owners"][0]["owner"] == HUAWEI
    assert main(["ask", q, "--json", "--as-of", "2026-01-15"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "clear"
    assert any("suspended" in r for r in out["reasons"])


def test_cli_import_a_bad_row_names_it_and_changes_nothing(svc, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(
        "owned,owner,percent,country,cite,as_of\n"
        f'Acme Cloud Ltd,"{HUAWEI}",60,HK,registry,2026-10-01\n'
        f'Acme Research Ltd,"{HUAWEI}",unknown,,,\n'
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f'owned,owner,percent\nAcme Other Ltd,"{HUAWEI}",40\nAcme Fourth Ltd,"{HUAWEI}",140\n'
    )
    assert main(["ownership", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "140" in err and "nothing was imported" in err
    assert count(svc, OwnershipEdge) == 0
    assert main(["ownership", "import", str(good)]) == 0
    assert "2 added" in capsys.readouterr().out
    assert main(["ownership", "import", str(good)]) == 0
    assert "2 unchanged" in capsys.readouterr().out
    (row,) = [r for r in list_ownership(svc.engine, "Acme Cloud Ltd")]
    assert row["percent"] == 60 and row["country"] == "HK" and row["as_of"] == "2026-10-01"
    for body, why in (
        ("owned,owner\nA Ltd,B Ltd\n", "no column percent"),
        ("owned,owner,percent\nA Ltd,A Ltd,50\n", "cannot own itself"),
        ("owned,owner,percent,as_of\nA Ltd,B Ltd,50,yesterday\n", "not a date"),
        ("owned,owner,percent\nA Ltd,B Ltd,50\nA Ltd,B Ltd,60\n", "also row 2"),
    ):
        bad.write_text(body)
        assert main(["ownership", "import", str(bad)]) == 2
        assert why in capsys.readouterr().err
    assert count(svc, OwnershipEdge) == 2


def test_cli_owner_add_list_remove_are_audited(svc, capsys):
    assert (
        main(
            [
                "owner",
                "add",
                "Acme Cloud Ltd",
                "--owner",
                HUAWEI,
                "--percent",
                "60",
                "--cite",
                "registry",
                "--as-of",
                "2026-10-01",
            ]
        )
        == 0
    )
    assert "added" in capsys.readouterr().out
    assert main(["owner", "add", "Acme Cloud Ltd", "--owner", HUAWEI, "--percent", "abc"]) == 2
    assert "not a number" in capsys.readouterr().err
    assert main(["owner", "list", "Acme Cloud Ltd"]) == 0
    assert "60%" in capsys.readouterr().out
    assert main(["owner", "remove", "Acme Cloud Ltd", "--owner", "Nobody Ltd"]) == 2
    assert main(["owner", "remove", "Acme Cloud Ltd", "--owner", HUAWEI]) == 0
    with Session(svc.engine) as session:
        actions = (
            session.execute(select(AuditEvent.action).where(AuditEvent.action.like("ownership%")))
            .scalars()
            .all()
        )
    assert actions == ["ownership_add", "ownership_remove"]


def test_cli_policy_records_a_new_suspension_that_the_answers_follow(svc, capsys):
    own(svc, "Acme Cloud Ltd", HUAWEI, "60")

    def suspend(*extra: str) -> int:
        return main(["policy", "affiliates-rule", "suspended", "--from", "2026-11-25", *extra])

    assert suspend("--until", "2027-11-24") == 2  # --cite is required
    assert suspend("--until", "2026-11-01", "--cite", "x") == 2  # ends before it begins
    assert count(svc, RulePeriod) == 4
    assert suspend("--until", "2027-11-24", "--cite", "91 FR 12345") == 0
    d = answer(svc, "Acme Cloud Ltd")
    assert d.verdict == "clear" and "91 FR 12345" in text(d)
    assert answer(svc, "Acme Cloud Ltd", now=datetime(2026, 11, 20, 12, tzinfo=UTC)).verdict == (
        "license_required"
    )
    capsys.readouterr()
    assert main(["policy", "list"]) == 0
    assert "91 FR 12345" in capsys.readouterr().out
    assert main(["status"]) == 0
    assert "OFAC 50 Percent Rule: in effect" in capsys.readouterr().out


# ---- re-screening ------------------------------------------------------------------------------


def test_adding_an_owner_rescreens_owned_counterparties_and_alerts(svc, capsys):
    cps.register(svc.engine, svc.screener, name="Acme Logistics Ltd", country="HK", actor=CLI)
    cps.register(svc.engine, svc.screener, name="Unrelated Ltd", country="HK", actor=CLI)
    assert (
        main(
            [
                "owner",
                "add",
                "Acme Logistics Ltd",
                "--owner",
                "Acme Holdings Ltd",
                "--percent",
                "100",
            ]
        )
        == 0
    )
    assert count(svc, ListAlert) == 0  # nothing listed above it yet
    assert main(["owner", "add", "Acme Holdings Ltd", "--owner", HUAWEI, "--percent", "75"]) == 0
    assert "1 with a new or stricter answer" in capsys.readouterr().out
    with Session(svc.engine) as session:
        rows = {r.name: r.last_verdict for r in session.execute(select(Counterparty)).scalars()}
        (alert,) = session.execute(select(ListAlert)).scalars().all()
    assert rows == {"Acme Logistics Ltd": "license_required", "Unrelated Ltd": "clear"}
    assert alert.kind == "ownership_rescreen" and alert.target == "C0ALERTS"
    (finding,) = alert.payload["findings"]
    assert finding["name"] == "Acme Logistics Ltd" and HUAWEI in finding["after"]["reason"]


# ---- Slack -------------------------------------------------------------------------------------


def test_slash_owner_and_policy_admins_only_and_audited(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user=ADMIN)
    add = f'owner add "Acme Cloud Ltd" --owner "{HUAWEI}" --percent 60 --cite "registry"'
    refused = slack.command(add, user=NOBODY)
    assert "Only canweship admins" in refused
    assert count(svc, OwnershipEdge) == 0
    refused = slack.command(
        'policy affiliates-rule suspended --from 2026-12-01 --until 2027-01-01 --cite "x"',
        user=NOBODY,
    )
    assert "Only canweship admins" in refused and count(svc, RulePeriod) == 4
    assert "Added" in slack.command(add)
    assert answer(svc, "Acme Cloud Ltd").verdict == "license_required"
    assert "60%" in slack.command("owner list Acme Cloud Ltd", user=NOBODY)  # reading is open
    bad = slack.command('owner add "Acme Cloud Ltd" --owner "X Ltd" --percent 200')
    assert "Nothing was changed" in bad and count(svc, OwnershipEdge) == 1
    assert "Recorded" in slack.command(
        'policy affiliates-rule suspended --from 2026-11-20 --until 2027-11-19 --cite "91 FR 1"'
    )
    assert answer(svc, "Acme Cloud Ltd").verdict == "clear"
    listing = slack.command("policy list", user=NOBODY)
    assert "91 FR 1" in listing
    assert "Removed" in slack.command(f'owner remove "Acme Cloud Ltd" --owner "{HUAWEI}"')
    assert count(svc, OwnershipEdge) == 0
    with Session(svc.engine) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor).where(
                AuditEvent.action.in_(["ownership_add", "ownership_remove", "policy_period"])
            )
        ).all()
    assert sorted(rows) == [
        ("ownership_add", ADMIN),
        ("ownership_remove", ADMIN),
        ("policy_period", ADMIN),
    ]
    status = slack.command("status", user=NOBODY)
    assert status  # the list line; the rules come in the blocks
    (reply,) = [c for c in fake.calls("response_url")]
    assert "OFAC 50 Percent Rule" in json.dumps(reply.params.get("blocks"))


def test_a_list_update_that_lists_an_owner_rescreens_what_it_owns(svc, tmp_path):
    from bot.upkeep.changes import note_current_change, process_changes

    own(svc, "Acme Logistics Ltd", "Globex Holdings Ltd", "80")
    cps.register(svc.engine, svc.screener, name="Acme Logistics Ltd", country="HK", actor=CLI)
    assert answer(svc, "Acme Logistics Ltd").verdict == "clear"
    doc = json.loads(FIXTURE_LIST.read_text())
    listed = dict(doc["results"][0])
    listed.update(id="el-globex", name="Globex Holdings Ltd", alt_names=[], addresses=[])
    doc["results"].append(listed)
    path = tmp_path / "next.json"
    path.write_text(json.dumps(doc))
    assert main(["import", str(path)]) == 0
    assert note_current_change(svc.engine)
    (summary,) = process_changes(svc.engine, svc.settings, svc.screener, owner="t")
    assert summary["owned_rescreened"] == 1 and summary["owned_findings"] == 1
    with Session(svc.engine) as session:
        (alert,) = (
            session.execute(select(ListAlert).where(ListAlert.kind == "ownership_rescreen"))
            .scalars()
            .all()
        )
        (row,) = session.execute(select(Counterparty)).scalars().all()
    assert row.last_verdict == "license_required"
    assert "Globex Holdings Ltd" in alert.payload["findings"][0]["after"]["reason"]
    # processing again (a retry) posts nothing twice
    assert process_changes(svc.engine, svc.settings, svc.screener, owner="u") == []


def test_the_home_tab_shows_the_next_change_of_a_rule(svc, fake):
    from bot.localslack import wire

    slack = SlackDriver(svc, fake, secret=SECRET, user=ADMIN)
    assert main(["policy", "affiliates-rule", "suspended", "--from", "2030-01-01",
                 "--until", "2030-12-31", "--cite", "95 FR 1"]) == 0  # fmt: skip
    fake.clear()
    slack.dispatch(wire.event_callback(wire.app_home_opened(NOBODY), secret=SECRET))
    (published,) = fake.calls("views.publish")
    shown = json.dumps(published.params["view"])
    assert "The 50% rules" in shown
    assert "BIS Affiliates Rule is suspended on 2030-01-01" in shown and "95 FR 1" in shown


def test_a_large_import_weighs_the_ownership_of_counterparties_below_listed_owners(
    svc, tmp_path, monkeypatch, capsys
):
    import bot.upkeep.ownership as upkeep_ownership

    monkeypatch.setattr(upkeep_ownership, "SCREEN_ALL_UP_TO", 0)  # take the import's path
    names = ("Acme Holdings Ltd", "Acme Logistics Ltd", "Acme Research Ltd", "Unrelated Ltd")
    for name in names:
        cps.register(svc.engine, svc.screener, name=name, country="HK", actor=CLI)
    path = tmp_path / "owners.csv"
    path.write_text(
        "owned,owner,percent\n"
        f'Acme Holdings Ltd,"{HUAWEI}",75\n'
        "Acme Logistics Ltd,Acme Holdings Ltd,100\n"
        f'Acme Research Ltd,"{HUAWEI}",unknown\n'
        "Unrelated Ltd,Some Fund LP,60\n"
    )
    assert main(["ownership", "import", str(path)]) == 0
    assert "3 with a new or stricter answer" in capsys.readouterr().out
    with Session(svc.engine) as session:
        verdicts = {r.name: r.last_verdict for r in session.execute(select(Counterparty)).scalars()}
        (alert,) = session.execute(select(ListAlert)).scalars().all()
    assert verdicts == {
        "Acme Holdings Ltd": "license_required",
        "Acme Logistics Ltd": "license_required",
        "Acme Research Ltd": "review",
        "Unrelated Ltd": "clear",
    }
    assert sorted(f["name"] for f in alert.payload["findings"]) == list(names[:3])
    # the answers agree with what the import recorded
    assert answer(svc, "Acme Logistics Ltd", now=datetime.now(UTC)).verdict == "license_required"


def test_the_import_prefilter_lets_typos_through_and_keeps_strangers_out():
    from bot.ownership.prefilter import ListedWords

    listed = ListedWords(["huawei tech llc", "zhejiang dahua tech llc", "hangzhou hikvision"])
    assert listed.could_be("Huawei Technologies Co., Ltd.")
    assert listed.could_be("Huawie Technologies Co Ltd")  # two letters swapped
    assert listed.could_be("Zhejiang Dahau Technology Co., Ltd.")
    assert not listed.could_be("Bracordun Felhol Ltd")
    assert not listed.could_be("Huawei Bracordun Felhol Ltd")  # most of the name is not listed
    assert listed.could_be("Ltd")  # nothing distinctive: looked up


def test_a_listed_party_with_unlisted_owners_is_answered_by_its_own_listing(svc):
    own(svc, HUAWEI, "Employee Shareholding Union", "99")
    d = answer(svc, HUAWEI)
    assert d.verdict == "license_required" and not d.ownership
    assert not any("Affiliates Rule" in r for r in d.reasons)


def test_ownership_alerts_reach_the_channel_and_the_person_who_asked(svc, fake):
    from slack_sdk import WebClient

    from bot.lists.alerts import deliver
    from handlers.list_alerts import SlackAlertNotifier

    asked = svc.screener.screen(
        ScreeningRequest(party="Acme Cloud Ltd", text="can we ship laptops to Acme Cloud Ltd?"),
        Requester(user="U0ASKER01", kind="slack", channel="C0ASK"),
    )
    assert asked.decision.verdict == "clear"
    assert main(["owner", "add", "Acme Cloud Ltd", "--owner", HUAWEI, "--percent", "60"]) == 0
    fake.clear()
    client = WebClient(token="xoxb-test", base_url=fake.url)
    deliver(svc.engine, svc.settings, SlackAlertNotifier(client), owner="test")
    posted = {c.params["channel"]: c.params for c in fake.calls("chat.postMessage")}
    assert set(posted) == {"C0ALERTS", "U0ASKER01"}
    summary = json.dumps(posted["C0ALERTS"]["blocks"])
    assert "Acme Cloud Ltd" in summary and HUAWEI in summary and "Affiliates Rule" in summary
    dm = posted["U0ASKER01"]
    assert dm["text"].startswith("The answer about Acme Cloud Ltd has changed")
    assert HUAWEI in json.dumps(dm["blocks"])
    # delivered once: a second delivery posts nothing
    fake.clear()
    deliver(svc.engine, svc.settings, SlackAlertNotifier(client), owner="test")
    assert fake.calls("chat.postMessage") == []
