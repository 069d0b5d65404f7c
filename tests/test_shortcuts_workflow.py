"""The message shortcut "Screen with canweship" and the Workflow Builder step "Screen a party"
(issue 19), driven by signed payloads of Slack's real shapes (`message_action`,
`function_executed`) against the fake Web API, on both stores."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.localslack import wire
from bot.localslack.recording import decode_json_field
from handlers.shortcuts import POST_IN_THREAD, SHORTCUT
from handlers.workflow import FAILED, FUNCTION
from storage.models import AuditEvent
from tests.helpers import SlackDriver

SECRET = "shortcut-secret"
USER = "U0BUYER01"
CHANNEL = "C0ORDERS"
REVIEWS = "C0REVIEW"
PO = "new PO from Huawei Technologies for 12 routers to China, can someone check?"


@pytest.fixture
def svc_env():
    return {"CANWESHIP_REVIEW_CHANNEL": REVIEWS}


@pytest.fixture
def slack(svc, fake):
    return SlackDriver(svc, fake, secret=SECRET, user=USER, channel=CHANNEL, token="xoxb-sc")


def audit(svc, action: str = "screen") -> list[AuditEvent]:
    with Session(svc.engine) as session:
        return list(
            session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        )


def use_shortcut(slack: SlackDriver, message: dict, channel: str = CHANNEL):
    slack.fake.clear()
    slack.dispatch(
        wire.message_action(
            SHORTCUT,
            message,
            secret=SECRET,
            user_id=USER,
            channel_id=channel,
            response_url=slack.fake.response_url("sc", channel=channel),
        )
    )
    (reply,) = slack.fake.calls("response_url")
    return reply


def buttons(params: dict) -> list[dict]:
    blocks = params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


# ---- the message shortcut ---------------------------------------------------------------------


def test_the_shortcut_answers_the_message_as_a_question_only_to_its_user(slack, svc):
    message = wire.channel_message(PO, user="U0SALES02", channel=CHANNEL)
    reply = use_shortcut(slack, message)
    assert reply.params["response_type"] == "ephemeral"
    assert "Huawei Technologies" in reply.params["text"]
    # Nothing was posted for everyone.
    assert slack.fake.calls("chat.postMessage") == []

    # Exactly the answer a DM with the same words gets.
    slack.fake.clear()
    slack.dispatch(wire.event_callback(wire.message_im(PO, user=USER), secret=SECRET))
    (dm,) = slack.fake.calls("chat.postMessage")
    assert dm.params["text"] == reply.params["text"]

    (shortcut_row, _dm_row) = audit(svc)
    assert shortcut_row.actor == USER and shortcut_row.channel == CHANNEL


def test_post_in_thread_posts_the_answer_for_everyone_in_the_messages_thread(slack, svc):
    message = wire.channel_message(PO, user="U0SALES02", channel=CHANNEL)
    reply = use_shortcut(slack, message)
    (post,) = buttons(reply.params)
    assert post["action_id"] == POST_IN_THREAD

    calls = slack.click(POST_IN_THREAD, post["value"])
    (posted,) = [c for c in calls if c.method == "chat.postMessage"]
    assert posted.params["channel"] == CHANNEL
    assert posted.params["thread_ts"] == message["ts"]
    assert posted.params["text"] == reply.params["text"]
    (done,) = [c for c in calls if c.method == "response_url"]
    assert done.params["text"] == "Posted in the thread."


def test_post_in_thread_where_the_bot_is_not_says_how_to_fix_it(slack):
    reply = use_shortcut(slack, wire.channel_message(PO, channel=CHANNEL))
    (post,) = buttons(reply.params)
    slack.fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    calls = slack.click(POST_IN_THREAD, post["value"])
    (told,) = [c for c in calls if c.method == "response_url"]
    assert "invite me" in told.params["text"]
    assert not [c for c in calls if c.method == "chat.postMessage" and c.ok]


def test_the_shortcut_on_a_message_without_text_says_so_and_screens_nothing(slack, svc):
    message = wire.channel_message("", channel=CHANNEL)
    reply = use_shortcut(slack, message)
    assert "no text to screen" in reply.params["text"]
    assert audit(svc) == []


def test_a_message_that_names_no_party_gets_the_hint_and_no_button(slack, svc):
    reply = use_shortcut(slack, wire.channel_message("lunch at noon?", channel=CHANNEL))
    assert buttons(reply.params) == []
    assert reply.params["response_type"] == "ephemeral"


# ---- the Workflow Builder step ----------------------------------------------------------------


def run_step(slack: SlackDriver, inputs: dict, *, event_id: str | None = None) -> dict:
    event = wire.function_executed(FUNCTION, inputs, title="Screen a party")
    slack.fake.clear()
    slack.dispatch(wire.event_callback(event, secret=SECRET, event_id=event_id))
    return event


def completion(slack: SlackDriver, event: dict):
    (call,) = [c for c in slack.fake.calls() if c.method.startswith("functions.complete")]
    assert call.params["function_execution_id"] == event["function_execution_id"]
    assert call.token == event["bot_access_token"]  # the step's own token, as Slack requires
    return call


def test_the_step_completes_with_the_verdict_and_a_summary(slack, svc):
    event = run_step(
        slack,
        {"party_name": "Huawei Technologies Co., Ltd.", "country": "China", "item": "routers"},
    )
    call = completion(slack, event)
    assert call.method == "functions.completeSuccess"
    outputs = decode_json_field(call.params["outputs"])
    assert outputs["verdict"] == "license_required"
    assert "Huawei Technologies Co., Ltd." in outputs["summary"]
    assert "Entity List" in outputs["summary"]
    (row,) = audit(svc)
    assert row.subject == "Huawei Technologies Co., Ltd." and row.verdict == "license_required"


def test_an_uncertain_party_opens_a_case_and_the_step_links_to_it(slack, svc):
    event = run_step(slack, {"party_name": "Zhejiang Dahau Tech"})
    call = completion(slack, event)
    outputs = decode_json_field(call.params["outputs"])
    assert outputs["verdict"] == "review"
    (posted,) = [m for m in slack.fake.posted_messages(REVIEWS)]
    assert outputs["case_link"].endswith(f"/archives/{REVIEWS}/p{posted.ts.replace('.', '')}")


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ({"party_name": "  "}, "Party name"),
        ({"party_name": "Acme GmbH", "country": "Narnia"}, "Unknown country “Narnia”"),
    ],
)
def test_bad_inputs_complete_the_step_with_an_error(slack, svc, inputs, says):
    event = run_step(slack, inputs)
    call = completion(slack, event)
    assert call.method == "functions.completeError"
    assert says in call.params["error"]
    assert audit(svc) == []


def test_a_failure_completes_the_step_with_an_error_never_leaves_it_hanging(
    slack, svc, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(svc.screener, "screen", broken)
    event = run_step(slack, {"party_name": "Acme GmbH"})
    call = completion(slack, event)
    assert (call.method, call.params["error"]) == ("functions.completeError", FAILED)


def test_a_redelivered_step_is_screened_and_completed_once(slack, svc):
    event = wire.function_executed(FUNCTION, {"party_name": "Acme GmbH", "country": "DE"})
    body, _ = wire.event_callback(event, secret=SECRET, event_id="Ev0STEP1")
    slack.fake.clear()
    slack.dispatch(wire.event_callback(event, secret=SECRET, event_id="Ev0STEP1"))
    slack.dispatch(wire.redelivery(body, secret=SECRET))
    calls = [c for c in slack.fake.calls() if c.method.startswith("functions.complete")]
    assert [c.method for c in calls] == ["functions.completeSuccess"]
    assert decode_json_field(calls[0].params["outputs"])["verdict"] == "clear"
    assert len(audit(svc)) == 1
