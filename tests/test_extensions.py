"""Extension commands in Slack and on the command line: admins only, clear errors, audited."""

from __future__ import annotations

import functools
import json

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.cli.main import main
from storage.models import AuditEvent, Deadline, Extension, Reminder
from tests.helpers import SlackDriver

SECRET = "ext-secret"
ADMIN = "U0ADMIN"


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ADMINS": ADMIN, "CANWESHIP_ALERT_CHANNEL": "C0ALERTS"}


@pytest.fixture
def slack(svc, fake):
    """(command, click, submit) for the app on `svc`, each as the admin unless told."""
    driver = SlackDriver(
        svc,
        fake,
        secret=SECRET,
        user=ADMIN,
        channel="C0ALERTS",
        token="xoxb-t",
        trigger_id="trig.1",
    )
    return driver.command, driver.click, functools.partial(driver.submit, "reminder_extend_modal")


def rows(svc, model):
    with Session(svc.engine) as session:
        return list(session.execute(select(model)).scalars())


ADD = (
    'extension add "Huawei TGL" --expires 2099-02-16 --effective 2099-01-01 '
    '--cite "84 FR 64018" --party Huawei --activity "existing networks" '
    '--activity "support for existing handsets"'
)


def test_an_admin_records_an_extension_and_reminders_are_scheduled(svc, slack):
    command, _, _ = slack
    reply = command(ADD)
    assert reply.startswith("Recorded: Huawei TGL (84 FR 64018)")
    (ext,) = rows(svc, Extension)
    assert ext.parties[0]["family"] == "huawei"
    assert ext.activities == ["existing networks", "support for existing handsets"]
    (deadline,) = rows(svc, Deadline)
    assert str(deadline.due) == "2099-02-16"
    assert sorted(r.offset_days for r in rows(svc, Reminder)) == [-1, 0, 1, 3, 7, 14, 30]
    audit = [a for a in rows(svc, AuditEvent) if a.action == "extension.add"]
    assert audit[0].actor == ADMIN and audit[0].detail["after"]["expires"] == "2099-02-16"
    assert "Huawei TGL" in command("extension list")
    assert "2099-02-16" in command("deadlines")


def test_a_non_admin_is_refused_and_nothing_changes(svc, slack):
    command, _, _ = slack
    reply = command(ADD, user="U0INTERN")
    assert reply.startswith("Only canweship admins can add extensions. Nothing was changed.")
    assert rows(svc, Extension) == [] and rows(svc, Deadline) == []
    assert [a for a in rows(svc, AuditEvent) if a.action.startswith("extension")] == []
    # reading is for everyone
    assert command("extension list", user="U0INTERN") == "No extensions on record."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "extension add X --expires 2099-13-40 --party Huawei --activity a",
            "--expires “2099-13-40” is not a date: use YYYY-MM-DD",
        ),
        (
            "extension add X --expires 2001-01-01 --effective 2000-01-01 "
            "--party Huawei --activity a",
            "--expires 2001-01-01 is in the past",
        ),
        (
            'extension add X --expires 2099-01-01 --party "Totally Unlisted Bakery" --activity a',
            "unknown party “Totally Unlisted Bakery”",
        ),
        ("extension add X --expires 2099-01-01 --activity a", "name at least one --party"),
        ("extension add X --expires 2099-01-01 --party Huawei", "name at least one --activity"),
        (
            "extension add X --expires 2099-01-01 --effective 2099-02-01 "
            "--party Huawei --activity a",
            "--expires 2099-01-01 is before --effective 2099-02-01",
        ),
        ("extension extend Nope --expires 2099-01-01", "no extension named “Nope”"),
        ("extension frobnicate X", "Unknown action “frobnicate”"),
    ],
)
def test_bad_requests_get_a_clear_reply_and_change_nothing(svc, slack, text, message):
    command, _, _ = slack
    reply = command(text)
    assert message in reply, reply
    assert rows(svc, Extension) == []


