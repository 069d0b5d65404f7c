"""Review cases (issue 16): opened once per uncertain answer, decided once, remembered, re-opened
when the listed record changes or the decision expires; never looser than the facts.

Engine tests run on SQLite and PostgreSQL (`svc`); the Slack flow is driven with signed payloads
through the app and the fake Web API (tests/helpers.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlmodel import Session

from bot.answers.screener import Requester, ScreeningRequest
from bot.answers.verdicts import Match
from bot.audit import Actor
from bot.cli.main import main
from bot.config import Settings
from bot.lists.alerts import deliver
from bot.localslack import wire
from bot.reviews.apply import InForce, adjudicate
from bot.reviews.cases import AlreadyDecided, ReviewError, decide, list_cases, recheck
from bot.reviews.keys import party_key
from bot.reviews.reviewers import NotReviewer, add_reviewer, require_reviewer
from bot.runtime.wiring import build_services
from bot.upkeep.sync import list_upkeep
from handlers.list_alerts import SlackAlertNotifier
from storage.models import AuditEvent
from storage.models_reviews import Adjudication, CaseAsker, ReviewCase
from storage.models_sync import ListAlert
from tests.conftest import FIXTURE_LIST
from tests.helpers import SlackDriver

SECRET = "reviews-secret"
ADMIN = "U0ADMIN01"
REVIEWER = "U0REVIEW01"
OTHER = "U0REVIEW02"
ASKER = "U0ASKER01"
REVIEWS = "C0REVIEWS"
ZTE = "EL:demo-el-0007"
REVIEWER_ACTOR = Actor(user=REVIEWER, kind="slack")


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ADMINS": ADMIN, "CANWESHIP_REVIEW_CHANNEL": REVIEWS}


def ask(svc, party, user=ASKER, thread="1.1", country=None, now=None, audit=True):
    return svc.screener.screen(
        ScreeningRequest(party=party, country=country, text=f"can we ship to {party}?"),
        Requester(user=user, kind="slack", channel="C0ASK", thread_ts=thread),
        now=now,
        audit=audit,
    ).decision


def count(svc, model) -> int:
    with Session(svc.engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def alerts(svc, kind):
    with Session(svc.engine) as session:
        return (
            session.execute(select(ListAlert).where(ListAlert.kind == kind).order_by(ListAlert.id))
            .scalars()
            .all()
        )


def only_case(svc):
    (case,) = list_cases(svc.engine)
    return case


# ---- engine ------------------------------------------------------------------------------------


def test_a_review_answer_opens_one_case_that_later_askers_join(svc):
    assert ask(svc, "ZTE Kangxun").verdict == "review"
    ask(svc, "ZTE KANGXUN", user="U0ASKER02", thread="2.2")
    ask(svc, "ZTE Kangxun", thread="1.1")  # the same asker in the same thread: one asker
    case = only_case(svc)
    assert case["status"] == "open" and case["records"] == [ZTE]
    assert case["askers"] == [ASKER, "U0ASKER02"]
    (posted,) = alerts(svc, "review_case")
    assert posted.target == REVIEWS
    assert 80 <= posted.payload["candidates"][0]["score"] < 90  # a possible match, shown
    # a clear answer and an exact Entity List match open none
    ask(svc, "Siemens AG")
    ask(svc, "Huawei Technologies Co., Ltd.")
    assert count(svc, ReviewCase) == 1


def test_askers_at_the_same_time_open_one_case(svc):
    """Eight askers at once, half of them through a second instance's services."""
    errors: list[BaseException] = []
    instances = [svc, build_services(Settings.from_env())]

    def one(n: int) -> None:
        try:
            ask(instances[n % 2], "ZTE Kangxun", user=f"U0ASKER{n:02d}", thread=f"{n}.0")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert count(svc, ReviewCase) == 1 and count(svc, CaseAsker) == 8
    assert len(alerts(svc, "review_case")) == 1


