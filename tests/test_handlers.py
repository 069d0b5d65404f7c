"""Listeners dispatched in-process with signed payloads: escaping, Home tab, failures, fast acks."""

from __future__ import annotations

import json
import time

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.localslack import wire
from bot.runtime.app import create_app

SECRET = "handler-secret"


def make_app(services, fake, *, sync=True):
    client = WebClient(token="xoxb-test", base_url=fake.url)
    return create_app(services, client=client, signing_secret=SECRET, process_before_response=sync)


def dispatch(app, payload):
    body, headers = payload
    return app.dispatch(BoltRequest(body=body, headers=headers))


def dm(text: str, user: str = wire.USER_ID):
    return wire.event_callback(wire.message_im(text, user=user), secret=SECRET)


def test_user_text_cannot_ping_the_channel_or_forge_links(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("can we ship routers to <!channel> Huawei Technologies <!here>?"))
    dispatch(app, dm("can we ship routers to <https://evil.example/login|Huawei Technologies>?"))
    posted = fake.calls("chat.postMessage")
    assert len(posted) == 2
    raw = json.dumps([c.params for c in posted])
    for forbidden in ("<!channel>", "<!here>", "<https://evil", "|Huawei"):
        assert forbidden not in raw
    assert "License required" in posted[1].params["text"]


def test_a_dm_that_is_not_a_question_gets_a_hint_not_a_verdict(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("can we ship routers?"))
    (call,) = fake.calls("chat.postMessage")
    assert "Try:" in call.params["text"]
    assert "No verdict was given" in json.dumps(call.params["blocks"])


def test_the_bot_ignores_its_own_messages(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("is Dahua on the list", user=wire.BOT_USER_ID))
    assert fake.calls("chat.postMessage") == []


def test_a_crash_in_the_engine_is_answered_not_silent(services, fake, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("index corrupted")

    monkeypatch.setattr(services.screener, "_decide", boom)
    app = make_app(services, fake)
    dispatch(app, dm("is Dahua on the list"))
    (call,) = fake.calls("chat.postMessage")
    assert "Something went wrong" in call.params["text"]
    assert "index corrupted" not in json.dumps(call.params)


def test_home_tab_shows_my_recent_questions_and_the_list(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("is Hikvision on the list?", user="U77"))
    dispatch(app, dm("is ZTE Kangxun on the list?", user="U88"))
    dispatch(app, wire.event_callback(wire.app_home_opened("U77"), secret=SECRET))
    (call,) = fake.calls("views.publish")
    assert call.params["user_id"] == "U77"
    view = json.dumps(call.params["view"])
    assert "Hikvision" in view and "ZTE" not in view
    assert "license_required" in view
    assert "11 records" in view


@pytest.mark.parametrize(
    "payload",
    [
        lambda fake: dm("is Dahua on the list"),
        lambda fake: wire.slash_command(
            "/canweship", "screen Dahua", secret=SECRET, response_url=fake.response_url("x")
        ),
    ],
    ids=["event", "slash-command"],
)
def test_slack_gets_its_ack_before_slow_work(services, fake, monkeypatch, payload):
    real = services.screener._decide

    def slow(*args, **kwargs):
        time.sleep(3.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(services.screener, "_decide", slow)
    app = make_app(services, fake, sync=False)
    started = time.monotonic()
    response = dispatch(app, payload(fake))
    assert response.status == 200
    assert time.monotonic() - started < 1.0
    fake.wait_for(lambda c: c.method in ("chat.postMessage", "response_url"), timeout=10)


def test_slash_command_help_and_bad_quotes(services, fake):
    app = make_app(services, fake)
    url = fake.response_url("h")
    dispatch(app, wire.slash_command("/canweship", "help", secret=SECRET, response_url=url))
    dispatch(app, wire.slash_command("/canweship", 'screen "Acme', secret=SECRET, response_url=url))
    dispatch(
        app,
        wire.slash_command(
            "/canweship", "screen Acme --color red", secret=SECRET, response_url=url
        ),
    )
    texts = [c.params["text"] for c in fake.calls("response_url")]
    assert texts[0] == "How to ask canweship"
    assert "check your quotes" in texts[1]
    assert "Unknown option --color" in texts[2]


def test_slash_command_with_a_natural_question(services, fake):
    app = make_app(services, fake)
    dispatch(
        app,
        wire.slash_command(
            "/canweship",
            "can we ship cameras to Hikvision?",
            secret=SECRET,
            response_url=fake.response_url("q"),
        ),
    )
    (reply,) = fake.calls("response_url")
    assert reply.params["text"].startswith("License required")


def _screen_rows(svc) -> list:
    from sqlalchemy import select
    from sqlmodel import Session

    from storage.models import AuditEvent

    with Session(svc.engine) as session:
        return list(
            session.execute(select(AuditEvent).where(AuditEvent.action == "screen")).scalars()
        )


@pytest.mark.parametrize(
    "question", ["is Dahua on the list", "can we ship routers?"], ids=["screened", "hint"]
)
def test_a_redelivered_event_gets_one_reply_and_one_audit_row(svc, fake, question):
    """A screened answer claims the event with its audit row; a hint claims it on its own."""
    app = make_app(svc, fake)
    body, headers = dm(question)
    dispatch(app, (body, headers))
    dispatch(app, wire.redelivery(body, secret=SECRET, retry_num=1))
    dispatch(app, wire.redelivery(body, secret=SECRET, retry_num=2))
    assert len(fake.calls("chat.postMessage")) == 1
    assert len(_screen_rows(svc)) == (1 if question.startswith("is") else 0)


def test_concurrent_deliveries_of_one_event_get_one_reply(svc, fake):
    import threading

    app = make_app(svc, fake)
    body, headers = dm("is Dahua on the list")
    deliveries = [(body, headers)] + [
        wire.redelivery(body, secret=SECRET, retry_num=n) for n in (1, 2, 3)
    ]
    threads = [threading.Thread(target=dispatch, args=(app, d)) for d in deliveries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (answer,) = fake.calls("chat.postMessage")
    assert answer.params["text"].startswith("License required")
    assert len(_screen_rows(svc)) == 1
