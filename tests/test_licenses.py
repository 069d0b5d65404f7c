"""License decisions: announcements in watched channels, edits, deletions, retries, buttons,
admin commands, and their effect on screening answers."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.answers.ask import ask
from bot.answers.screener import Requester
from bot.cli.main import main
from bot.localslack import wire
from storage.models import AuditEvent, Deadline
from storage.models_licenses import License, PendingAnnouncement
from tests.helpers import SlackDriver

SECRET = "lic-secret"
ADMIN = "U0ADMIN"
WATCHED = "C0LICENSES"
GRANT = (
    "BIS approved license D1234567 for Huawei Technologies Co., Ltd. — LTE spare parts for "
    "existing networks, destination China, valid until 2099-11-20"
)


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ADMINS": ADMIN, "CANWESHIP_ALERT_CHANNEL": "C0ALERTS"}


@pytest.fixture
def svc_commands():
    return [["watch", WATCHED]]


@pytest.fixture
def slack(svc, fake):
    return SlackDriver(
        svc, fake, secret=SECRET, user=ADMIN, channel=WATCHED, token="xoxb-t", trigger_id="t.1"
    )


def licenses(svc) -> list[License]:
    with Session(svc.engine) as session:
        return list(session.execute(select(License)).scalars())


def test_a_clear_announcement_is_recorded_with_a_check_mark_and_undo(svc, slack):
    event = slack.say(GRANT)
    (row,) = licenses(svc)
    assert (row.number, row.decision, row.status) == ("D1234567", "granted", "active")
    assert row.party == "Huawei Technologies Co., Ltd." and row.parties
    assert row.scope.startswith("LTE spare parts") and str(row.valid_until) == "2099-11-20"
    assert (row.source_channel, row.source_ts) == (WATCHED, event["ts"])
    (reaction,) = slack.fake.calls("reactions.add")
    assert reaction.params["name"] == "white_check_mark"
    assert reaction.params["timestamp"] == event["ts"]
    (reply,) = slack.fake.calls("chat.postMessage")
    assert reply.params["thread_ts"] == event["ts"]
    assert "license_undo" in json.dumps(reply.params["blocks"])
    with Session(svc.engine) as session:
        (deadline,) = session.execute(select(Deadline)).scalars()
    assert deadline.kind == "license" and str(deadline.due) == "2099-11-20"


def test_chatter_is_left_alone_and_unwatched_channels_are_ignored(svc, slack):
    slack.say("did BIS approve D1234567 yet?")
    slack.say("my license to chill was revoked lol")
    slack.say("Reuters: Intel's license to ship to Huawei was revoked")
    slack.say(GRANT, channel="C0RANDOM")
    assert licenses(svc) == []
    assert slack.fake.calls("chat.postMessage") == [] and slack.fake.calls("reactions.add") == []


def test_a_retried_event_and_a_repeated_number_make_one_record(svc, slack):
    slack.say(GRANT, ts="1700000000.000100", event_id="EvSAME")
    slack.say(GRANT, ts="1700000000.000100", event_id="EvSAME")  # Slack's retry
    slack.say(GRANT, ts="1700000050.000100")  # announced again later
    assert len(licenses(svc)) == 1
    assert len(slack.fake.calls("reactions.add")) == 2


def test_an_edit_updates_the_record_and_keeps_history(svc, slack):
    event = slack.say(GRANT)
    edited = GRANT.replace("2099-11-20", "2099-12-31")
    slack.dispatch(
        wire.event_callback(
            wire.message_changed(WATCHED, event["ts"], edited, "U0ANNOUNCER", GRANT), secret=SECRET
        )
    )
    (row,) = licenses(svc)
    assert str(row.valid_until) == "2099-12-31"
    with Session(svc.engine) as session:
        actions = session.execute(
            select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.subject == "D1234567")
        ).all()
    assert [a for a, _ in actions] == ["license.record", "license.update"]
    assert actions[1][1]["before"]["valid_until"] == "2099-11-20"
    assert actions[1][1]["after"]["valid_until"] == "2099-12-31"


def test_a_deleted_announcement_is_withdrawn(svc, slack):
    event = slack.say(GRANT)
    slack.dispatch(
        wire.event_callback(
            wire.message_deleted(WATCHED, event["ts"], GRANT, "U0ANNOUNCER"), secret=SECRET
        )
    )
    (row,) = licenses(svc)
    assert row.status == "withdrawn"
    outcome = ask(
        svc.screener,
        "can we ship LTE spare parts to Huawei Technologies for existing networks",
        Requester(user="U1", kind="slack"),
    )
    assert outcome.outcome.decision.verdict == "license_required"


def test_uncertain_announcements_ask_and_only_admins_confirm(svc, slack):
    slack.say("BIS approved our license for Hikvision replacement cameras!")
    assert licenses(svc) == []
    (prompt,) = slack.fake.calls("chat.postMessage")
    assert "Record this license decision?" in json.dumps(prompt.params["blocks"])
    with Session(svc.engine) as session:
        (pending,) = session.execute(select(PendingAnnouncement)).scalars()
    calls = slack.click("announce_confirm", str(pending.id), user="U0INTERN")
    assert "Only canweship admins" in calls[-1].params["text"]
    calls = slack.click("announce_confirm", str(pending.id))
    assert "add the license or application number" in calls[-1].params["text"]
    calls = slack.click("announce_ignore", str(pending.id))
    assert "ignored this" in calls[-1].params["text"]
    assert licenses(svc) == []


def test_undo_withdraws(svc, slack):
    slack.say(GRANT)
    calls = slack.click("license_undo", "D1234567", user="U0INTERN")
    assert "Only canweship admins" in calls[-1].params["text"]
    assert licenses(svc)[0].status == "active"
    slack.click("license_undo", "D1234567")
    assert licenses(svc)[0].status == "withdrawn"


def test_screening_uses_licenses(svc, slack):
    slack.say(GRANT)
    who = Requester(user="U1", kind="slack")
    covered = ask(
        svc.screener,
        "can we ship LTE spare parts to Huawei Technologies in China for existing networks?",
        who,
    ).outcome.decision
    assert covered.verdict == "authorized"
    assert covered.authorization["reference"] == "D1234567"
    assert covered.authorization["expires"] == "2099-11-20"
    other = ask(svc.screener, "can we ship 5G base stations to Huawei Technologies in China?", who)
    assert other.outcome.decision.verdict == "license_required"
    assert any(
        "D1234567" in r and "check with compliance" in r for r in other.outcome.decision.reasons
    )
    slack.say("our application Z123456 for Hikvision was denied")
    denied = ask(svc.screener, "can we ship cameras to Hikvision?", who).outcome.decision
    assert denied.verdict == "license_required"
    assert any("Z123456" in n and "denied" in n for n in denied.notes)


def test_a_not_for_condition_excludes_the_item(svc, slack):
    slack.say(
        "License D7654321 granted for Huawei Technologies Co., Ltd. — network equipment "
        "spare parts, not for 5G, destination China, expires 12/31/2099"
    )
    who = Requester(user="U1", kind="slack")
    ok = ask(
        svc.screener,
        "can we ship network equipment spare parts to Huawei Technologies in China?",
        who,
    ).outcome.decision
    assert ok.verdict == "authorized"
    no = ask(
        svc.screener,
        "can we ship 5G network equipment spare parts to Huawei Technologies in China?",
        who,
    ).outcome.decision
    assert no.verdict == "license_required"


def test_admin_commands_are_refused_to_non_admins_and_nothing_changes(svc, slack):
    for text in (
        "license add D1111111 --party Hikvision --scope cameras",
        "license revoke D1111111",
        "admins add <@U0NEWADMIN|new>",
        "watch <#C0NEW|new>",
        'country set DE embargoed "test"',
        "audit export",
    ):
        reply = slack.command(text, user="U0INTERN")
        assert reply.startswith("Only canweship admins can"), (text, reply)
    assert licenses(svc) == []
    with Session(svc.engine) as session:
        assert (
            session.execute(select(AuditEvent).where(AuditEvent.actor == "U0INTERN")).first()
            is None
        )


def test_admin_commands(svc, slack):
    reply = slack.command(
        'license add D2222222 --party "Hangzhou Hikvision Digital Technology Co., '
        'Ltd." --scope "replacement cameras" --until 2099-01-01'
    )
    assert reply.startswith("Recorded *D2222222* granted")
    assert "D2222222" in slack.command("license list")
    assert "D2222222" in slack.command("license show D2222222")
    (shown,) = slack.fake.calls("response_url")
    assert "*History*" in json.dumps(shown.params["blocks"])
    assert "Revoked" in slack.command("license revoke D2222222")
    assert "is not a license or application number" in slack.command("license add X1 --party A")
    assert "Added admin: <@U0NEWADMIN>" in slack.command("admins add <@U0NEWADMIN|new>")
    assert "U0NEWADMIN" in slack.command("admins list")
    assert "Watching <#C0NEW>" in slack.command("watch <#C0NEW|new>")
    assert "DE is now review" in slack.command('country set DE review "dual-use check" EAR 742')
    assert "not an ISO country code" in slack.command('country set XX embargoed "x"')


def test_a_destination_policy_change_reaches_the_next_answer(svc, slack):
    """Policies are cached with the authorizations; `country set` must invalidate them."""
    who = Requester(user="U1", kind="slack")
    question = "can we ship laptops to Acme Widgets Inc in Germany?"
    assert ask(svc.screener, question, who).outcome.decision.verdict == "clear"
    slack.command('country set DE embargoed "test embargo"')
    embargoed = ask(svc.screener, question, who).outcome.decision
    assert embargoed.verdict == "prohibited"
    assert embargoed.destination is not None and embargoed.destination.reason == "test embargo"
    slack.command('country set DE none "lifted"')
    assert ask(svc.screener, question, who).outcome.decision.verdict == "clear"


def test_audit_export_is_uploaded_to_the_admin_and_holds_everything(svc, slack):
    slack.say(GRANT)
    ask(svc.screener, "is Dahua on the list", Requester(user="U1", kind="slack"))
    slack.command('country set DE review "dual-use check"')
    reply = slack.command("audit export")
    assert reply.startswith("Sent the audit log")
    (opened,) = slack.fake.calls("conversations.open")
    assert opened.params["users"] == ADMIN
    (upload,) = slack.fake.uploads()
    rows = list(csv.DictReader(io.StringIO(upload["data"])))
    actions = {r["action"] for r in rows}
    assert {"list.import", "watch.add", "license.record", "screen", "country.set"} <= actions


def test_cli_twins(svc, capsys):
    assert (
        main(
            [
                "license",
                "add",
                "D3333333",
                "--party",
                "Hikvision",
                "--scope",
                "cameras",
                "--until",
                "2099-05-05",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["licenses", "list", "--json"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["number"] == "D3333333" and doc["valid_until"] == "2099-05-05"
    assert main(["license", "add", "D3333333", "--until", "nope"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["country", "set", "RU", "embargoed", "test reason", "15 CFR 746.8"]) == 0
    assert main(["audit", "export"]) == 0
    out = capsys.readouterr().out
    assert "license.record" in out and "country.set" in out


def test_a_licensed_party_becomes_a_counterparty(svc, slack):
    from storage.models_sync import Counterparty

    slack.say(GRANT)
    with Session(svc.engine) as session:
        rows = list(session.execute(select(Counterparty)).scalars())
    assert [(r.name, "licensed" in r.origins) for r in rows] == [
        ("Huawei Technologies Co., Ltd.", True)
    ]


def test_a_withdrawal_elsewhere_invalidates_the_cached_authorization(svc, slack):
    """Another process (here: another Screener and another Licenses) withdraws the license with a
    back-dated clock; the cached authorization must not survive it."""
    from datetime import UTC, datetime

    from bot.licensing.licenses import Licenses, Source
    from bot.runtime.wiring import build_screener

    slack.say(GRANT)
    who = Requester(user="U1", kind="slack")
    question = "can we ship LTE spare parts to Huawei Technologies in China for existing networks?"
    assert ask(svc.screener, question, who).outcome.decision.verdict == "authorized"
    elsewhere = Licenses(svc.settings, svc.engine, build_screener(svc.settings, svc.engine))
    elsewhere.withdraw(
        number="D1234567",
        source=Source(user="U0ADMIN", kind="cli"),
        reason="recorded in error",
        now=datetime(2001, 1, 1, tzinfo=UTC),
    )
    assert ask(svc.screener, question, who).outcome.decision.verdict == "license_required"


def _verdict(svc, question: str):
    return ask(svc.screener, question, Requester(user="U1", kind="slack")).outcome.decision


def test_a_license_authorizes_only_the_records_it_names(svc, capsys):
    """Issue 20: a license for Hikvision authorized other parties (`all([])` was coverage)."""
    assert main(["country", "set", "RU", "license_required", "a license is required"]) == 0
    add = "license add D1111111 --party Hikvision --scope cameras --until 2099-06-30"
    assert main([*add.split(), "--destination", "RU"]) == 0
    capsys.readouterr()
    (row,) = licenses(svc)
    assert [r["list_id"] for r in row.parties[0]["records"]] == ["demo-el-0005"]
    assert _verdict(svc, "can we ship cameras to Hikvision in Russia?").verdict == "authorized"
    for other in ("Huawei Technologies", "Acme Widgets"):
        d = _verdict(svc, f"can we ship cameras to {other} in Russia?")
        assert d.verdict == "license_required", other
        assert d.authorization is None


def test_a_license_for_one_member_does_not_authorize_the_family(svc, slack):
    slack.say(GRANT)
    d = _verdict(svc, "can we ship LTE spare parts to Huawei in China for existing networks?")
    assert d.family is not None and d.family.count > 1
    assert d.verdict == "license_required"
    assert any("family" in r and "D1234567" in r for r in d.reasons)


def test_a_license_is_limited_to_its_destination(svc, slack):
    slack.say(GRANT)  # destination China
    base = "can we ship LTE spare parts to Huawei Technologies Co., Ltd.{} for existing networks?"
    assert _verdict(svc, base.format(" in China")).verdict == "authorized"
    germany = _verdict(svc, base.format(" in Germany"))
    assert germany.verdict == "license_required"
    assert any("D1234567" in r and "Germany" in r for r in germany.reasons)
    nowhere = _verdict(svc, base.format(""))
    assert nowhere.verdict == "license_required"
    assert any("no destination was given" in r for r in nowhere.reasons)


def test_a_narrower_scope_never_covers_a_broader_item(svc, slack):
    slack.say(GRANT)  # scope: LTE spare parts for existing networks
    d = _verdict(svc, "can we ship spare parts to Huawei Technologies in China?")
    assert d.verdict == "license_required"
    narrower = _verdict(
        svc,
        "can we ship used LTE spare parts to Huawei Technologies in China for existing networks?",
    )
    assert narrower.verdict == "authorized"


def test_a_condition_that_refuses_is_named(svc, slack):
    slack.say(
        "License D7654321 granted for Huawei Technologies Co., Ltd. — network equipment "
        "spare parts, not for 5G, destination China, expires 12/31/2099"
    )
    no = _verdict(
        svc, "can we ship 5G network equipment spare parts to Huawei Technologies in China?"
    )
    assert no.verdict == "license_required"
    assert any("“not for 5G”" in r for r in no.reasons)


def test_a_license_outside_its_validity_dates_does_not_authorize(svc, capsys):
    question = "can we ship cameras to Hikvision in China?"
    for number, dates in (
        ("D2222222", "--from 2098-01-01 --until 2099-01-01"),
        ("D3333333", "--from 2000-01-01 --until 2001-01-01"),
    ):
        args = f"license add {number} --party Hikvision --scope cameras --destination CN {dates}"
        assert main(args.split()) == 0
    capsys.readouterr()
    assert _verdict(svc, question).verdict == "license_required"


def test_a_party_never_tied_to_list_records_authorizes_nothing(svc):
    """Recorded without the screening engine, the party is only text: equal names are not the
    records the license names, so it authorizes nothing (fail closed)."""
    from datetime import date

    from bot.licensing.licenses import Licenses, Source

    Licenses(svc.settings, svc.engine).record(
        number="D4444444",
        decision="granted",
        source=Source(user=ADMIN, kind="cli"),
        party="Huawei Technologies Co., Ltd.",
        scope="LTE spare parts",
        destination="CN",
        valid_until=date(2099, 1, 1),
    )
    assert licenses(svc)[0].parties == []
    d = _verdict(svc, "can we ship LTE spare parts to Huawei Technologies Co., Ltd. in China?")
    assert d.verdict == "license_required"


# --- issue 20 item 2: licenses change only on purpose -------------------------------------------

HIK = "license add D5555555 --party Hikvision --scope cameras --destination CN --until 2099-06-30"


def _row(svc, number: str) -> License:
    (row,) = [r for r in licenses(svc) if r.number == number]
    return row


def _license_audits(svc, number: str) -> list[AuditEvent]:
    with Session(svc.engine) as session:
        return list(
            session.execute(
                select(AuditEvent).where(AuditEvent.subject == number).order_by(AuditEvent.id)
            ).scalars()
        )


def test_cli_reusing_a_number_refuses_with_the_differences_unless_replace(svc, capsys):
    assert main([*HIK.split(), "--condition", "not for 5G"]) == 0
    capsys.readouterr()
    other = ["license", "add", "D5555555", "--party", "Huawei", "--scope", "routers"]
    other += ["--until", "2099-06-30"]
    assert main(other) == 2
    err = capsys.readouterr().err
    assert "already on record" in err and "--replace" in err
    assert "party: Hikvision → Huawei" in err and "scope: cameras → routers" in err
    assert "destination: CN → (none)" in err and "conditions: not for 5G → (none)" in err
    row = _row(svc, "D5555555")
    assert (row.party, row.scope, row.destination) == ("Hikvision", "cameras", "CN")
    assert len(_license_audits(svc, "D5555555")) == 1

    assert main([*other, "--replace"]) == 0
    captured = capsys.readouterr()
    assert (
        captured.out.startswith("replaced ") and "changed party: Hikvision → Huawei" in captured.err
    )
    row = _row(svc, "D5555555")
    # Nothing carried over silently from the record it replaced.
    assert (row.party, row.scope, row.destination, row.conditions) == (
        "Huawei",
        "routers",
        None,
        [],
    )
    last = _license_audits(svc, "D5555555")[-1]
    assert last.action == "license.update"
    assert (
        last.detail["before"]["party"] == "Hikvision" and last.detail["after"]["party"] == "Huawei"
    )
    # The reminder names the party the license has now.
    with Session(svc.engine) as session:
        (deadline,) = session.execute(
            select(Deadline).where(Deadline.kind == "license", Deadline.status == "open")
        ).scalars()
    assert "Huawei" in deadline.title and "Hikvision" not in deadline.title


def test_cli_the_same_add_twice_changes_nothing(svc, capsys):
    assert main(HIK.split()) == 0
    assert main(HIK.split()) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("unchanged ")
    assert len(_license_audits(svc, "D5555555")) == 1


def test_a_license_needs_a_party(svc, capsys, slack):
    assert main(["license", "add", "D6666666", "--scope", "cameras"]) == 2
    assert "needs a party" in capsys.readouterr().err
    assert "needs a party" in slack.command("license add D6666666 --scope cameras")
    assert licenses(svc) == []


@pytest.mark.parametrize(
    ("dates", "warning"),
    [
        (["--from", "2000-01-01", "--until", "2001-01-01"], "it expired on 2001-01-01"),
        (["--from", "2098-01-01", "--until", "2099-01-01"], "it is not valid before 2098-01-01"),
    ],
)
def test_an_expired_or_not_yet_valid_license_is_recorded_with_a_warning(
    svc, capsys, dates, warning
):
    assert main(["license", "add", "D7777777", "--party", "Hikvision", *dates]) == 0
    assert f"warning: {warning}" in capsys.readouterr().err
    assert _row(svc, "D7777777").party == "Hikvision"
    (audit,) = _license_audits(svc, "D7777777")
    assert any(warning in w for w in audit.detail["warnings"])


def test_a_party_that_matches_no_record_is_warned_about(svc, capsys):
    args = [
        "license",
        "add",
        "D8888888",
        "--party",
        "Nonesuch Widgets Plc",
        "--until",
        "2099-01-01",
    ]
    assert main(args) == 0
    assert "matches no record on the list" in capsys.readouterr().err
    assert main(HIK.split()) == 0
    assert "warning" not in capsys.readouterr().err


def test_slack_reusing_a_number_asks_with_a_button_and_only_an_admin_replaces(svc, slack):
    assert slack.command(HIK).startswith("Recorded *D5555555*")
    replace = "license add D5555555 --party Huawei --scope routers --until 2099-06-30"
    reply = slack.command(replace)
    assert "already on record" in reply and "party: Hikvision → Huawei" in reply
    (shown,) = slack.fake.calls("response_url")
    buttons = {
        e["action_id"]: e["value"]
        for b in shown.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert set(buttons) == {"license_replace", "license_replace_cancel"}
    assert _row(svc, "D5555555").party == "Hikvision"

    calls = slack.click("license_replace", buttons["license_replace"], user="U0SOMEONE")
    assert any("admin" in c.params.get("text", "") for c in calls)
    assert _row(svc, "D5555555").party == "Hikvision"

    slack.click("license_replace_cancel", buttons["license_replace_cancel"])
    assert _row(svc, "D5555555").party == "Hikvision"

    calls = slack.click("license_replace", buttons["license_replace"])
    (done,) = [c for c in calls if c.method == "response_url"]
    assert (
        "Replaced *D5555555*" in done.params["text"]
        and "party: Hikvision → Huawei" in done.params["text"]
    )
    row = _row(svc, "D5555555")
    assert (row.party, row.scope, row.destination) == ("Huawei", "routers", None)
    assert _license_audits(svc, "D5555555")[-1].actor == ADMIN
