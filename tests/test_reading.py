"""Reading whole messages (issue 14): parties and places anywhere, chatter trimmed, ask back.

Against the demo list (storage/fixtures/demo_csl.json: Huawei affiliates, Hikvision, Dahua,
ZTE Kangxun, ...) with the default destination policies (Iran, Cuba, North Korea embargoed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.answers.ask import ANSWER, NOT_UNDERSTOOD, ask
from bot.answers.questions import parse_question
from bot.answers.reading import FRAGMENT_SCORE, _stands_alone, read_message
from bot.answers.screener import Requester
from bot.cli.main import main
from bot.localslack import wire
from bot.screening.spans import LinkedSpan
from tests.conftest import FIXTURE_LIST
from tests.test_handlers import SECRET, dispatch, dm, make_app

ME = Requester(user="U1", kind="cli")


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
    answer = ask(screener, "Kestrel Optics asked if Bluefin Marine may get the pumps", ME)
    assert answer.kind in (NOT_UNDERSTOOD, ANSWER)
    assert answer.verdict != "clear"
    if answer.kind == NOT_UNDERSTOOD:
        assert answer.guesses


def test_names_given_as_a_list_are_each_screened(screener):
    """ "A or B", "A and B", "A / B" with nothing else that could be a party: each is screened
    and shown, so nothing is left unread."""
    for joined in (" or ", " and ", " / "):
        answer = ask(screener, f"Kestrel Optics{joined}Bluefin Marine, which one is ok?", ME)
        assert answer.kind == ANSWER, joined
        assert {"Kestrel Optics", "Bluefin Marine"} <= {o.request.party for o in answer.outcomes}
    listed = ask(screener, "we have orders from Kestrel Optics and Hikvision, ok?", ME)
    assert listed.verdict != "clear"


def test_ask_back_offers_guesses_as_buttons_and_a_guess_can_be_screened(services, fake):
    app = make_app(services, fake)
    dispatch(app, dm("Kestrel Optics asked if Bluefin Marine may get the pumps"))
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


# --- how names are written inside messages (issue 14, second pass) ----------------------------


def _read(text: str):
    return read_message(text, parse_question(text), None)


@pytest.mark.parametrize(
    ("text", "party", "country"),
    [
        # A question word written inside a name is part of it.
        (
            "can Ardmore Shipping Corporation in Monterrey, Mexico download our software?",
            "Ardmore Shipping Corporation",
            "MX",
        ),
        # A dash followed by more name words does not end the name.
        (
            "quick q - can we ship routers to inIT - Institut Industrial IT (India)?",
            "inIT - Institut Industrial",
            "IN",
        ),
        # Numbers and short acronyms between name words belong to the name.
        (
            "end user is Two Harbors Investments Corp 7.25% Series C Fixed, Bangalore. "
            "SFP transceivers, qty 50. can we?",
            "Two Harbors Investments Corp 7.25% Series C Fixed",
            "IN",
        ),
        (
            "end user is SuperX AI Technology Limited, Mexico. network switches. can we?",
            "SuperX AI Technology Limited",
            "MX",
        ),
        # A place after a full stop locates the party; a mention of the bot is no party.
        (
            "hey @canweship can we send lab centrifuges to ASE Technology Holding Co., Ltd. "
            "England",
            "ASE Technology Holding Co., Ltd.",
            "GB",
        ),
        # A city right before more name words begins the name; the place after it is where.
        (
            "ship-to: Hangzhou Xueji Technology Co., Ltd., iran / 50x power supplies — ok?",
            "Hangzhou Xueji Technology Co., Ltd.",
            "IR",
        ),
        # "from <place>" right after a name says where the party is.
        (
            "fyi GD Culture Group Limited from N Korea placed an order — power supplies.",
            "GD Culture Group Limited",
            "KP",
        ),
    ],
)
def test_names_are_read_whole_as_written(text, party, country):
    reading = _read(text)
    assert reading.parties[0] == party
    assert reading.destination is not None and reading.destination.country == country
    assert reading.understood
    assert "canweship" not in " ".join((*reading.parties, *reading.leftover))


def test_from_after_a_verb_is_still_an_origin():
    reading = _read("can we ship from Germany to Acme Ltd in France?")
    assert reading.destination is not None and reading.destination.country == "FR"


def test_a_list_of_names_nothing_else_each_screened():
    reading = _read(
        "we have orders from 10x Genomics, Inc. and CH4 Natural Solutions Corporation, "
        "both Singapore, can we ship?"
    )
    assert {"10x Genomics, Inc.", "CH4 Natural Solutions Corporation"} <= set(reading.parties)
    assert reading.understood and reading.destination.country == "SG"


def test_an_embargoed_place_after_the_party_decides(screener):
    answer = ask(
        screener, "ship-to: Hangzhou Xueji Technology Co., Ltd., iran / 50x power supplies", ME
    )
    assert answer.verdict == "prohibited"


def test_a_listed_acronym_inside_a_longer_name_is_review_at_most():
    """ "AIAI Holdings Corporation" around the listed acronym "AIAI" (an SDN alias): the acronym
    is screened beside the whole name, and its answer is capped at review."""
    from bot.answers.ask import _fragments
    from bot.answers.screener import ScreeningRequest
    from bot.screening.spans import LinkedSpan
    from tests.test_decision import match, run

    text = "fyi AIAI Holdings Corporation from Canada placed an order, ok?"
    at = text.index("AIAI")

    def linker(_text, _words):
        return [LinkedSpan("AIAI", at, at + 4, 100.0, "AIAI", identifying=True)]

    reading = read_message(text, parse_question(text), linker)
    assert set(reading.parties) == {"AIAI", "AIAI Holdings Corporation"}
    assert reading.fragments == ("AIAI",)
    listed = match("SDN", score=100, name="AL-ITIHAAD AL-ISLAMIYA", matched_name="AIAI")
    decisions = [run(party=p, matches=[listed] if p == "AIAI" else []) for p in reading.parties]
    acronym = decisions[reading.parties.index("AIAI")]
    assert acronym.verdict == "prohibited"
    requests = [ScreeningRequest(party=p, country="CA") for p in reading.parties]
    _fragments(reading, requests, decisions)
    assert acronym.verdict == "review" and "inside a longer name" in acronym.reasons[0]
    # Written alone, the acronym is the party: nothing is capped.
    alone = read_message("is AIAI listed?", parse_question("is AIAI listed?"), None)
    assert alone.fragments == ()


def test_a_quantity_before_jargon_is_no_name():
    reading = _read("ship-to: MBIA Inc., Texas / 12x SFP transceivers / PO#SO-2291 — ok?")
    assert reading.parties == ("MBIA Inc.",) and reading.understood
    assert reading.minor == ("SFP",)


@pytest.mark.parametrize(
    ("text", "party", "country"),
    [
        # A contraction of a question word is chatter, not a name.
        (
            "Can someone confirm Polaris Inc. is not restricted? They're in France.",
            "Polaris Inc.",
            "FR",
        ),
        # Days of the week are dates, not names.
        (
            "Any red flags for Forestar Group Inc? Deliver to Canada next Tuesday.",
            "Forestar Group Inc",
            "CA",
        ),
        # One common word opening a sentence is capitalised by grammar, not as a name.
        (
            "Checking before I invoice Karat Packaging Inc. in Australia for the support contract",
            "Karat Packaging Inc.",
            "AU",
        ),
    ],
)
def test_sentence_words_are_not_names(text, party, country):
    reading = _read(text)
    assert reading.parties == (party,)
    assert reading.destination is not None and reading.destination.country == country
    assert reading.understood


def test_several_numbers_between_name_words_belong_to_the_name():
    reading = _read(
        "Can someone confirm Lehman ABS 3.50 3.50% Adjustable Corp Backed Tr Certs GS Cap I "
        "is not restricted?"
    )
    assert reading.parties[0].startswith("Lehman ABS 3.50 3.50% Adjustable Corp")
    assert reading.understood


def test_a_long_name_of_common_words_beside_a_party_is_not_dropped(screener):
    text = "Hikvision says Northwest Institute of Nuclear Technology wants cameras"
    reading = read_message(text, parse_question(text), screener.linker())
    screened = {*reading.parties, *reading.leftover, *reading.minor}
    assert "Northwest Institute of Nuclear Technology" in screened


def test_a_title_case_connector_inside_a_name_is_part_of_it():
    reading = _read("RFQ from Drugs Made In America Acquisition Corp. (based in Italy), ok?")
    assert reading.parties[0] == "Drugs Made In America Acquisition Corp."
    assert reading.understood


def test_a_common_word_cut_off_by_chatter_is_not_a_party():
    reading = _read("Hello! New lead Rekor Systems, Inc., Japan. Any export concerns?")
    assert "New" not in reading.parties
    assert "Rekor Systems, Inc." in reading.parties


def test_a_name_alone_in_its_own_sentence_is_another_party(screener):
    text = "End customer is Acme GmbH in Canada. Distributor is Hikvision. Can we proceed?"
    answer = ask(screener, text, ME)
    assert answer.kind == ANSWER and answer.verdict == "license_required"
    clean = _read("End customer is Insteel Industries, Inc. in Mexico. Distributor is Arrow.")
    assert set(clean.parties) == {"Insteel Industries, Inc.", "Arrow"} and clean.understood


def test_a_sentence_full_stop_is_not_part_of_a_name(screener):
    answer = ask(screener, "End customer is Acme GmbH in Canada. Distributor is Hikvision.", ME)
    assert "Hikvision" in {o.request.party for o in answer.outcomes}
    kept = _read("we got an order from Acme Widgets Inc. Can we ship?")
    assert kept.parties[0] == "Acme Widgets Inc."
    assert _read("can we ship to U.S.A. Trading Co.?").parties[0].endswith("Co.")


# --- third corpus round (issue 14): places beside and inside names ------------------------------


@pytest.mark.parametrize(
    ("text", "party", "country"),
    [
        # "to <place>" is where the shipment goes, even when the grammar read on past it.
        ("shipping to DPRK for American Well Corporation tomorrow, any flags?", None, "KP"),
        ("shipping to Luhansk for Acme Widgets GmbH tomorrow, any flags?", None, "UA-09"),
        # A place right after a legal form locates the party; a capital initial before a name
        # in capitals is part of it.
        ("hey bot, A A TRADING FZCO United Arab Emirates ok?", "A A TRADING FZCO", "AE"),
        # "country: <place>" names the destination, before a place set off in parentheses.
        (
            "prospect: Transocean Ltd (Switzerland) | country: Luhansk | product: spare parts",
            "Transocean Ltd",
            "UA-09",
        ),
        (
            "prospect: Benchmark Electronics ( Thailand ) Public Company Limited | country: the "
            "DNR | product: oscilloscopes",
            "Benchmark Electronics ( Thailand ) Public Company Limited",
            "UA-14",
        ),
        # A place between name words and a legal form is part of the name.
        (
            "any export restrictions for PT Telekomunikasi Indonesia, Tbk, located in India?",
            "PT Telekomunikasi Indonesia, Tbk",
            "IN",
        ),
        (
            "anyone know if we can work with Sunrise Import and Export (Ningbo) Co., Ltd.? based "
            "in PRC",
            "Sunrise Import and Export (Ningbo) Co., Ltd.",
            "CN",
        ),
        # A letters-and-digits word before a legal form is a name.
        (
            "we want to onboard Bank7 Corp. (DPRK) as a reseller, are they clean?",
            "Bank7 Corp.",
            "KP",
        ),
    ],
)
def test_places_beside_and_inside_names(text, party, country):
    reading = _read(text)
    assert reading.destination is not None and reading.destination.code == country
    if party is not None:
        assert reading.parties[0] == party
    assert reading.understood


def test_a_part_of_a_list_that_names_no_one_is_not_screened():
    """ "One" of "One and One Green Technologies", "Tbk" of "…, Tbk": not parties of their own;
    the name as a whole is."""
    one = _read("One and One Green Technologies. INC (Stuttgart, Germany) - approved?")
    assert "One" not in one.parties and "One and One Green Technologies" in one.parties
    tbk = _read("is PT Telekomunikasi Indonesia, Tbk listed?")
    assert "Tbk" not in tbk.parties


def test_as_in_running_text_is_no_legal_form():
    reading = _read("we want to onboard YUGE Information Co. Ltd (Shenzhen) as a reseller, ok?")
    assert all(not p.endswith(" as") and "Shenzhen) as" not in p for p in reading.parties)
    assert reading.destination is not None and reading.destination.country == "CN"


def test_a_weak_match_of_part_of_a_longer_name_does_not_stand_alone():
    weak = LinkedSpan(
        "Scientific Corporation", 0, 22, FRAGMENT_SCORE - 1, "TRANS SCIENTIFIC CORP.", True
    )
    strong = LinkedSpan("Huawei Technologies", 0, 19, 100.0, "Huawei Technologies Co., Ltd.", True)
    assert not _stands_alone(weak)
    assert _stands_alone(strong)


@pytest.mark.parametrize(
    ("text", "party"),
    [
        (
            "Joint Stock Company Zavod No. 9 — are we ok to ship routers?",
            "Joint Stock Company Zavod No. 9",
        ),
        (
            "can we sell to China Academy of Space Technology 513 Research Institute in "
            "mainland China",
            "China Academy of Space Technology 513 Research Institute",
        ),
    ],
)
def test_the_number_of_a_name_belongs_to_it(text, party):
    assert party in _read(text).parties


def test_a_message_is_read_line_by_line(screener):
    """ "End customer: X (London)\\nItem: GPUs": the item line is not part of the name, and the
    field's label names no one."""
    text = "End customer: Acme Widgets GmbH (London)\nItem: GPUs\nQty: 2,000"
    answer = ask(screener, text, ME)
    assert [o.request.party for o in answer.outcomes] == ["Acme Widgets GmbH"]
    assert answer.verdict == "clear"
    listed = ask(screener, "hi!\nnew lead: Hikvision\ncountry: Germany\nitem: cameras x12\nok?", ME)
    assert [o.request.party for o in listed.outcomes] == ["Hikvision"]
    assert listed.outcome.decision.destination.code == "DE"