def test_not_this_party_is_remembered_with_who_when_why(svc):
    ask(svc, "ZTE Kangxun")
    case = only_case(svc)
    with pytest.raises(ReviewError, match="reason is required"):
        decide(
            svc.engine,
            svc.settings,
            case_id=case["case"],
            record=ZTE,
            decision="not-match",
            reason=" ",
            expires=None,
            actor=REVIEWER_ACTOR,
        )
    with pytest.raises(ReviewError, match="not a candidate"):
        decide(
            svc.engine,
            svc.settings,
            case_id=case["case"],
            record="EL:demo-el-0001",
            decision="not-match",
            reason="x",
            expires=None,
            actor=REVIEWER_ACTOR,
        )
    done = decide(
        svc.engine,
        svc.settings,
        case_id=case["case"],
        record=ZTE,
        decision="not-match",
        reason="different registered address",
        expires=None,
        actor=REVIEWER_ACTOR,
    )
    assert done.closed
    with pytest.raises(AlreadyDecided, match=f"@{REVIEWER}"):
        decide(
            svc.engine,
            svc.settings,
            case_id=case["case"],
            record=ZTE,
            decision="match",
            reason="no, same",
            expires=None,
            actor=Actor(user=OTHER, kind="slack"),
        )
    assert count(svc, Adjudication) == 1
    later = ask(svc, "Zte Kangxun Ltd", user="U0ASKER03")
    assert later.verdict == "clear"
    assert any("matched no other record" in r for r in later.reasons)
    assert any(
        "Not the listed ZTE Kangxun Telecom" in n
        and f"@{REVIEWER}" in n
        and "different registered address" in n
        for n in later.notes
    )
    assert count(svc, ReviewCase) == 1  # settled: no new case
    # another country is another party: the decision does not answer for it
    assert ask(svc, "ZTE Kangxun", country="DE").verdict == "review"
    with Session(svc.engine) as session:
        actions = set(session.execute(select(AuditEvent.action)).scalars())
    assert "case.decide" in actions


def test_a_decision_never_overrides_an_embargo_an_exact_match_or_a_stale_list(svc):
    ask(svc, "ZTE Kangxun")
    decide(
        svc.engine,
        svc.settings,
        case_id=only_case(svc)["case"],
        record=ZTE,
        decision="not-match",
        reason="different company",
        expires=None,
        actor=REVIEWER_ACTOR,
    )
    assert ask(svc, "ZTE Kangxun", country="IR").verdict == "prohibited"
    stale = datetime.now(UTC) + svc.settings.stale_after + timedelta(days=1)
    assert ask(svc, "ZTE Kangxun", now=stale).verdict == "unavailable"
    # an exact Denied Persons match is not set aside by any decision
    dpl = Match(
        entry_key=1, entry_id="d1", source="DPL", name="ADT", matched_name="ADT", score=100.0
    )
    decided = InForce(
        id=1,
        decision="not-match",
        reason="r",
        expires=None,
        decided_by=REVIEWER,
        decided_at=datetime.now(UTC),
        fingerprint="f",
        record_name="ADT",
    )
    loaded = {party_key("ADT", None): {("DPL", "d1"): decided}}

    class Entry:
        source, name, alt_names, addresses, countries = "DPL", "ADT", [], [], []
        license_requirement = license_policy = end_date = None

    from bot.reviews.keys import fingerprint

    decided = InForce(**{**decided.__dict__, "fingerprint": fingerprint(Entry)})
    loaded = {party_key("ADT", None): {("DPL", "d1"): decided}}
    out = adjudicate(loaded, "ADT", None, [dpl], lambda _k: Entry)
    assert out is not None and out.matches == [dpl]
    fuzzy = Match(**{**dpl.__dict__, "score": 91.0})
    assert adjudicate(loaded, "ADT", None, [fuzzy], lambda _k: Entry).matches == []


