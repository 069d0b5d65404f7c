"""End to end over real HTTP: the Procfile's server command, signed Slack requests, a fake Web API.

`canweship serve` (granian) runs as a separate process on loopback; its WebClient talks to a
FakeSlackAPI through SLACK_API_URL; we send requests in Slack's wire format and assert on what
the bot posted.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI
from tests.conftest import BACKENDS, FIXTURE_LIST, REPO, store_url
from tests.helpers import bot_process_env

pytestmark = pytest.mark.slow
SECRET = "e2e-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bot:
    def __init__(self, url: str, fake: FakeSlackAPI) -> None:
        self.url = url
        self.fake = fake
        self.env: dict[str, str] = {}

    def cli(self, *args: str) -> str:
        """Run `canweship ARGS` against the same store as the server; return stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            self.url + "/slack/events", data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    """One server per backend for the module; each test starts with a clean fake API."""
    tmp_path = tmp_path_factory.mktemp("e2e")
    for database_url in store_url(request.param, tmp_path):
        yield from _serve(database_url, tmp_path)


@pytest.fixture
def bot(server: Bot) -> Bot:
    server.fake.reset()
    return server


def _serve(database_url: str, tmp_path: Path) -> Iterator[Bot]:
    with FakeSlackAPI() as fake:
        env = bot_process_env(
            database_url,
            tmp_path,
            fake,
            SLACK_BOT_TOKEN="xoxb-e2e",
            SLACK_SIGNING_SECRET=SECRET,
            CANWESHIP_ADMINS="U0ADMIN",
        )
        canweship = [sys.executable, "-m", "bot"]
        subprocess.run(
            [*canweship, "import", str(FIXTURE_LIST)], env=env, check=True, capture_output=True
        )
        port = free_port()
        log = (tmp_path / "server.log").open("w")
        server = subprocess.Popen(
            [*canweship, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        b = Bot(f"http://127.0.0.1:{port}", fake)
        b.env = env
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if b.get("/healthz")[0] == 200:
                        break
                except (urllib.error.URLError, ConnectionError):
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start:\n" + (tmp_path / "server.log").read_text())
                time.sleep(0.1)
            yield b
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()


def test_healthz_needs_no_signature_and_reports_the_list(bot):
    status, doc = bot.get("/healthz")
    assert status == 200
    assert doc["ok"] is True and doc["list_version"].startswith("v1-")


def test_a_dm_question_gets_a_verdict(bot):
    event = wire.message_im("can we ship 200 routers to Huawei Technologies in Shenzhen?")
    status, _ = bot.post(*wire.event_callback(event, secret=SECRET))
    assert status == 200
    call = bot.fake.wait_for("chat.postMessage")[0]
    assert call.params["channel"] == wire.DM_CHANNEL_ID
    assert call.params["text"].startswith("License required: Huawei Technologies")
    assert "84 FR 22963" in json.dumps(call.params["blocks"])


def test_a_mention_is_answered_in_a_thread(bot):
    event = wire.app_mention("ok to export EAR99 cables to Hikvision?", user="U2", channel="C9")
    bot.post(*wire.event_callback(event, secret=SECRET))
    call = bot.fake.wait_for("chat.postMessage")[0]
    assert call.params["channel"] == "C9"
    assert call.params["thread_ts"] == event["ts"]
    assert "Hangzhou Hikvision Digital Technology" in call.params["text"]


def test_a_slash_command_answers_through_the_response_url(bot):
    body, headers = wire.slash_command(
        "/canweship",
        "screen Huawei Technologies --country CN",
        secret=SECRET,
        response_url=bot.fake.response_url("r1"),
    )
    status, _ = bot.post(body, headers)
    assert status == 200
    reply = bot.fake.wait_for("response_url")[0]
    assert reply.params["text"].startswith("License required")
    assert reply.params["response_type"] == "ephemeral"


def test_iran_is_prohibited(bot):
    event = wire.message_im("can we sell laptops to a distributor in Iran")
    bot.post(*wire.event_callback(event, secret=SECRET))
    call = bot.fake.wait_for("chat.postMessage")[0]
    assert call.params["text"].startswith("Prohibited")


def test_a_retried_event_is_answered_once(bot):
    event = wire.message_im("is Dahua on the list")
    body, headers = wire.event_callback(event, secret=SECRET)
    assert bot.post(body, headers)[0] == 200
    retry_body, retry_headers = wire.redelivery(body, secret=SECRET, retry_num=1)
    assert bot.post(retry_body, retry_headers)[0] == 200
    bot.fake.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(bot.fake.calls("chat.postMessage")) == 1


@pytest.mark.parametrize("fault", ["bad-signature", "stale-timestamp", "no-signature"])
def test_unsigned_or_stale_requests_get_401_and_nothing_is_posted(bot, fault):
    event = wire.message_im("can we ship routers to Huawei?")
    if fault == "stale-timestamp":
        body, headers = wire.event_callback(event, secret=SECRET, timestamp=int(time.time()) - 600)
    elif fault == "bad-signature":
        body, headers = wire.event_callback(event, secret="not-the-secret")
    else:
        body, headers = wire.event_callback(event, secret=SECRET)
        headers = {k: v for k, v in headers.items() if not k.lower().startswith("x-slack")}
    status, _ = bot.post(body, headers)
    assert status == 401
    time.sleep(0.3)
    assert bot.fake.posted_messages() == []


def test_a_question_that_is_not_understood_gets_a_hint_and_no_verdict(bot):
    event = wire.app_mention("can we ship routers?", user="U3", channel="C7")
    bot.post(*wire.event_callback(event, secret=SECRET))
    call = bot.fake.wait_for("chat.postEphemeral")[0]
    assert call.params["user"] == "U3"
    assert "Try:" in call.params["text"]
    assert bot.fake.calls("chat.postMessage") == []


def test_a_license_announced_in_a_watched_channel_authorizes_the_next_answer(bot):
    bot.cli("watch", "C0LIC")
    text = (
        "BIS approved license D1234567 for Huawei Technologies Co., Ltd. — LTE spare parts "
        "for existing networks, destination China, valid until 2099-11-20"
    )
    event = wire.channel_message(text, user="U0ANNOUNCER", channel="C0LIC")
    assert bot.post(*wire.event_callback(event, secret=SECRET))[0] == 200
    bot.fake.wait_for("reactions.add")
    (record,) = json.loads(bot.cli("licenses", "list", "--json"))
    assert (record["number"], record["decision"], record["valid_until"]) == (
        "D1234567",
        "granted",
        "2099-11-20",
    )
    question = wire.message_im(
        "can we ship LTE spare parts to Huawei Technologies in China for existing networks?",
        user="U0ASKER",
        channel="D0ASKER",
    )
    bot.post(*wire.event_callback(question, secret=SECRET))
    answer = bot.fake.wait_for(
        lambda c: c.method == "chat.postMessage" and c.params.get("channel") == "D0ASKER"
    )[0]
    assert answer.params["text"].startswith("Authorized")
    assert "D1234567" in answer.params["text"]

    refused_body, refused_headers = wire.slash_command(
        "/canweship",
        "license add D7777777 --party Hikvision --scope cameras",
        secret=SECRET,
        user_id="U0INTERN",
        response_url=bot.fake.response_url("r"),
    )
    bot.post(refused_body, refused_headers)
    reply = bot.fake.wait_for("response_url")[0]
    assert reply.params["text"].startswith("Only canweship admins can add licenses")
    assert [r["number"] for r in json.loads(bot.cli("licenses", "list", "--json"))] == ["D1234567"]

    audit = bot.cli("audit", "export")
    for action in ("watch.add", "license.record", "screen"):
        assert f",{action}," in audit, action
    assert "D7777777" not in audit
