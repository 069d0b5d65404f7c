"""Reading whole messages (issue 14): parties and places anywhere, chatter trimmed, ask back.

Against the demo list (storage/fixtures/demo_csl.json: Huawei affiliates, Hikvision, Dahua,
ZTE Kangxun, ...) with the default destination policies (Iran, Cuba, North Korea embargoed).
"""

from __future__ import annotations

import json

import pytest

from bot.answers.ask import ANSWER, NOT_UNDERSTOOD, ask
from bot.answers.screener import Requester
from bot.cli.main import main
from bot.localslack import wire
from tests import test_handlers
from tests.test_handlers import SECRET, dispatch, dm, make_app

ME = Requester(actor="U1", kind="cli")


# The store with the demo list and the fake Slack Web API, as the handler tests have them.
services = test_handlers.services
fake = test_handlers.fake


@pytest.fixture
def screener(services):
    return services.screener


@pytest.mark.parametrize(
    "text",
    [
        # words after the party are not part of it
        "Huawei Technologies Co Ltd.. good to go?",
        # the party anywhere, in phrasings the grammar does not know
        "we got a PO from Hangzhou Hikvision Digital Technology for 12 cameras. Is that allowed?",
        "customer Zhejiang Dahua Technology wants 1500 sensors, can we?",
        "Zhejiang Dahua Technology — are we ok to ship cameras?",
        "new distributor Huawei Device Co: cleared to ship?",
        "heads up, sales is pushing an order for Huawei Technologies Japan K.K., thoughts?",
    ],
)
def test_a_listed_party_anywhere_in_the_message_is_found(screener, text):
    answer = ask(screener, text, ME)
    assert answer.kind == ANSWER
    assert answer.verdict not in (None, "clear")
    assert answer.outcome.decision.top is not None  # the record behind the verdict is named


def test_every_party_named_is_screened(screener):
    text = "can we ship to Acme Widgets GmbH and Hangzhou Hikvision Digital Technology?"
    answer = ask(screener, text, ME)
    screened = {o.request.party for o in answer.outcomes}
    assert {"Acme Widgets GmbH", "Hangzhou Hikvision Digital Technology"} <= screened
    assert answer.verdict == "license_required"
    assert "Screened" in answer.screened_line() and "Hangzhou Hikvision" in answer.screened_line()


@pytest.mark.parametrize(
    "text",
    [
        "Clear: Acme Trading in Iran asks for pumps",
        "pumps for Acme Trading, they are based in Tehran",
        "Acme Trading (IR) wants 20 pumps",
        "any issue with 20 pumps to Acme Trading? it's going to North Korea",
    ],
)
def test_an_embargoed_destination_anywhere_is_never_clear(screener, text):
    answer = ask(screener, text, ME)
    assert answer.verdict not in (None, "clear"), answer.problem
    assert answer.verdict in ("prohibited", "review")


def test_a_restricted_place_that_may_not_be_the_destination_caps_at_review(screener):
    answer = ask(screener, "can we ship pumps from Iran to Acme Widgets GmbH in Germany?", ME)
    assert answer.verdict == "review"
    assert any("Iran" in r for r in answer.outcome.decision.reasons)


def test_clean_questions_are_answered_clear_with_what_was_screened(screener):
    text = "hi! can we ship 200 laptops to Acme Widgets GmbH in Germany? thanks"
    answer = ask(screener, text, ME)
    assert answer.verdict == "clear"
    line = answer.screened_line()
    assert line == "Screened “Acme Widgets GmbH” · destination Germany · item laptops"


def test_a_sign_off_is_not_a_party(screener):
    answer = ask(screener, "can we ship routers to Acme Widgets GmbH, thanks Bob", ME)
    assert [o.request.party for o in answer.outcomes] == ["Acme Widgets GmbH"]


def test_words_that_could_be_a_party_ask_back_never_clear(screener):
    answer = ask(screener, "Kestrel Optics or Bluefin Marine, which one is ok for the pumps?", ME)
    assert answer.kind in (NOT_UNDERSTOOD, ANSWER)
    assert answer.verdict != "clear"
    if answer.kind == NOT_UNDERSTOOD:
        assert answer.guesses


def test_ask_back_offers_guesses_as_buttons_and_a_guess_can_be_screened(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("Kestrel Optics or Bluefin Marine, which one is ok for the pumps?"))
    (post,) = fake.calls("chat.postMessage")
    actions = [b for b in post.params["blocks"] if b["type"] == "actions"]
    if not actions:  # answered instead (a party found): then it must not be clear
        assert "Clear" not in post.params["text"]
        return
    button = actions[0]["elements"][0]
    assert button["action_id"] == "screen_guess"
    value = json.loads(button["value"])
    url = fake.response_url("g")
    payload = wire.block_actions(
        [wire.button("screen_guess", button["value"])],
        secret=SECRET,
        channel_id=post.params["channel"],
        response_url=url,
    )
    dispatch(app, payload)
    (reply,) = fake.calls("response_url")
    assert value["party"] in json.dumps(reply.params)


def test_a_follow_up_in_the_thread_reuses_item_and_destination(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("can we ship routers to Acme Widgets GmbH in Germany?"))
    dispatch(app, dm("what about Hangzhou Hikvision?"))
    dispatch(app, dm("and to Iran?"))
    posts = fake.calls("chat.postMessage")
    assert len(posts) == 3
    follow = json.dumps(posts[1].params["blocks"], ensure_ascii=False)
    assert "Hangzhou Hikvision" in follow and "item routers" in follow and "Germany" in follow
    last = json.dumps(posts[2].params["blocks"], ensure_ascii=False)
    assert "Prohibited" in posts[2].params["text"] and "Iran" in last


def test_ask_cli_json_and_file(services, capsys, tmp_path):
    assert main(["ask", "is Zhejiang Dahua Technology on the list?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["understood"] is True
    assert out["verdict"] == "license_required"
    assert out["parties"][0]["screened"] == "Zhejiang Dahua Technology"
    assert out["parties"][0]["matches"][0]["source"] == "EL"
    questions = tmp_path / "q.csv"
    questions.write_text(
        'id,question\n1,"can we ship to Acme Widgets GmbH in Germany?"\n2,"hi"\n'
        '3,"laptops for Huawei Device Co, line\u2028two"\n',
        encoding="utf-8",
    )
    assert main(["ask", "--file", str(questions)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["verdict"] for x in lines] == ["clear", None, "license_required"]
    assert lines[1]["understood"] is False
    assert lines[0]["destination"]["code"] == "DE"


def test_a_short_acronym_beside_a_party_is_screened_but_raises_no_doubt(screener):
    text = "RMA return to Acme Widgets GmbH (Netherlands) - replacement spare parts, any problem?"
    answer = ask(screener, text, ME)
    assert answer.verdict == "clear"
    assert {"RMA", "Acme Widgets GmbH"} <= {o.request.party for o in answer.outcomes}


def test_the_destination_is_the_place_said_most_clearly(screener):
    text = "customer Acme Widgets GmbH of Munich wants pumps, can we? they're in Havana, Cuba"
    answer = ask(screener, text, ME)
    assert answer.reading.destination is not None
    assert answer.reading.destination.country == "CU"
    assert answer.verdict == "prohibited"