def test_same_party_makes_the_match_exact_and_license_check_keeps_a_license(svc):
    ask(svc, "Hikvision Digital")
    ask(svc, "ZTE Kangxun")
    hik, zte = list_cases(svc.engine)
    decide(
        svc.engine,
        svc.settings,
        case_id=hik["case"],
        record=hik["records"][0],
        decision="match",
        reason="same registered address",
        expires=None,
        actor=REVIEWER_ACTOR,
    )
    decide(
        svc.engine,
        svc.settings,
        case_id=zte["case"],
        record=ZTE,
        decision="license-check",
        reason="a subsidiary; check the license",
        expires=None,
        actor=REVIEWER_ACTOR,
    )
    same = ask(svc, "Hikvision Digital")
    assert same.verdict == "license_required" and same.matches[0].score == 100.0
    assert any("Same party as the listed Hangzhou Hikvision" in n for n in same.notes)
    check = ask(svc, "ZTE Kangxun")
    assert check.verdict == "license_required"
    assert "requires a license check" in check.reasons[0]


def test_a_decision_lapses_at_its_expiry_and_the_case_reopens(svc):
    ask(svc, "ZTE Kangxun")
    today = datetime.now(UTC).astimezone(svc.settings.tz).date()
    decide(
        svc.engine,
        svc.settings,
        case_id=only_case(svc)["case"],
        record=ZTE,
        decision="not-match",
        reason="until the audit",
        expires=today + timedelta(days=2),
        actor=REVIEWER_ACTOR,
    )
    assert ask(svc, "ZTE Kangxun").verdict == "clear"
    later = datetime.now(UTC) + timedelta(days=4)
    # lapsed for answers at once, before any upkeep ran
    assert ask(svc, "ZTE Kangxun", now=later, audit=False).verdict == "review"
    report = recheck(svc.engine, svc.settings, now=later)
    assert (report.lapsed, report.reopened) == (1, 1)
    assert ask(svc, "ZTE Kangxun", user="U0ASKER09", now=later).verdict == "review"
    case = only_case(svc)  # the asker joined the re-opened case
    assert case["status"] == "open" and case["round"] == 2 and "expired" in case["note"]
    assert case["askers"] == [ASKER, "U0ASKER09"]
    assert [a.key for a in alerts(svc, "review_case")] == ["case:1:1", "case:1:2"]
    assert recheck(svc.engine, svc.settings, now=later).lapsed == 0  # once


def _changed_list(tmp_path, alias: str | None = None, drop: str | None = None):
    doc = json.loads(FIXTURE_LIST.read_text())
    rows = doc["results"] if isinstance(doc, dict) else doc
    for r in list(rows):
        if r.get("id") == "demo-el-0007" and alias:
            r["alt_names"] = [*(r.get("alt_names") or []), alias]
        if r.get("id") == drop:
            rows.remove(r)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_list_update_that_changes_the_record_reopens_the_case(svc, tmp_path, capsys):
    ask(svc, "ZTE Kangxun")
    decide(
        svc.engine,
        svc.settings,
        case_id=only_case(svc)["case"],
        record=ZTE,
        decision="not-match",
        reason="different address",
        expires=None,
        actor=REVIEWER_ACTOR,
    )
    assert main(["import", str(_changed_list(tmp_path, alias="ZTE Kangxun Trading"))]) == 0
    capsys.readouterr()
    # the answer no longer relies on it, before any upkeep ran
    assert ask(svc, "ZTE Kangxun", audit=False).verdict == "review"
    list_upkeep(
        engine=svc.engine, settings=svc.settings, screener=svc.screener, notifier=None, owner="t"
    )
    case = only_case(svc)
    assert case["status"] == "open" and case["round"] == 2
    assert "aliases" in case["note"] and "ZTE Kangxun Trading" in case["note"]
    reposted = alerts(svc, "review_case")[-1]
    assert reposted.key == "case:1:2" and "ZTE Kangxun Trading" in reposted.payload["changed"]
    with Session(svc.engine) as session:
        (adj,) = session.execute(select(Adjudication)).scalars().all()
    assert adj.status == "lapsed" and adj.active_key is None


