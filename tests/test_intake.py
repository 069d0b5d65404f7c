"""Durable intake (issue 18): every question is in the store before Slack is acknowledged, and a
question whose process died is answered, late, exactly once, by the sweeper of another process.

In process, on both stores; the kill -9 tests with real processes are in test_intake_kill.py.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from slack_bolt.request import BoltRequest
from sqlalchemy import select

from bot.localslack import wire
from bot.runtime.intake import Sweeper
from storage import intake
from storage.db import get_engine, upgrade
from storage.events import Completions, claim_event
from storage.models import AuditEvent, IntakeItem
from storage.models_licenses import License
from storage.types import utcnow
from tests.helpers import SlackDriver

SECRET = "intake-secret"
ADMIN = "U0ADMIN"
QUESTION = "can we ship 200 routers to Huawei Technologies in Shenzhen?"


@pytest.fixture
def svc_env() -> dict[str, str]:
    return {"CANWESHIP_ANSWER_LEASE": "2s", "CANWESHIP_ADMINS": ADMIN}


def _row(engine, key: str) -> IntakeItem | None:
    with engine.connect() as conn:
        return conn.execute(select(IntakeItem).where(IntakeItem.ref == key)).first()


def _dm(text: str, channel: str, event_id: str) -> tuple[str, dict[str, str]]:
    event = wire.message_im(text, channel=channel)
    return wire.event_callback(event, secret=SECRET, event_id=event_id)


# ---- the table and its claims ------------------------------------------------------------------


def test_a_question_is_recorded_once_and_taken_again_only_after_its_lease(database_url):
    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    lease = timedelta(seconds=60)
    t0 = utcnow()
    payload = {"event_id": "Ev1", "event": {"type": "app_mention", "text": "hi"}}
    assert intake.record(engine, key="Ev1", kind="event", payload=payload, owner="a", now=t0)
    assert not intake.record(engine, key="Ev1", kind="event", payload=payload, owner="b", now=t0)
    assert intake.claim_lapsed(engine, owner="b", lease=lease, now=t0 + timedelta(seconds=30)) == []
    (taken,) = intake.claim_lapsed(engine, owner="b", lease=lease, now=t0 + timedelta(seconds=61))
    assert taken.key == "Ev1" and taken.payload == payload and taken.kind == "event"
    assert intake.status_of(engine, "Ev1") == ("claimed", True)  # marked late
    # b holds it now: nobody else takes it within b's lease
    assert intake.claim_lapsed(engine, owner="c", lease=lease, now=t0 + timedelta(seconds=62)) == []


def test_released_questions_are_taken_at_once_and_answered_ones_never(database_url):
    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    lease = timedelta(minutes=5)
    for key in ("Ev1", "Ev2", "Ev3"):
        assert intake.record(engine, key=key, kind="event", payload={}, owner="a")
    completions = Completions(engine)
    completions.add("Ev3")  # answered: marked done with its event's completion
    assert completions.flush(10)
    assert intake.status_of(engine, "Ev3") == ("done", False)
    assert intake.release(engine, owner="someone else") == 0
    assert intake.release(engine, owner="a") == 2  # a stops: gives back what it has not answered
    taken = intake.claim_lapsed(engine, owner="b", lease=lease)
    assert sorted(t.key for t in taken) == ["Ev1", "Ev2"]
    much_later = utcnow() + timedelta(days=2)
    assert intake.prune(engine, older_than=timedelta(days=1), now=much_later) == 1


# ---- through the app -----------------------------------------------------------------------------


def test_a_question_is_in_the_store_before_slack_is_acknowledged(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user="U1")
    seen = {}
    real = slack.app.dispatch

    def dispatch(req: BoltRequest):
        response = real(req)
        seen["row"] = _row(svc.engine, "EvQ1")  # at the moment the ack is returned
        return response

    slack.app.dispatch = dispatch  # type: ignore[method-assign]
    slack.dispatch(_dm(QUESTION, "D0INTAKE1", "EvQ1"))
    assert seen["row"] is not None and seen["row"].claimed_by == svc.instance_id
    assert json.loads(seen["row"].payload)["event"]["text"] == QUESTION
    assert len(fake.posted_messages("D0INTAKE1")) == 1
    assert svc.completions.flush(10)
    assert intake.status_of(svc.engine, "EvQ1") == ("done", False)
    # Slack's retry (to this or another instance) is acknowledged and not answered again
    body, _ = _dm(QUESTION, "D0INTAKE1", "EvQ1")
    slack.dispatch(wire.redelivery(body, secret=SECRET))
    assert len(fake.posted_messages("D0INTAKE1")) == 1


def test_a_question_whose_process_died_after_the_ack_is_answered_late_once(svc, fake):
    dead = SlackDriver(svc, fake, secret=SECRET, user="U1")
    body, _ = _dm(QUESTION, "D0INTAKE2", "EvQ2")
    # The dead process wrote the question and acknowledged it, then died before answering.
    assert intake.record(
        svc.engine,
        key="EvQ2",
        kind="event",
        payload=json.loads(body),
        owner="dead",
        now=utcnow() - timedelta(seconds=3),
    )
    sweeper = Sweeper(svc, dead.app.client)
    assert sweeper.sweep() == 1
    (posted,) = fake.posted_messages("D0INTAKE2")
    assert posted.text.startswith("Late answer")
    assert "Huawei" in json.dumps(posted.blocks)
    assert sweeper.sweep() == 0  # and never again
    assert intake.status_of(svc.engine, "EvQ2") == ("done", True)
    assert len(fake.posted_messages("D0INTAKE2")) == 1


def test_a_question_whose_answer_was_recorded_but_not_posted_waits_for_the_event_lease(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user="U1")
    body, _ = _dm(QUESTION, "D0INTAKE3", "EvQ3")
    past = utcnow() - timedelta(seconds=3)
    assert intake.record(
        svc.engine, key="EvQ3", kind="event", payload=json.loads(body), owner="dead", now=past
    )
    # The dead process had claimed the event (with its audit row) a moment ago.
    lease = svc.settings.answer_lease
    assert claim_event(engine=svc.engine, event_id="EvQ3", owner="dead", lease=lease)
    sweeper = Sweeper(svc, slack.app.client)
    assert sweeper.sweep() == 0  # the event's own claim still holds: not answered twice
    assert fake.posted_messages("D0INTAKE3") == []
    assert intake.status_of(svc.engine, "EvQ3")[0] == "pending"  # released for the next sweep
    import time

    time.sleep(lease.total_seconds() + 0.2)
    assert sweeper.sweep() == 1
    assert len(fake.posted_messages("D0INTAKE3")) == 1


def _command_payload(svc, fake, text: str, user: str) -> dict:
    from urllib.parse import parse_qsl

    body, _ = wire.slash_command(
        "/canweship", text, secret=SECRET, user_id=user, response_url=fake.response_url("c")
    )
    return dict(parse_qsl(body))


def test_a_read_only_command_is_answered_late_and_a_change_is_not_redone(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user=ADMIN)
    past = utcnow() - timedelta(seconds=3)
    screen = _command_payload(svc, fake, "screen Huawei Technologies --country CN", "U1")
    change = _command_payload(
        svc, fake, "license add D1234567 --party Acme --scope routers --until 2099-01-01", ADMIN
    )
    for payload in (screen, change):
        assert intake.record(
            svc.engine,
            key=f"cmd:{payload['trigger_id']}",
            kind="command",
            payload=payload,
            owner="dead",
            now=past,
        )
    before = _count(svc.engine, AuditEvent), _count(svc.engine, License)
    assert Sweeper(svc, slack.app.client).sweep() == 2
    replies = [c.params["text"] for c in fake.calls("response_url")]
    assert len(replies) == 2 and all(r.startswith("Late answer") for r in replies)
    assert any("Huawei" in r for r in replies)
    assert any("may or may not have been applied" in r for r in replies)
    # the screen was answered (one audit row); the license was not added a second time
    assert _count(svc.engine, AuditEvent) == before[0] + 1
    assert _count(svc.engine, License) == before[1]
    assert Sweeper(svc, slack.app.client).sweep() == 0


def test_a_slash_command_goes_through_the_intake(svc, fake):
    slack = SlackDriver(svc, fake, secret=SECRET, user="U1")
    reply = slack.command("screen Huawei Technologies --country CN")
    assert "Huawei" in reply
    assert svc.completions.flush(10)
    with svc.engine.connect() as conn:
        rows = conn.execute(select(IntakeItem.ref, IntakeItem.kind, IntakeItem.status)).all()
    assert [(r.kind, r.status) for r in rows] == [("command", "done")]
    assert rows[0].ref.startswith("cmd:")


def _count(engine, model) -> int:
    from sqlalchemy import func

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_answer_slack_took_before_its_process_died_is_not_posted_again(svc, fake):
    from sqlalchemy import update

    from storage.models import ProcessedEvent

    slack = SlackDriver(svc, fake, secret=SECRET, user="U1")
    slack.dispatch(_dm(QUESTION, "D0INTAKE5", "EvQ5"))
    assert len(fake.posted_messages("D0INTAKE5")) == 1
    assert svc.completions.flush(10)
    # As if the process died right after Slack took the post, before marking it done.
    past = utcnow() - timedelta(seconds=10)
    with svc.engine.begin() as conn:
        conn.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id == "EvQ5")
            .values(completed_at=None, claimed_at=past, claimed_by="dead")
        )
        conn.execute(
            update(IntakeItem)
            .where(IntakeItem.ref == "EvQ5")
            .values(status="claimed", done_at=None, claimed_at=past, claimed_by="dead")
        )
    audits = _count(svc.engine, AuditEvent)
    Sweeper(svc, slack.app.client).sweep()
    assert len(fake.posted_messages("D0INTAKE5")) == 1  # found its answer in the conversation
    assert _count(svc.engine, AuditEvent) == audits  # and did not screen it again
    assert svc.completions.flush(10)
    assert intake.status_of(svc.engine, "EvQ5") == ("done", True)


def test_socket_mode_takes_the_same_path(svc, fake):
    """Socket Mode: Bolt runs the app, then sends the ack over the socket; the question is in the
    store by the time the app returns, and a redelivered envelope is not answered again."""
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app
    from slack_sdk.socket_mode.request import SocketModeRequest

    from bot.runtime.app import create_app, make_client

    app = create_app(svc, client=make_client("xoxb-socket", fake.url))
    body, _ = _dm(QUESTION, "D0SOCKET1", "EvS1")
    payload = json.loads(body)
    for retry in (0, 1):
        request = SocketModeRequest(
            type="events_api", envelope_id=f"env-{retry}", payload=payload, retry_attempt=retry
        )
        response = run_bolt_app(app, request)  # what is acknowledged over the socket
        assert response.status == 200
        assert intake.status_of(svc.engine, "EvS1") is not None  # stored before the ack
    fake.wait_for(lambda c: c.method == "chat.postMessage", timeout=10)
    time.sleep(0.5)
    assert len(fake.posted_messages("D0SOCKET1")) == 1