@pytest.mark.parametrize(
    ("text", "party"),
    [
        ("End User: Hikvision, Germany", "Hikvision"),
        (
            "Deal desk question: Acme Widgets GmbH in Brazil wants 3x cameras. OK?",
            "Acme Widgets GmbH",
        ),
        # A name of common words before a colon is still a name.
        ("new distributor Keen Vision Acquisition Corporation: cleared to ship?", None),
    ],
)
def test_a_field_label_names_no_one(text, party):
    reading = _read(text)
    if party is None:
        assert "Keen Vision Acquisition Corporation" in reading.parties
    else:
        assert list(reading.parties) == [party]


def test_one_listed_word_inside_a_longer_name_is_review_at_most(screener):
    """ "Silver Pegasus Acquisition Corp" around a listed one-word name: screened, but the one
    word does not make the longer name that party (never blocked on it alone)."""
    answer = ask(screener, "can we sell laptops to Hikvision Europe Holdings BV in Spain?", ME)
    assert answer.verdict == "review"
    assert any("inside a longer name" in r for o in answer.outcomes for r in o.decision.reasons)
    alone = ask(screener, "can we sell laptops to Hikvision in Spain?", ME)
    assert alone.verdict == "license_required"


# --- names holding question words and numbers; the grammar's misreadings (found by
# benchmarks/listed_sweep.py and fresh probes) --------------------------------------------------

