"""Bad input, generated: the parsers never raise, and every message gets exactly one reply.

Hypothesis feeds the question, announcement and slash-command parsers and the list readers with
random and mutated input, then dispatches random text as a DM, a mention and a slash command
through the real Bolt app (signed payloads, in-process) and counts what the fake Slack API got.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.announcements.parse import Announcement, parse_announcement
from bot.answers import questions
from bot.answers.questions import Question, parse_question
from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI
from bot.runtime.app import create_app
from handlers.slashcmd import CommandSyntaxError, SlashCommand, parse_command
from storage.csl import ListFormatError, ParsedList, read_bytes
from tests.conftest import FIXTURE_LIST, SHARED_DATA

SECRET = "fuzz-secret"
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces people (and attackers) really type, so the generator reaches the grammar's corners.
FRAGMENTS = (
    "can we ship",
    "ok to export",
    "is",
    "on the list",
    "to",
    "in",
    "for",
    "200 routers",
    "EAR99 cables",
    "Huawei Technologies",
    "Hikvision",
    "Acme & Sons",
    "Iran",
    "Crimea",
    "CN",
    "?",
    "--country",
    "--item",
    "--party",
    '"',
    "“",
    "'",
    "<!channel>",
    "<!here>",
    "@everyone",
    "<@U0ADMIN>",
    "<#C123|general>",
    "<https://evil.example|bank>",
    "&amp;",
    "&lt;",
    "*bold*",
    "`code`",
    "```",
    "\u202e",
    "\u200d",
    "\x00",
    "\n",
    "help",
    "screen",
    "license",
    "extension",
    "admins",
    "watch",
    "country",
    "audit",
    "status",
    "deadlines",
    "BIS approved license D1234567 for",
    "denied",
    "revoked",
    "valid until 2099-11-20",
    "Z123456",
)
slack_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=14).map(
    " ".join
)


# ---- parsers -------------------------------------------------------------------------------------


@FUZZ
@given(slack_text)
def test_the_question_parser_never_raises(text):
    # parse_question has a safety net; the grammar itself must not need it.
    parsed = questions._parse(text)
    assert isinstance(parsed, Question)
    assert isinstance(parse_question(text), Question)
    if parsed.understood:
        assert parsed.party or parsed.destination


@FUZZ
@given(st.text(max_size=300))
def test_the_question_parser_never_raises_on_arbitrary_unicode(text):
    assert isinstance(questions._parse(text), Question)


@FUZZ
@given(slack_text, st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_the_announcement_parser_never_raises(text, today):
    found = parse_announcement(text, today=today)
    assert found is None or isinstance(found, Announcement)
    if found is not None:
        assert found.decision in {"granted", "denied", "returned", "revoked"}
        assert found.confidence in {"clear", "uncertain"}


@FUZZ
@given(st.one_of(slack_text, st.text(max_size=200)))
def test_the_slash_command_parser_parses_or_says_why(text):
    try:
        cmd = parse_command(text)
    except CommandSyntaxError as exc:
        assert str(exc)
        return
    assert isinstance(cmd, SlashCommand)
    assert cmd.name == cmd.name.lower()
    assert all(isinstance(v, list) and v for v in cmd.options.values())


# ---- list readers --------------------------------------------------------------------------------


def _seeds() -> list[bytes]:
    seeds = [FIXTURE_LIST.read_bytes()]
    csv_path = SHARED_DATA / "csl_composite.csv"
    if csv_path.exists():
        with csv_path.open("rb") as fh:
            seeds.append(b"".join(fh.readline() for _ in range(8)))
    else:  # a minimal CSV in the official layout
        seeds.append(
            b'"_id","source","name","addresses","alt_names"\n'
            b'"1","Entity List (EL) - Bureau of Industry and Security","Acme","Beijing, CN",""\n'
        )
    return seeds


SEEDS = _seeds()


@st.composite
def mutated_list(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "dup"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "truncate":
            del data[at:]
        elif op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b'"', b",", b"{", b"]", b"\n", b"\xff", b"null"]))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 80))]
    out = bytes(data)
    return gzip.compress(out) if draw(st.booleans()) else out


def _read_or_refuse(data: bytes) -> None:
    try:
        parsed = read_bytes(data, origin="fuzz.json")
    except ListFormatError as exc:
        assert str(exc).startswith("fuzz.json")
        return
    assert isinstance(parsed, ParsedList)
    assert parsed.records and all(r.name and r.source for r in parsed.records)


@FUZZ
@given(mutated_list())
def test_a_damaged_list_parses_or_is_refused_with_a_format_error(data):
    _read_or_refuse(data)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_with_a_format_error(data):
    _read_or_refuse(data)


# ---- through the app: one reply per message, no escaped exception ----------------------------


@pytest.fixture
def app(svc, fake):
    return create_app(
        svc,
        client=WebClient(token="xoxb-fuzz", base_url=fake.url),
        signing_secret=SECRET,
        process_before_response=True,
    )


REPLIES = ("chat.postMessage", "chat.postEphemeral", "response_url")


class Errors(logging.Handler):
    """Every ERROR record from any logger: Bolt reports escaped listener exceptions this way."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _dispatch_one(app, fake: FakeSlackAPI, errors: Errors, payload) -> None:
    fake.clear()
    errors.records.clear()
    body, headers = payload
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 200
    replies = [c for c in fake.calls() if c.method in REPLIES]
    assert len(replies) == 1, [(c.method, c.params.get("text")) for c in fake.calls()]
    assert replies[0].ok, replies[0].response
    assert not errors.records, [r.getMessage() for r in errors.records]


@FUZZ
@given(text=slack_text)
def test_any_dm_gets_exactly_one_reply(app, fake, errors, text):
    assume(text.strip())  # Slack sends no message event for an empty message
    _dispatch_one(app, fake, errors, wire.event_callback(wire.message_im(text), secret=SECRET))


@FUZZ
@given(text=slack_text)
def test_any_mention_gets_exactly_one_reply(app, fake, errors, text):
    _dispatch_one(app, fake, errors, wire.event_callback(wire.app_mention(text), secret=SECRET))


@FUZZ
@given(text=st.one_of(slack_text, st.text(max_size=120)))
def test_any_slash_command_gets_exactly_one_reply(app, fake, errors, text):
    payload = wire.slash_command(
        "/canweship", text, secret=SECRET, response_url=fake.response_url("fuzz")
    )
    _dispatch_one(app, fake, errors, payload)