def test_extend_supersedes_and_reschedules(svc, slack):
    command, _, _ = slack
    command(ADD)
    reply = command('extension extend "Huawei TGL" --expires 2099-05-15 --cite "85 FR 8722"')
    assert reply.startswith("Extended: Huawei TGL (85 FR 8722)")
    old, new = sorted(rows(svc, Extension), key=lambda e: e.id)
    assert (old.status, old.superseded_by_id, new.supersedes_id) == ("superseded", new.id, old.id)
    deadlines = {str(d.due): d.status for d in rows(svc, Deadline)}
    assert deadlines == {"2099-02-16": "extended", "2099-05-15": "open"}
    statuses = {(r.deadline_id, r.status) for r in rows(svc, Reminder)}
    old_deadline = next(d.id for d in rows(svc, Deadline) if str(d.due) == "2099-02-16")
    assert {s for d, s in statuses if d == old_deadline} == {"cancelled"}
    assert "no extension named" not in command('extension extend "Huawei TGL" --expires 2099-05-01')
    assert "is not after the current one" in command(
        'extension extend "Huawei TGL" --expires 2099-05-01'
    )


def test_reminder_buttons(svc, slack):
    command, click, submit = slack
    command(ADD)
    (deadline,) = rows(svc, Deadline)
    calls = click("reminder_extend", str(deadline.id), user="U0INTERN")
    assert "Only canweship admins can record an extension" in calls[-1].params["text"]
    assert not [c for c in calls if c.method == "views.open"]
    calls = click("reminder_extend", str(deadline.id))
    (opened,) = [c for c in calls if c.method == "views.open"]
    assert opened.params["view"]["private_metadata"] == str(deadline.id)
    response, _ = submit(
        {"expires": {"value": {"type": "datepicker", "selected_date": "nope"}}}, str(deadline.id)
    )
    assert "errors" in json.loads(response.body)
    response, calls = submit(
        {
            "expires": {"value": {"type": "datepicker", "selected_date": "2099-05-15"}},
            "cite": {"value": {"type": "plain_text_input", "value": "85 FR 8722"}},
        },
        str(deadline.id),
    )
    assert response.status == 200 and not response.body
    assert sorted(e.expires.isoformat() for e in rows(svc, Extension)) == [
        "2099-02-16",
        "2099-05-15",
    ]
    new_deadline = max(rows(svc, Deadline), key=lambda d: d.id)
    calls = click("reminder_snooze", str(new_deadline.id))
    assert "Snoozed" in calls[-1].params["text"]
    calls = click("reminder_lapse", str(new_deadline.id))
    assert "let Huawei TGL lapse" in calls[-1].params["text"]
    assert max(rows(svc, Extension), key=lambda e: e.id).status == "lapsed"
    pending = [r for r in rows(svc, Reminder) if r.status == "pending"]
    assert pending == []


def test_cli_twins(svc, capsys):
    args = [
        "extension",
        "add",
        "Huawei TGL",
        "--expires",
        "2099-02-16",
        "--effective",
        "2099-01-01",
        "--cite",
        "84 FR 64018",
        "--party",
        "Huawei",
        "--activity",
        "existing networks",
    ]
    assert main(args) == 0
    assert main(["extension", "list", "--json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out[out.index("[") :])
    assert doc[0]["name"] == "Huawei TGL" and doc[0]["expires"] == "2099-02-16"
    assert (
        main(["extension", "add", "Y", "--expires", "bad", "--party", "Huawei", "--activity", "a"])
        == 2
    )
    assert "is not a date" in capsys.readouterr().err
    assert main(["deadlines", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["due"] == "2099-02-16"
    assert main(["extension", "remove", "Huawei TGL"]) == 0
    assert {e.status for e in rows(svc, Extension)} == {"removed"}


def test_seed_worked_example(svc, capsys):
    assert main(["seed", "huawei-tgl"]) == 0
    out = capsys.readouterr().out
    assert "85 FR 51596: removed effective 2020-08-17" in out
    assert len(rows(svc, Extension)) == 6
    assert [r for r in rows(svc, Reminder) if r.status == "pending"] == []
    assert main(["seed", "huawei-tgl"]) == 2
