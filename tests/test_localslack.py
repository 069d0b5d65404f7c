"""The local Slack stand-in must be indistinguishable from Slack to slack_sdk and Bolt.

If these payloads or responses drift from Slack's, every handler test built on them lies; so each
builder is checked against slack_sdk's own signature verifier and Bolt's own request parsing, and
the fake Web API is driven by an unmodified WebClient, retry handlers included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# ServerErrorRetryHandler is not re-exported from slack_sdk.http_retry (3.47).
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier

from bot.localslack import FakeSlackAPI, wire
from bot.localslack.remote import fetch_calls, reset_remote

SECRET = "local-signing-secret"
TOKEN = "xoxb-test"


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bolt reads SLACK_* implicitly; a developer's real settings must not leak into these tests.
    import os

    for name in [n for n in os.environ if n.startswith("SLACK_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def app(fake: FakeSlackAPI) -> App:
    # client= only (Bolt warns if token= is also given); auth.test goes to the fake, lazily.
    return App(
        signing_secret=SECRET,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=True,
        client=WebClient(base_url=fake.url, token=TOKEN),
    )


def dispatch(app: App, built: tuple[str, dict[str, str]]) -> Any:
    body, headers = built
    return app.dispatch(BoltRequest(body=body, headers=headers))


def every_kind(fake: FakeSlackAPI) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "message_im": wire.event_callback(wire.message_im("can we ship?"), secret=SECRET),
        "app_mention": wire.event_callback(
            wire.app_mention("screen Acme", channel="C1"), secret=SECRET
        ),
        "channel_message": wire.event_callback(
            wire.channel_message("hi", channel="C1"), secret=SECRET
        ),
        "message_changed": wire.event_callback(
            wire.message_changed("C1", "1.000001", "new", previous_text="old"), secret=SECRET
        ),
        "message_deleted": wire.event_callback(
            wire.message_deleted("C1", "1.000001", "old"), secret=SECRET
        ),
        "app_home_opened": wire.event_callback(wire.app_home_opened(), secret=SECRET),
        "reaction_added": wire.event_callback(
            wire.reaction_added("white_check_mark", item_ts="1.000001"), secret=SECRET
        ),
        "url_verification": wire.url_verification("abc", secret=SECRET),
        "slash_command": wire.slash_command(
            "/canweship", "screen Acme", secret=SECRET, response_url=fake.response_url()
        ),
        "block_actions": wire.block_actions(
            [wire.button("approve", "lic-1")],
            secret=SECRET,
            channel_id="C1",
            response_url=fake.response_url(),
        ),
        "view_submission": wire.view_submission(
            "license_form", {"b": {"a": {"type": "plain_text_input", "value": "x"}}}, secret=SECRET
        ),
    }


# ---- signing -------------------------------------------------------------------------------------


def test_every_builder_is_signed_as_slack_signs(fake: FakeSlackAPI) -> None:
    verifier = SignatureVerifier(SECRET)
    for kind, (body, headers) in every_kind(fake).items():
        assert verifier.is_valid_request(body, headers), kind
        assert not SignatureVerifier("other-secret").is_valid_request(body, headers), kind
        assert headers["Content-Type"] in (wire.JSON_CONTENT_TYPE, wire.FORM_CONTENT_TYPE)


def test_a_stale_timestamp_fails_verification_and_bolt_refuses_it(app: App) -> None:
    stale = int(time.time()) - 6 * 60
    body, headers = wire.event_callback(wire.message_im("hi"), secret=SECRET, timestamp=stale)
    assert headers["X-Slack-Request-Timestamp"] == str(stale)
    verifier = SignatureVerifier(SECRET)
    assert not verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert dispatch(app, (body, headers)).status == 401


def test_sign_is_hmac_sha256_over_v0_timestamp_body() -> None:
    headers = wire.sign("body", SECRET, timestamp=1531420618)
    expected = SignatureVerifier(SECRET).generate_signature(timestamp="1531420618", body="body")
    assert headers == {"X-Slack-Request-Timestamp": "1531420618", "X-Slack-Signature": expected}


def test_a_redelivery_repeats_the_body_with_retry_headers_and_a_fresh_signature() -> None:
    body, _ = wire.event_callback(wire.message_im("hi"), secret=SECRET, timestamp=1)
    again, headers = wire.redelivery(body, secret=SECRET, retry_num=2)
    assert again == body
    assert headers["X-Slack-Retry-Num"] == "2" and headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert SignatureVerifier(SECRET).is_valid_request(again, headers)
    _, direct = wire.event_callback(wire.message_im("hi"), secret=SECRET, retry_num=1)
    assert direct["X-Slack-Retry-Num"] == "1"


def test_events_have_slacks_envelope_and_unique_ids() -> None:
    first, _ = wire.event_callback(wire.app_mention("hi", channel="C1"), secret=SECRET)
    second, _ = wire.event_callback(wire.app_mention("hi", channel="C1"), secret=SECRET)
    envelope, other = json.loads(first), json.loads(second)
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["event_id"] != other["event_id"]
    assert envelope["event"]["ts"] < other["event"]["ts"]
    assert envelope["authorizations"][0]["user_id"] == wire.BOT_USER_ID
    assert envelope["event"]["text"] == f"<@{wire.BOT_USER_ID}> hi"
    mention = envelope["event"]["blocks"][0]["elements"][0]["elements"][0]
    assert mention == {"type": "user", "user_id": wire.BOT_USER_ID}


# ---- Bolt parses every kind ----------------------------------------------------------------------


def test_bolt_routes_each_event_kind_to_its_listener(app: App, fake: FakeSlackAPI) -> None:
    seen: list[str] = []

    def hit(kind: str) -> Callable[..., None]:
        return lambda: seen.append(kind)

    app.message("ship")(hit("message_im"))
    app.event("app_mention")(hit("app_mention"))
    app.event({"type": "message", "subtype": "message_changed"})(hit("message_changed"))
    app.event({"type": "message", "subtype": "message_deleted"})(hit("message_deleted"))
    app.message("hi")(hit("channel_message"))
    app.event("app_home_opened")(hit("app_home_opened"))
    app.event("reaction_added")(hit("reaction_added"))
    wanted = ["message_im", "app_mention", "message_changed", "message_deleted"]
    wanted += ["channel_message", "app_home_opened", "reaction_added"]
    events = {kind: every_kind(fake)[kind] for kind in wanted}
    for kind, built in events.items():
        response = dispatch(app, built)
        assert response.status == 200, (kind, response.body)
        assert seen[-1:] == [kind]
    assert fake.calls("auth.test"), "Bolt resolved the bot identity through the fake"


def test_bolt_ignores_the_bots_own_messages(app: App) -> None:
    seen: list[str] = []
    app.message("")(lambda: seen.append("echo"))
    dispatch(app, wire.event_callback(wire.message_im("hi", user=wire.BOT_USER_ID), secret=SECRET))
    assert seen == []


def test_url_verification_is_answered_with_the_challenge(app: App) -> None:
    response = dispatch(app, wire.url_verification("3eZbrw1aBm2rZgRNFdxV", secret=SECRET))
    assert response.status == 200 and "3eZbrw1aBm2rZgRNFdxV" in response.body


def test_a_slash_command_reaches_its_listener_and_respond_is_recorded(
    app: App, fake: FakeSlackAPI
) -> None:
    @app.command("/canweship")
    def handle(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack()
        respond(f"screened {command['text']} for {command['user_name']}")

    response = dispatch(app, every_kind(fake)["slash_command"])
    assert response.status == 200
    [posted] = fake.posted_messages()
    assert posted.method == "response_url"
    assert posted.text == f"screened screen Acme for {wire.USER_NAME}"


def test_a_button_click_reaches_its_action_and_can_replace_the_message(
    app: App, fake: FakeSlackAPI
) -> None:
    @app.action("approve")
    def handle(ack: Any, respond: Any, action: dict[str, Any], body: dict[str, Any]) -> None:
        ack()
        respond(
            text=f"approved {action['value']} in {body['channel']['id']}", replace_original=True
        )

    url = fake.response_url("click", channel="C1")
    built = wire.block_actions(
        [wire.button("approve", "lic-1")], secret=SECRET, channel_id="C1", response_url=url
    )
    assert dispatch(app, built).status == 200
    [posted] = fake.posted_messages()
    assert (posted.channel, posted.text, posted.replace_original) == (
        "C1",
        "approved lic-1 in C1",
        True,
    )


def test_a_modal_submission_reaches_its_view_listener_with_state_values(app: App) -> None:
    got: dict[str, Any] = {}

    @app.view("license_form")
    def handle(ack: Any, view: dict[str, Any]) -> None:
        got.update(view["state"]["values"])
        got["meta"] = view["private_metadata"]
        ack(response_action="clear")

    values = {"number": {"input": {"type": "plain_text_input", "value": "D123456"}}}
    built = wire.view_submission("license_form", values, secret=SECRET, private_metadata="lic-7")
    response = dispatch(app, built)
    assert response.status == 200 and json.loads(response.body) == {"response_action": "clear"}
    assert got == {**values, "meta": "lic-7"}


def test_a_listener_replying_in_thread_is_recorded_with_channel_and_thread(
    app: App, fake: FakeSlackAPI
) -> None:
    @app.event("app_mention")
    def handle(event: dict[str, Any], say: Any) -> None:
        say(text="on it", thread_ts=event["ts"])

    body, headers = wire.event_callback(
        wire.app_mention("screen Acme", channel="C9"), secret=SECRET
    )
    dispatch(app, (body, headers))
    [posted] = fake.posted_messages()
    assert (posted.channel, posted.text) == ("C9", "on it")
    assert posted.thread_ts == json.loads(body)["event"]["ts"]


# ---- the fake Web API ----------------------------------------------------------------------------


def test_web_client_posts_are_recorded_with_blocks_decoded(fake: FakeSlackAPI) -> None:
    client = WebClient(base_url=fake.url, token=TOKEN)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*clear*"}}]
    sent = client.chat_postMessage(channel="C1", text="clear", blocks=blocks, thread_ts="1.5")
    # A form-encoded body carries blocks as a JSON string; the fake must decode it.
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)}
    )
    client.chat_postEphemeral(channel="C1", user="U1", text="only you")

    first, second, ephemeral = fake.posted_messages()
    assert (first.channel, first.text, first.blocks, first.thread_ts) == (
        "C1",
        "clear",
        blocks,
        "1.5",
    )
    assert first.ts == sent["ts"] and sent["message"]["blocks"] == blocks
    assert second.blocks == blocks and second.ts > first.ts
    assert (ephemeral.method, ephemeral.user) == ("chat.postEphemeral", "U1")
    assert fake.calls("chat.postMessage")[0].token == TOKEN


def test_the_fake_answers_the_methods_the_bot_uses(fake: FakeSlackAPI) -> None:
    client = WebClient(base_url=fake.url, token=TOKEN)
    assert client.auth_test()["user_id"] == wire.BOT_USER_ID
    dm = client.conversations_open(users=wire.USER_ID)["channel"]["id"]
    assert dm == wire.DM_CHANNEL_ID
    assert client.chat_postMessage(channel=wire.USER_ID, text="hi")["channel"] == dm
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"]
    assert link.endswith("/archives/C1/p1700000000000100")
    assert client.chat_update(channel="C1", ts="1.2", text="new")["ts"] == "1.2"
    assert client.chat_delete(channel="C1", ts="1.2")["ok"]
    assert client.reactions_add(channel="C1", timestamp="1.2", name="eyes")["ok"]
    view = client.views_open(trigger_id="t", view={"type": "modal", "callback_id": "f"})["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "f"
    fake.add_user("U7", "ada", real_name="Ada Lovelace")
    assert client.users_info(user="U7")["user"]["real_name"] == "Ada Lovelace"
    assert client.conversations_info(channel="C1")["channel"]["is_channel"]

    client.files_upload_v2(
        channel="C1", content="a,b\n1,2\n", filename="report.csv", title="Report"
    )
    [upload] = fake.uploads()
    assert (upload["filename"], upload["channel"], upload["data"]) == (
        "report.csv",
        "C1",
        "a,b\n1,2\n",
    )


def test_bad_tokens_and_unknown_methods_fail_like_slack(fake: FakeSlackAPI) -> None:
    with pytest.raises(SlackApiError) as bad_token:
        WebClient(base_url=fake.url, token="xoxp-user").chat_postMessage(channel="C1", text="x")
    assert bad_token.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as unknown:
        WebClient(base_url=fake.url, token=TOKEN).api_call("chat.teleport")
    assert unknown.value.response["error"] == "unknown_method"
    with pytest.raises(SlackApiError) as no_text, pytest.warns(UserWarning, match="`text`"):
        WebClient(base_url=fake.url, token=TOKEN).chat_postMessage(channel="C1")
    assert no_text.value.response["error"] == "no_text"
    assert fake.posted_messages() == []


def test_rate_limits_are_survived_by_slack_sdks_retry_handler(fake: FakeSlackAPI) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        base_url=fake.url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    assert client.chat_postMessage(channel="C1", text="after the limit")["ok"]
    limited, accepted = fake.calls("chat.postMessage")
    assert (limited.status, limited.error, accepted.status) == (429, "ratelimited", 200)
    assert [m.text for m in fake.posted_messages()] == ["after the limit"]


def test_server_errors_are_survived_by_slack_sdks_retry_handler(fake: FakeSlackAPI) -> None:
    fake.fail_next("views.publish", status=500, times=2)
    quick = FixedValueRetryIntervalCalculator(0.01)
    handler = ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick)
    client = WebClient(base_url=fake.url, token=TOKEN, retry_handlers=[handler])
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
    assert [c.status for c in fake.calls("views.publish")] == [500, 500, 200]


def test_an_injected_api_error_surfaces_as_slack_api_error(fake: FakeSlackAPI) -> None:
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    client = WebClient(base_url=fake.url, token=TOKEN)
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="C404", text="x")
    assert client.chat_postMessage(channel="C404", text="x")["ok"]


def test_wait_for_blocks_until_a_late_call_arrives_and_explains_timeouts(
    fake: FakeSlackAPI,
) -> None:
    fake.delay("chat.postMessage", 0.1)
    client = WebClient(base_url=fake.url, token=TOKEN)
    worker = threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": "x"})
    worker.start()
    assert fake.calls("chat.postMessage") == []
    [call] = fake.wait_for("chat.postMessage", timeout=2)
    assert call.params["text"] == "x"
    worker.join()
    with pytest.raises(TimeoutError, match=r"chat\.postMessage\(200\)"):
        fake.wait_for(lambda c: c.method == "views.open", timeout=0.05)
    fake.clear()
    assert fake.calls() == []


def test_another_process_can_read_and_reset_calls_over_http(fake: FakeSlackAPI) -> None:
    WebClient(base_url=fake.url, token=TOKEN).chat_postMessage(channel="C1", text="remote")
    [call] = fetch_calls(fake.url, method="chat.postMessage")
    assert (call.params["text"], call.token, call.ok) == ("remote", TOKEN, True)
    reset_remote(fake.url)
    assert fetch_calls(fake.url) == []


def test_the_standalone_fake_prints_each_call_as_a_json_line() -> None:
    cmd = [sys.executable, "-m", "bot.localslack.fake_api", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = proc.stderr.readline()  # type: ignore[union-attr]
        url = banner.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/"), banner
        WebClient(base_url=url, token=TOKEN).chat_postMessage(channel="C1", text="bench")
        line = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        assert (line["method"], line["params"]["text"]) == ("chat.postMessage", "bench")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=5)
    assert proc.returncode == 0 and "Warning" not in err