# Real Entity List names (public, 87 FR 13143 / 87 FR 34157 and others), added to the demo list.
_MORE_LISTED = [
    ("AO Center of Shipbuilding and Ship Repairing JSC", "RU"),
    ("Far Eastern Shipbuilding and Ship Repair Center", "RU"),
    ("140 Repair Plant JSC", "BY"),
]


def _demo_list_with(tmp_path, names: list[tuple[str, str]]):
    """The demo list plus Entity List records of these (name, country) pairs, as a file."""
    doc = json.loads(FIXTURE_LIST.read_text(encoding="utf-8"))
    template = next(r for r in doc["results"] if r["source"].startswith("Entity List"))
    for n, (name, country) in enumerate(names):
        record = dict(template, id=f"more-el-{n}", name=name, alt_names=[])
        record["addresses"] = [dict(template["addresses"][0], country=country, city=None)]
        doc["results"].append(record)
    path = tmp_path / "more.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def wider(make_svc, sqlite_url, tmp_path):
    return make_svc(sqlite_url, list_path=_demo_list_with(tmp_path, _MORE_LISTED)).screener


@pytest.mark.parametrize(
    "text",
    [
        # a capitalised question word inside a name ("Ship") does not cut it in two
        "AO Center of Shipbuilding and Ship Repairing JSC",
        "can we ship routers to Far Eastern Shipbuilding and Ship Repair Center?",
        # a number before a name may begin it
        "140 Repair Plant JSC",
        "quick q: new customer 140 Repair Plant JSC wants 1500 sensors, fine?",
    ],
)
def test_names_holding_question_words_or_numbers_are_found(wider, text):
    answer = ask(wider, text, ME)
    assert answer.verdict == "license_required", answer.screened_line()


