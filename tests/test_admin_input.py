"""Admin input that used to fail or slip through: `audit export since DATE`, the shape of
`admins add` ids, and the refusal when nobody is an admin yet (Slack and the CLI twins)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from bot.authz import USER_ID_SHAPE, BadUserId, user_id_from
from bot.cli.main import main
from bot.localslack.fake_api import FakeSlackAPI
from storage.models import Admin, AuditEvent
from tests.helpers import SlackDriver

SECRET = "admin-input-secret"
ADMIN = "U0ADMIN01"
VALID_ID = st.from_regex(r"[UW][A-Z0-9]{8,10}", fullmatch=True)


def driver(svc, fake: FakeSlackAPI) -> SlackDriver:
    return SlackDriver(svc, fake, secret=SECRET, user=ADMIN, token="xoxb-admin")


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ADMINS": ADMIN}


@pytest.fixture
def slack(svc, fake):
    return driver(svc, fake)


def admin_rows(svc) -> list[str]:
    with Session(svc.engine) as session:
        return sorted(session.execute(select(Admin.user_id)).scalars())


def audit_count(svc) -> int:
    with Session(svc.engine) as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


# ---- audit export since DATE -------------------------------------------------------------------


def test_audit_export_accepts_the_readme_syntax_and_the_bare_date(slack, svc):
    for text in ("audit export since 2020-01-01", "audit export 2020-01-01", "audit export"):
        reply = slack.command(text)
        assert reply.startswith("Sent the audit log ("), (text, reply)
        (upload,) = slack.fake.uploads()
        assert upload["data"].startswith("id,at,actor")
        slack.fake.reset()
    reply = slack.command("audit export since 2999-01-01")
    assert "(0 rows)" in reply


@pytest.mark.parametrize(
    "text",
    [
        "audit export since",
        "audit export since 2020-13-01",
        "audit export since yesterday",
        "audit export since 2020-01-01 2021-01-01",
        "audit export from 2020-01-01",
    ],
)
def test_a_bad_audit_date_gets_one_line_and_no_file(slack, text):
    reply = slack.command(text)
    assert "\n" not in reply and "Nothing was exported" in reply, reply
    assert "YYYY-MM-DD" in reply
    assert slack.fake.uploads() == []


def test_the_cli_twin_takes_since_too(svc, tmp_path, capsys):
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "since", "2020-01-01", "-o", str(out)]) == 0
    assert out.read_text().startswith("id,at,actor")
    rows = out.read_text().count("\n") - 1
    assert rows >= 1
    assert main(["audit", "export", "2020-01-01"]) == 0
    assert capsys.readouterr().out.count("\n") - 1 == rows
    assert main(["audit", "export", "since", "soon"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "“soon” is not a date: use YYYY-MM-DD" in err


# ---- admins add: only Slack user ids -------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(VALID_ID, st.text(alphabet=st.characters(exclude_characters="|>"), max_size=12))
def test_every_slack_id_shape_is_accepted_bare_at_or_as_a_mention(user, name):
    assert user_id_from(user) == user
    assert user_id_from(f"@{user}") == user
    assert user_id_from(f"<@{user}>") == user
    assert user_id_from(f"<@{user}|{name}>") == user


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_anything_not_shaped_like_an_id_is_refused(text):
    core = re.sub(r"^<@([^|>]*)(\|[^>]*)?>$", r"\1", text.strip()).removeprefix("@")
    if USER_ID_SHAPE.fullmatch(core):
        return
    with pytest.raises(BadUserId):
        user_id_from(text)


@settings(max_examples=100, deadline=None)
@given(VALID_ID, st.sampled_from(["lower", "short", "long", "channel", "space"]))
def test_near_misses_of_real_ids_are_refused(user, how):
    broken = {
        "lower": user[0] + user[1:].lower() if re.search("[A-Z]", user[1:]) else user + "a",
        "short": user[:8],
        "long": user + "ABC",
        "channel": "C" + user[1:],
        "space": user[:4] + " " + user[4:],
    }[how]
    with pytest.raises(BadUserId):
        user_id_from(broken)


def test_admins_add_in_slack_refuses_a_bad_id_and_adds_none_of_the_line(slack, svc):
    before = (admin_rows(svc), audit_count(svc))
    for text in (
        "admins add bob",
        "admins add <@U0123ABCD> bob",
        "admins add <#C0123ABCD|general>",
        "admins add u0123abcd",
    ):
        reply = slack.command(text)
        assert "is not a Slack user id" in reply and "Nothing was changed" in reply, reply
    assert (admin_rows(svc), audit_count(svc)) == before
    assert "Added admin: <@U0123ABCD>" in slack.command("admins add <@U0123ABCD|ann>")
    assert admin_rows(svc) == ["U0123ABCD"]


def test_admins_add_on_the_cli_refuses_a_bad_id(svc, capsys):
    assert main(["admins", "add", "U0123ABCD", "alice@example.com"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "“alice@example.com” is not a Slack user id" in err
    assert admin_rows(svc) == []
    assert main(["admins", "add", "W0123ABCDE"]) == 0
    assert admin_rows(svc) == ["W0123ABCDE"]


# ---- nobody is an admin yet -------------------------------------------------------------------


def test_with_no_admins_the_refusal_says_how_to_add_the_first(make_svc, database_url):
    svc = make_svc(database_url)
    with FakeSlackAPI() as fake:
        slack = driver(svc, fake)
        reply = slack.command("watch <#C0123ABCD|licenses>", user="U0NOBODY1")
        assert reply.startswith("Only canweship admins can")
        assert "CANWESHIP_ADMINS" in reply and "canweship admins add U" in reply
        assert "admins list" not in reply  # an empty list is no help
        assert "canweship admins add U" in slack.command("admins list", user="U0NOBODY1")


def test_with_admins_the_refusal_points_to_them(slack):
    reply = slack.command("watch <#C0123ABCD|licenses>", user="U0INTERN1")
    assert "admins list" in reply and "CANWESHIP_ADMINS" not in reply
