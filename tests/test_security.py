"""Security, as Slack and an attacker would see it.

* every HTTP route but `GET /healthz` refuses requests without Slack's valid, fresh signature;
* every sub-command, button and modal that changes data is refused to non-admins, with nothing
  changed (the mutating sub-commands are enumerated from the registry, so new ones are covered);
* tokens and signing secrets never reach the logs, even at DEBUG and on Slack API errors;
* user text is escaped wherever the bot echoes it: no `@channel` pings, no forged links.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlmodel import Session, SQLModel

import storage.models
import storage.models_licenses
import storage.models_sync  # noqa: F401  (every table is in the metadata)
from bot.cli.main import main
from bot.deadlines.reminders import ReminderNotice
from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI
from bot.runtime.app import create_app, make_client
from bot.screening.text import plain_text
from handlers import admin_commands, commands, counterparty_commands
from handlers.slashcmd import parse_command
from storage.models import Deadline
from storage.models_licenses import PendingAnnouncement
from tests.conftest import FIXTURE_LIST, REPO
from tests.helpers import SlackDriver
from tests.test_slack_e2e import free_port

SECRET = "security-signing-secret"
ADMIN = "U0ADMIN"
INTERN = "U0INTERN"
WATCHED = "C0WATCHED"
ALERTS = "C0ALERTS"


# ---- a store with something of every kind to change ---------------------------------------------


@pytest.fixture
def svc_env():
    return {"CANWESHIP_ADMINS": ADMIN, "CANWESHIP_ALERT_CHANNEL": ALERTS}


@pytest.fixture
def svc_commands():
    return [
        [
            "extension",
            "add",
            "Seeded GL",
            "--expires",
            "2099-01-31",
            "--party",
            "Huawei",
            "--activity",
            "networks",
        ],
        ["license", "add", "D1111111", "--party", "Huawei", "--scope", "routers"],
        ["admins", "add", "U0OTHER00"],
        ["watch", WATCHED],
        ["counterparty", "add", "Seeded Co", "--country", "DE"],
    ]


@pytest.fixture
def slack(svc, fake) -> SlackDriver:
    return SlackDriver(svc, fake, secret=SECRET, user=INTERN, channel=WATCHED, token="xoxb-sec")


# Delivery bookkeeping, not data: every command, refused or not, is recorded as received (the
# intake) and as answered (its claim), so that it is answered exactly once.
DELIVERIES = {"intake", "processed_event"}


def store_contents(engine) -> dict[str, list[str]]:
    """Every row of every data table, as text: any insert, update or delete shows up."""
    out = {}
    with Session(engine) as session:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            if name in DELIVERIES:
                continue
            out[name] = sorted(repr(tuple(row)) for row in session.execute(select(table)))
    return out


# ---- 1. signatures on every route ---------------------------------------------------------------


@pytest.fixture
def wsgi_app(database_url, monkeypatch, capsys):
    from bot.runtime import wsgi

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-sec")
    with FakeSlackAPI() as fake:
        monkeypatch.setenv("SLACK_API_URL", fake.url)
        assert main(["import", str(FIXTURE_LIST)]) == 0
        capsys.readouterr()
        monkeypatch.setattr(wsgi, "_state", {})
        yield wsgi.application, fake


def call_wsgi(app, method: str, path: str, body: str = "", headers: dict | None = None):
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
    setup_testing_defaults(environ)
    data = body.encode()
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    status: list[str] = []
    chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
    return int(status[0].split()[0]), b"".join(chunks).decode()


ROUTES = [
    (method, path)
    for method in ("GET", "POST", "PUT", "DELETE")
    for path in (
        "/slack/events",
        "/slack/events/",
        "/",
        "/healthz",
        "/slack/install",
        "/slack/oauth_redirect",
        "/slack/commands",
        "/admin",
    )
    if (method, path) != ("GET", "/healthz")
]


def _requests(fake: FakeSlackAPI) -> list[tuple[str, str, dict[str, str]]]:
    """(fault, body, headers): an event, a slash command and the URL handshake, each spoiled."""
    out = []
    for build in (
        lambda **kw: wire.event_callback(wire.message_im("is Dahua on the list"), **kw),
        lambda **kw: wire.slash_command(
            "/canweship", "admins add <@U0EVIL0000>", response_url=fake.response_url("x"), **kw
        ),
        lambda **kw: wire.url_verification("echo-me-back", **kw),
    ):
        body, headers = build(secret="not-the-secret")
        out.append(("bad-signature", body, headers))
        body, headers = build(secret=SECRET, timestamp=int(time.time()) - 600)
        out.append(("stale", body, headers))
        body, headers = build(secret=SECRET)
        unsigned = {k: v for k, v in headers.items() if not k.lower().startswith("x-slack")}
        out.append(("unsigned", body, unsigned))
    return out


def test_every_route_but_healthz_refuses_unsigned_spoofed_or_stale_requests(wsgi_app, svc_engine):
    app, fake = wsgi_app
    before = store_contents(svc_engine)
    for method, path in ROUTES:
        for fault, body, headers in _requests(fake):
            status, text = call_wsgi(app, method, path, body, headers)
            assert status in (401, 404), (method, path, fault, status)
            assert "echo-me-back" not in text
    status, text = call_wsgi(app, "GET", "/healthz")
    assert status == 200 and json.loads(text)["ok"] is True
    assert SECRET not in text and "xoxb" not in text
    time.sleep(0.2)
    assert fake.calls() == []
    assert store_contents(svc_engine) == before


def test_a_signed_request_is_only_dispatched_on_slack_events(wsgi_app):
    app, _ = wsgi_app
    for path in ("/", "/healthz", "/slack/commands", "/admin"):
        body, headers = wire.event_callback(wire.message_im("is Dahua on the list"), secret=SECRET)
        assert call_wsgi(app, "POST", path, body, headers)[0] == 404
    body, headers = wire.url_verification("echo-me-back", secret=SECRET)
    status, text = call_wsgi(app, "POST", "/slack/events", body, headers)
    assert status == 200 and "echo-me-back" in text  # the control: a valid request works


@pytest.fixture
def svc_engine(database_url):
    from storage.db import get_engine

    return get_engine(database_url)


# ---- 2. admins only ----------------------------------------------------------------------------

# Valid commands, so that a missing check would really change something.
MUTATING_EXAMPLES = {
    ("extension", "add"): "extension add New GL --expires 2099-02-28 --party Huawei --activity x",
    ("extension", "extend"): "extension extend Seeded GL --expires 2099-06-30",
    ("extension", "lapse"): "extension lapse Seeded GL",
    ("extension", "remove"): "extension remove Seeded GL",
    ("license", "add"): "license add D2222222 --party Hikvision --scope cameras",
    ("license", "revoke"): "license revoke D1111111",
    ("admins", "add"): "admins add <@U0EVIL0000>",
    ("admins", "remove"): "admins remove <@U0OTHER00>",
    ("watch", ""): "watch <#C0NEW|new>",
    ("unwatch", ""): f"unwatch <#{WATCHED}|licenses>",
    ("country", "set"): 'country set DE embargoed "because"',
    ("audit", "export"): "audit export",
    ("counterparty", "add"): "counterparty add Globex Trading --country DE",
    ("counterparty", "remove"): "counterparty remove Seeded Co",
}
ACTION_WORDS = sorted(
    {"", "add", "remove", "extend", "lapse", "revoke", "set", "export", "list", "show", "import"}
    | set(admin_commands.MUTATING_EXTENSION_ACTIONS)
    | set(counterparty_commands.MUTATING)
)


def mutating_commands() -> list[str]:
    """Every (sub-command, action) the registry says changes data, as a command to type."""
    found = []
    for name in sorted(commands.SUBCOMMANDS):
        for action in ACTION_WORDS:
            text = f"{name} {action} Something --country DE".replace("  ", " ")
            cmd = parse_command(text)
            if any(check(cmd.name, cmd) for check in commands.ADMIN_CHECKS):
                canonical = {"extensions": "extension", "licenses": "license", "admin": "admins"}
                key = (canonical.get(name, name), action)
                key = key if key in MUTATING_EXAMPLES else (key[0], "")
                found.append(MUTATING_EXAMPLES.get(key) or text)
    return sorted(set(found))


def test_the_registry_flags_every_command_known_to_change_data():
    flagged = mutating_commands()
    assert set(MUTATING_EXAMPLES.values()) <= set(flagged)
    assert len(flagged) >= len(MUTATING_EXAMPLES)


def test_every_mutating_sub_command_is_refused_to_a_non_admin(slack, svc):
    before = store_contents(svc.engine)
    for text in mutating_commands():
        reply = slack.command(text, user=INTERN)
        assert "Only canweship admins" in reply and "Nothing was changed" in reply, (text, reply)
    assert store_contents(svc.engine) == before
    assert slack.fake.uploads() == []  # no audit export either


def test_the_same_commands_work_for_an_admin(slack, svc):
    """The control: the refusals above are not an accident of bad arguments."""
    changed = []
    for text in MUTATING_EXAMPLES.values():
        before = store_contents(svc.engine)
        reply = slack.command(text, user=ADMIN)
        assert "Only canweship admins" not in reply, (text, reply)
        if store_contents(svc.engine) != before or slack.fake.uploads():
            changed.append(text)
    assert changed == list(MUTATING_EXAMPLES.values())


def test_read_only_sub_commands_change_nothing_for_anyone(slack, svc):
    before = store_contents(svc.engine)
    for name in sorted(commands.SUBCOMMANDS):
        if name == "screen":  # screening writes its answer to the audit log, by design
            continue
        for action in ACTION_WORDS:
            text = f"{name} {action}".strip()
            cmd = parse_command(text)
            if not any(check(cmd.name, cmd) for check in commands.ADMIN_CHECKS):
                slack.command(text, user=INTERN)
    assert store_contents(svc.engine) == before


def _pending_id(slack: SlackDriver) -> int:
    slack.say("BIS approved our license for Hikvision replacement cameras!")
    with Session(slack.svc.engine) as session:
        (pending,) = session.execute(select(PendingAnnouncement)).scalars()
    return int(pending.id)


def _deadline_id(svc) -> int:
    with Session(svc.engine) as session:
        return int(
            session.execute(select(Deadline.id).where(Deadline.kind == "extension")).scalar_one()
        )


def test_buttons_and_modals_that_change_data_refuse_non_admins(slack, svc):
    pending = str(_pending_id(slack))
    deadline = str(_deadline_id(svc))
    before = store_contents(svc.engine)
    for action_id, value in (
        ("reminder_extend", deadline),
        ("reminder_lapse", deadline),
        ("reminder_snooze", deadline),
        ("license_undo", "D1111111"),
        ("announce_confirm", pending),
        ("announce_ignore", pending),
        ("announce_edit", pending),
    ):
        slack.click(action_id, value)
        (reply,) = slack.fake.calls("response_url")
        assert "Only canweship admins" in reply.params["text"], action_id
        assert slack.fake.calls("views.open") == [] and slack.fake.calls("chat.postMessage") == []
    from handlers.announcements import EDIT_MODAL
    from handlers.reminders import EXTEND_MODAL

    date = {"type": "datepicker", "selected_date": "2099-12-31"}
    text = {"type": "plain_text_input", "value": "D3333333"}
    for callback_id, metadata, values in (
        (EXTEND_MODAL, deadline, {"expires": {"value": date}}),
        (EDIT_MODAL, pending, {"number": {"value": text}}),
    ):
        response = slack.dispatch(
            wire.view_submission(
                callback_id, values, secret=SECRET, user_id=INTERN, private_metadata=metadata
            )
        )
        doc = json.loads(response.body)
        assert doc["response_action"] == "errors"
        assert "Only canweship admins" in next(iter(doc["errors"].values()))
    assert store_contents(svc.engine) == before


# ---- 3. secrets never logged ---------------------------------------------------------------


def a_notice() -> ReminderNotice:
    now = datetime.now(UTC)
    return ReminderNotice(
        reminder_id=1,
        deadline_id=1,
        kind="license",
        ref_id=1,
        title="License D1111111 expires",
        due=now.date() + timedelta(days=7),
        days_left=7,
        offset_days=7,
        due_at=now,
        late=False,
    )


def test_tokens_and_secrets_never_reach_the_logs_in_process(svc, caplog):
    token = "xoxb-" + secrets.token_hex(12)
    signing = "sig-" + secrets.token_hex(12)
    caplog.set_level(logging.DEBUG)
    with FakeSlackAPI() as fake:
        client = make_client(token, fake.url)
        app = create_app(svc, client=client, signing_secret=signing, process_before_response=True)
        fake.fail_next("chat.postMessage", status=200, error="invalid_auth")
        fake.fail_next("chat.postMessage", status=429, retry_after=0)
        for text in ("is Dahua on the list", "can we ship routers to Huawei Technologies?"):
            body, headers = wire.event_callback(wire.message_im(text), secret=signing)
            app.dispatch(BoltRequest(body=body, headers=headers))
        bad = wire.event_callback(wire.message_im("hi"), secret="wrong")
        assert app.dispatch(BoltRequest(body=bad[0], headers=bad[1])).status == 401
        from handlers.reminders import SlackNotifier

        fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
        with pytest.raises(SlackApiError, match="not_in_channel"):
            SlackNotifier(client, "America/New_York").post_reminder(
                channel=ALERTS, thread_ts=None, notice=a_notice()
            )
    logged = (
        "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
        + caplog.text
    )
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert "chat.postMessage" in logged  # the API calls and their errors were logged...
    assert token not in logged and signing not in logged  # ...without the credentials
    assert token[5:] not in logged and signing[4:] not in logged


@pytest.mark.slow
def test_tokens_and_secrets_never_reach_the_server_output(database_url, tmp_path):
    token = "xoxb-" + secrets.token_hex(12)
    signing = "sig-" + secrets.token_hex(12)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANWESHIP_", "DATA"))
    }
    with FakeSlackAPI() as fake:
        env.update(
            DATABASE_URL=database_url,
            CANWESHIP_DATA_DIR=str(tmp_path / "data"),
            CANWESHIP_LOG_LEVEL="DEBUG",
            SLACK_BOT_TOKEN=token,
            SLACK_SIGNING_SECRET=signing,
            SLACK_API_URL=fake.url,
            WEB_CONCURRENCY="1",
        )
        bot = [sys.executable, "-m", "bot"]
        imported = subprocess.run(
            [*bot, "import", str(FIXTURE_LIST)], env=env, capture_output=True, text=True
        )
        port = free_port()
        out = (tmp_path / "server.log").open("w+")
        server = subprocess.Popen(
            [*bot, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, server)
            fake.fail_next("chat.postMessage", status=500, times=4)  # outlasts the retries
            fake.fail_next("chat.postMessage", status=200, error="invalid_auth")
            for text in ("is Dahua on the list", "is Hikvision on the list"):
                _post(url, *wire.event_callback(wire.message_im(text), secret=signing))
            _post(url, *wire.event_callback(wire.message_im("x"), secret="wrong"))
            _post(
                url,
                *wire.slash_command(
                    "/canweship", "status", secret=signing, response_url=fake.response_url("s")
                ),
            )
            fake.wait_for("response_url", timeout=15)
            fake.wait_for(lambda c: c.method == "chat.postMessage", count=6, timeout=20)
        finally:
            server.terminate()
            server.wait(timeout=20)
        out.seek(0)
        logged = out.read() + imported.stdout + imported.stderr
    assert "DEBUG" in logged and "invalid_auth" in logged
    assert token not in logged and signing not in logged
    assert token[5:] not in logged and signing[4:] not in logged


def _wait_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or still opening the store on its first request
        time.sleep(0.1)
    pytest.fail("server did not start")


def _post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url + "/slack/events", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# ---- 3b. local mode: `serve` without a token still checks every signature -----------------------


def _local_env(database_url: str, tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANWESHIP_", "DATA"))
    }
    env.update(
        DATABASE_URL=database_url,
        CANWESHIP_DATA_DIR=str(tmp_path / "data"),
        WEB_CONCURRENCY="1",
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(FIXTURE_LIST)], env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    return env


def _start(env: dict[str, str], log, *host: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *host, "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, server)
    return server, url


@pytest.mark.slow
def test_serve_without_a_token_answers_signed_requests_locally_and_refuses_the_rest(
    database_url, tmp_path
):
    env = _local_env(database_url, tmp_path)
    log = (tmp_path / "server.log").open("w+")
    server, url = _start(env, log)  # no --host: local mode listens on loopback only
    try:
        port = int(url.rsplit(":", 1)[1])
        listening = [
            line.split()[1]
            for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            if line.split()[3] == "0A" and line.split()[1].endswith(f":{port:04X}")
        ]
        assert listening and all(a.startswith("0100007F:") for a in listening), listening
        secret_file = tmp_path / "data" / "run" / "local-signing-secret"
        secret = secret_file.read_text().strip()
        assert len(secret) >= 32 and secret_file.stat().st_mode & 0o077 == 0
        question = wire.message_im("is Dahua on the list?")
        assert _post(url, *wire.event_callback(question, secret=secret)) == 200
        assert _post(url, *wire.event_callback(question, secret="guessed")) == 401
        body, headers = wire.event_callback(question, secret=secret)
        unsigned = {k: v for k, v in headers.items() if not k.lower().startswith("x-slack")}
        assert _post(url, body, unsigned) == 401
        # The helper for trying it by hand signs with the secret the server wrote.
        from bot.localslack.send import main as send

        assert send(["--url", url, "/canweship status"]) == 0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            log.seek(0)
            logged = log.read()
            if "== License required ==" in logged and "*Screening list*" in logged:
                break
            time.sleep(0.2)
        assert "canweship (only visible to you) (local, not sent to Slack):" in logged
        assert "canweship (in D0LOCALUSER) (local, not sent to Slack):" in logged
        assert logged.count("== License required ==") == 1  # only the signed request
        assert "SLACK_BOT_TOKEN is not set: serving in local mode" in logged
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    time.sleep(1.0)  # the fake Web API it started leaves with it
    leftover = subprocess.run(["pgrep", "-f", f"local_api.*--parent {server.pid}"])
    assert leftover.returncode == 1


@pytest.mark.slow
def test_serve_without_a_token_posts_to_a_local_fake_named_by_slack_api_url(database_url, tmp_path):
    with FakeSlackAPI() as fake:
        env = _local_env(
            database_url, tmp_path, SLACK_API_URL=fake.url, SLACK_SIGNING_SECRET=SECRET
        )
        log = (tmp_path / "server.log").open("w+")
        server, url = _start(env, log, "--host", "127.0.0.1")
        try:
            question = wire.message_im("is Dahua on the list?")
            assert _post(url, *wire.event_callback(question, secret=SECRET)) == 200
            assert _post(url, *wire.event_callback(question, secret="guessed")) == 401
            (posted,) = fake.wait_for("chat.postMessage", timeout=20)
            assert posted.params["text"].startswith("License required")
            assert posted.token and posted.token.startswith("xoxb-local")
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


@pytest.mark.parametrize(
    "extra, refusal",
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not"),
        ({"SLACK_API_URL": "https://slack-gov.com/api/"}, "SLACK_BOT_TOKEN must be set"),
        ({"SLACK_BOT_TOKEN": "xoxb-real"}, "SLACK_SIGNING_SECRET must be set"),
    ],
)
def test_serve_refuses_what_looks_like_a_real_deployment_missing_a_credential(
    monkeypatch, capsys, extra, refusal
):
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    assert refusal in capsys.readouterr().err


# ---- 4. user text is escaped wherever it is echoed ---------------------------------------------

EVIL = "<!channel> <!here> <https://evil.example/login|bank> @everyone @channel"
# What would ping or link if it reached Slack as is (escaped text shows `&lt;!channel&gt;` and a
# zero-width joiner after the `@`).
FORBIDDEN = re.compile(r"<!|<https://evil|\|bank>|@(?:channel|here|everyone)\b")


def _all_posted(fake: FakeSlackAPI) -> str:
    return json.dumps([c.params for c in fake.calls() if c.method != "chat.getPermalink"])


def test_user_text_is_escaped_in_every_echo(slack):
    fake = slack.fake
    # answers in a DM, in a thread and through /canweship
    slack.dispatch(
        wire.event_callback(
            wire.message_im(f"can we ship routers to Huawei Technologies {EVIL}?"), secret=SECRET
        )
    )
    slack.dispatch(
        wire.event_callback(wire.app_mention(f"is {EVIL} Hikvision on the list?"), secret=SECRET)
    )
    # not understood: hints
    slack.dispatch(
        wire.event_callback(wire.message_im(f"can we ship {EVIL} routers?"), secret=SECRET)
    )
    slack.dispatch(wire.event_callback(wire.app_mention(f"ship {EVIL} to the moon"), secret=SECRET))
    seen = _all_posted(fake)
    for text in (
        f"screen Huawei Technologies {EVIL} --country CN",
        f'screen Huawei --country "{EVIL}"',
        f"screen Huawei --{EVIL}",
        f'extension add "GL {EVIL}" --expires 2099-01-31 --party Huawei --activity "{EVIL}"',
        f'extension extend "{EVIL}" --expires 2099-01-31',
        f'license add D4444444 --party "Huawei {EVIL}" --scope "{EVIL}"',
        f"license show {EVIL}",
        f"{EVIL} can we ship routers to Huawei?",
    ):
        reply = slack.command(text, user=ADMIN)
        assert reply, text
        seen += _all_posted(fake)
    # announcements: a clear one (summary + Undo), an uncertain one (Record this?)
    fake.clear()
    slack.say(
        f"BIS approved license D5555555 for Huawei Technologies {EVIL} — routers {EVIL}, "
        "valid until 2099-11-20"
    )
    slack.say(f"BIS approved our license for Hikvision {EVIL} replacement cameras!")
    assert len(fake.calls("chat.postMessage")) == 2
    seen += _all_posted(fake)
    assert seen.count("@\\u200dchannel") > 10  # the text was echoed...
    assert not FORBIDDEN.findall(seen), FORBIDDEN.findall(seen)[:5]  # ...but inert


def test_counterparty_replies_escape_the_name(slack):
    seen = ""
    for text in (f'counterparty add "Globex {EVIL}"', f'counterparty remove "Globex {EVIL}"'):
        slack.command(text, user=ADMIN)
        seen += _all_posted(slack.fake)
    assert not FORBIDDEN.findall(seen), FORBIDDEN.findall(seen)[:5]


def test_windows_1252_quotes_read_as_latin_1_are_read_as_meant():
    """'CAST Xi\\x92an Spaceflight Engine Factory' (as the list file writes it) is one name with
    an apostrophe, not two names split by a control character; NEL stays a line break."""
    assert plain_text("CAST Xi\x92an Spaceflight") == "CAST Xi’an Spaceflight"
    assert plain_text("\x93Acme\x94 \x96 ok") == "“Acme” – ok"
    assert plain_text("a\x85b", lines=True) == "a\nb"
    assert plain_text("a\x81b") == "a b"  # undefined in Windows-1252: still a control