def test_a_number_before_a_listed_name_is_not_taken_into_it(wider):
    answer = ask(wider, "can we ship 50 routers to Huawei Technologies Co., Ltd.?", ME)
    assert answer.verdict == "license_required"
    assert "Huawei Technologies Co., Ltd." in {o.request.party for o in answer.outcomes}


def test_the_grammar_stopping_at_an_initial_is_carried_to_the_end_of_the_name(screener):
    text = "pls confirm we can ship 12 units to Arthur J. Gallagher & Co. next week"
    reading = read_message(text, parse_question(text), screener.linker(_now()))
    assert reading.parties[0] == "Arthur J. Gallagher & Co."
    assert reading.understood


def test_a_party_of_common_lower_case_words_is_the_grammar_misreading_a_verb(screener):
    text = "heads-up: TOP Ships, Inc. from France wants to distribute our valves. ok?"
    reading = read_message(text, parse_question(text), screener.linker(_now()))
    assert "distribute our valves" not in reading.parties
    assert "TOP Ships, Inc." in reading.parties


@pytest.mark.parametrize(
    "text",
    [
        "valves for Acme Widgets GmbH? destination IR",
        "spare parts for Acme Widgets GmbH? destination Donetsk",
        "Acme Widgets GmbH, country: CU, 5 laptops",
    ],
)
def test_a_place_named_as_the_destination_is_the_destination(screener, text):
    answer = ask(screener, text, ME)
    assert answer.verdict == "prohibited", answer.screened_line()
    assert not any("destination" in p.lower() for p in answer.reading.parties)


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize(
    ("text", "party"),
    [
        (
            "Is devon energy corporation allowed to purchase network switches? Ship to Germany",
            "devon energy corporation",
        ),
        ("got a request from twfg, inc. (the US) re laptops. thoughts?", "twfg, inc."),
        ("customer b&g foods, inc. wants 1500 laptops, can we?", "b&g foods, inc."),
    ],
)
def test_a_name_typed_in_lower_case_is_read_back_from_its_legal_form(screener, text, party):
    answer = ask(screener, text, ME)
    assert answer.kind == ANSWER, answer.screened_line()
    assert any(p.endswith(party) for p in answer.reading.parties), answer.reading.parties
    assert answer.verdict == "clear"