def test_a_removed_record_closes_its_case(svc, tmp_path, capsys):
    ask(svc, "ZTE Kangxun")
    decide(
        svc.engine,
        svc.settings,
        case_id=only_case(svc)["case"],
        record=ZTE,
        decision="not-match",
        reason="different address",
        expires=None,
        actor=REVIEWER_ACTOR,
    )
    assert main(["import", "--force", str(_changed_list(tmp_path, drop="demo-el-0007"))]) == 0
    capsys.readouterr()
    assert recheck(svc.engine, svc.settings).removed == 1
    case = only_case(svc)
    assert case["status"] == "closed" and "removed" in case["note"]


def test_only_reviewers_decide(svc):
    with pytest.raises(NotReviewer):
        require_reviewer(svc.engine, svc.settings, REVIEWER)
    require_reviewer(svc.engine, svc.settings, ADMIN)
    add_reviewer(svc.engine, svc.settings, user=REVIEWER, by=Actor(user=ADMIN, kind="slack"))
    require_reviewer(svc.engine, svc.settings, REVIEWER)


# ---- CLI ---------------------------------------------------------------------------------------


def test_the_cli_lists_and_decides_cases_and_exports_decisions(svc, capsys):
    ask(svc, "ZTE Kangxun")
    assert main(["cases", "list", "--open", "--json"]) == 0
    (case,) = json.loads(capsys.readouterr().out)
    assert case["records"] == [ZTE] and case["askers"] == [ASKER]
    argv = [
        "cases",
        "decide",
        str(case["case"]),
        "--record",
        ZTE,
        "--decision",
        "not-match",
        "--reason",
        "different address",
        "--expires",
        "2099-01-01",
    ]
    assert main(argv) == 0
    assert "case decided" in capsys.readouterr().out
    assert main(argv) == 2
    assert "Already decided" in capsys.readouterr().err
    assert (
        main(
            ["cases", "decide", "1", "--record", "nonsense", "--decision", "match", "--reason", "x"]
        )
        == 2
    )
    assert "SOURCE:ID" in capsys.readouterr().err
    assert main(["adjudications", "export", "--csv"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["record"] == ZTE and row["expires"] == "2099-01-01" and row["status"] == "active"
    assert main(["cases", "list"]) == 0
    assert "[decided]" in capsys.readouterr().out


# ---- Slack, with signed payloads and the fake Web API --------------------------------------------


def _deliver(svc, fake):
    client = WebClient(token="xoxb-test", base_url=fake.url)
    return deliver(svc.engine, svc.settings, SlackAlertNotifier(client), owner="test")


def _mention(slack, text, *, user, channel, event_id):
    event = wire.app_mention(text, user=user, channel=channel)
    payload = wire.event_callback(event, secret=SECRET, event_id=event_id)
    slack.dispatch(payload)
    return event, payload


def test_slack_case_flow_from_question_to_every_askers_thread(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user=ADMIN, channel=REVIEWS, trigger_id="trig-1")
    first, payload = _mention(
        slack, "is ZTE Kangxun on the list?", user=ASKER, channel="C0ASK", event_id="Ev1"
    )
    # Slack retries the same event: still one answer, one case, one asker
    slack.dispatch(wire.redelivery(payload[0], secret=SECRET, retry_num=1))
    second, _ = _mention(
        slack, "can we ship to ZTE Kangxun?", user="U0ASKER02", channel="C0ASK", event_id="Ev2"
    )
    answers = [c for c in fake.calls("chat.postMessage") if c.params.get("channel") == "C0ASK"]
    assert len(answers) == 2
    assert count(svc, ReviewCase) == 1 and count(svc, CaseAsker) == 2
    fake.clear()
    _deliver(svc, fake)
    (posted,) = fake.calls("chat.postMessage")
    assert posted.params["channel"] == REVIEWS
    blocks = json.dumps(posted.params["blocks"])
    assert "ZTE Kangxun Telecom" in blocks and re.search(r"score 8\d/100", blocks)
    assert f"archives/C0ASK/p{first['ts'].replace('.', '')}" in blocks
    assert "Not this party" in blocks
    value = json.dumps({"case": 1, "round": 1, "record": ZTE})
    # a non-reviewer is refused, privately, and nothing opens
    calls = slack.click("case_not_match", value, user="U0NOBODY1")
    assert not [c for c in calls if c.method == "views.open"]
    (refusal,) = [c for c in calls if c.method == "response_url"]
    assert "Only reviewers" in refusal.params["text"]
    calls = slack.click("case_not_match", value, user=ADMIN)
    (opened,) = [c for c in calls if c.method == "views.open"]
    metadata = opened.params["view"]["private_metadata"]
    values = {"reason": {"value": {"type": "plain_text_input", "value": "different address"}}}
    response, calls = slack.submit("case_decide", values, metadata, user=ADMIN)
    assert "errors" not in (response.body or "")
    outcome = [c for c in calls if c.method == "chat.postMessage"]
    threads = sorted((c.params["channel"], c.params.get("thread_ts")) for c in outcome)
    assert threads == sorted(
        [("C0ASK", first["ts"]), ("C0ASK", second["ts"]), (REVIEWS, posted.response["ts"])]
    )
    assert all("Clear" in c.params["text"] or "clear" in c.params["text"] for c in outcome)
    # a second reviewer (or a double click) is told who decided first; nothing changes
    add_reviewer(svc.engine, svc.settings, user=OTHER, by=Actor(user=ADMIN, kind="slack"))
    response, calls = slack.submit("case_decide", values, metadata, user=OTHER)
    assert f"@{ADMIN}" in json.loads(response.body)["errors"]["reason"]
    assert count(svc, Adjudication) == 1
    # the next question is answered with the decision
    fake.clear()
    _mention(
        slack, "is ZTE Kangxun on the list?", user="U0ASKER03", channel="C0ASK", event_id="Ev3"
    )
    (answer,) = fake.calls("chat.postMessage")
    assert "Not the listed ZTE Kangxun" in json.dumps(answer.params["blocks"])
    assert slack.command("cases", user=ADMIN).startswith("No open review cases")


def test_slash_cases_lists_open_cases_and_reviewers_add_needs_an_admin(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user=ADMIN)
    ask(svc, "ZTE Kangxun")
    listing = slack.command("cases")
    assert "1 open review case" in listing
    refused = slack.command(f"reviewers add <@{OTHER}>", user="U0NOBODY1")
    assert "Only canweship admins" in refused
    assert "now a reviewer" in slack.command(f"reviewers add <@{OTHER}>")
    require_reviewer(svc.engine, svc.settings, OTHER)


def test_a_date_in_the_past_is_refused(svc):
    ask(svc, "ZTE Kangxun")
    with pytest.raises(ReviewError, match="in the past"):
        decide(
            svc.engine,
            svc.settings,
            case_id=1,
            record=ZTE,
            decision="match",
            reason="r",
            expires=date(2000, 1, 1),
            actor=REVIEWER_ACTOR,
        )


def test_the_home_tab_shows_reviewers_the_queue(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user=ADMIN)
    ask(svc, "ZTE Kangxun")
    for user, shown in ((ADMIN, True), ("U0NOBODY1", False)):
        fake.clear()
        slack.dispatch(wire.event_callback(wire.app_home_opened(user), secret=SECRET))
        (published,) = fake.calls("views.publish")
        text = json.dumps(published.params["view"])
        assert ("*Review queue* (1 open)" in text and "EL:demo-el-0007" in text) is shown