def test_a_listed_name_typed_in_lower_case_is_not_clear(screener):
    answer = ask(screener, "we got a PO from hangzhou hikvision digital technology co., ltd.", ME)
    assert answer.verdict not in (None, "clear")


@pytest.mark.parametrize(
    ("text", "party"),
    [
        (
            "Hi Team, Sales Ops here. Customer Revvity in the Netherlands wants valves. OK?",
            "Revvity",
        ),
        (
            "End User Statement received from Allient Inc. (Germany). Can we proceed with valves?",
            "Allient Inc.",
        ),
        ("Sales Director wants to know if Aeva Technologies, Inc. is OK. Country: Italy", None),
    ],
)
def test_a_title_of_everyday_words_beside_a_name_raises_no_doubt(screener, text, party):
    answer = ask(screener, text, ME)
    assert answer.kind == ANSWER and answer.verdict == "clear", answer.screened_line()
    if party:
        assert answer.reading.parties[0] == party
    # the title is still screened (a listed one would say so), shown as screened
    assert len({o.request.party for o in answer.outcomes}) > 1


def test_a_listed_name_of_everyday_words_is_still_screened_beside_another_name(screener):
    text = "Hi Team, Huawei Device here. Customer Revvity in the Netherlands wants valves. OK?"
    assert ask(screener, text, ME).verdict == "license_required"


def test_a_country_code_in_a_field_of_its_own_is_the_destination(screener):
    answer = ask(screener, "New customer onboarding: Acme Widgets GmbH / IR / software", ME)
    assert answer.verdict == "prohibited"


@pytest.mark.parametrize(
    "text",
    [
        "• Customer: Acme Widgets Inc.\n• Country: Germany\n• Item: valves\nOK to ship?",
        "Customer: Acme Widgets Inc.\nCountry: Germany",
    ],
)
def test_a_line_break_after_an_abbreviation_still_ends_the_name(screener, text):
    answer = ask(screener, text, ME)
    assert answer.kind == ANSWER and answer.verdict == "clear", answer.screened_line()
    assert answer.reading.parties[0] == "Acme Widgets Inc."
    assert answer.reading.destination.code == "DE"


@pytest.mark.parametrize(
    "text",
    [
        "can u check Acme Widgets pls, IR, sensors",
        "Bill-to: Acme Widgets GmbH | Ship-to: IR | Item: GPUs",
    ],
)
def test_an_embargoed_code_set_off_as_a_field_is_the_destination(screener, text):
    assert ask(screener, text, ME).verdict == "prohibited"


def test_a_code_before_more_words_is_not_a_field(screener):
    answer = ask(screener, "can we ship IR sensors to Acme Widgets GmbH in Germany?", ME)
    assert answer.verdict == "clear", answer.screened_line()


def test_a_colleague_addressed_at_the_end_is_not_a_party(screener):
    text = "Looping in: Acme Widgets GmbH (Germany) wants 200 valves. Thoughts, Jane?"
    answer = ask(screener, text, ME)
    assert "Jane" not in {o.request.party for o in answer.outcomes}


@pytest.mark.parametrize(
    "text",
    [
        "export to the Islamic Republic of Iran for Acme Widgets GmbH ok?",
        "Prospect: Acme Widgets, Inc.. HQ: Pyongyang. Interested in sensors.",
    ],
)
def test_an_embargoed_destination_is_not_swallowed_into_the_party(screener, text):
    answer = ask(screener, text, ME)
    assert answer.verdict == "prohibited", answer.screened_line()


@pytest.mark.parametrize(
    "name",
    [
        "Rahal Corporation for Technology and Medical Supplies",
        "Nuclear Research Center at Negev Dimona",
    ],
)
def test_a_listed_name_with_for_or_at_inside_is_found_whole(make_svc, sqlite_url, tmp_path, name):
    screener = make_svc(sqlite_url, list_path=_demo_list_with(tmp_path, [(name, "IQ")])).screener
    text = f"quick q: new customer {name} wants 1500 sensors, fine?"
    assert ask(screener, text, ME).verdict == "license_required"


def test_in_before_a_place_still_locates_the_name(screener):
    answer = ask(screener, "can we support Acme Widgets Ltd. in Hong Kong with repairs?", ME)
    assert answer.verdict == "clear" and answer.reading.destination.code == "HK"
