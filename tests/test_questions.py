"""What employees type in Slack, and the question the parser must make of it."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import questions
from bot.answers.questions import EXAMPLE_SHIP, INTENTS, Question, parse_question
from handlers.markup import to_plain_text

# (message, intent, party, item, destination code, understood)
TABLE: list[tuple[str, str, str | None, str | None, str | None, bool]] = [
    # Shipping questions from the brief.
    ("can we ship 200 routers to Huawei Technologies in Shenzhen?", "ship",
     "Huawei Technologies", "routers", "CN", True),
    ("ok to export EAR99 cables to Hikvision?", "ship", "Hikvision", "EAR99 cables", None, True),
    ("can we sell laptops to a distributor in Iran", "ship", None, "laptops", "IR", True),
    ("ship spare parts to ZTE Kangxun (CN)", "ship", "ZTE Kangxun", "spare parts", "CN", True),
    ("Can we send software patches to Huawei for existing networks?", "ship", "Huawei",
     "software patches", None, True),
    ("can we send software patches for existing networks to Huawei", "ship", "Huawei",
     "software patches for existing networks", None, True),
    ("can we ship 5G base station chips to Huawei", "ship", "Huawei", "5G base station chips",
     None, True),
    ("are we allowed to provide servers to Sugon", "ship", "Sugon", "servers", None, True),
    ("may I export FPGAs to NUDT, China", "ship", "NUDT", "FPGAs", "CN", True),
    ("export to Russia?", "ship", None, None, "RU", True),
    ("can we ship to Crimea", "ship", None, None, "UA-43", True),
    ("shipping 3 pallets of cables to Dahua Technology Co., Ltd. (Hangzhou) ok?", "ship",
     "Dahua Technology Co., Ltd.", "cables", "CN", True),
    # More ways of asking to ship.
    ("Can we ship to Huawei?", "ship", "Huawei", None, None, True),
    ("can I sell 10 laptops to Acme GmbH in Germany", "ship", "Acme GmbH", "laptops", "DE", True),
    ("is it ok to ship to Huawei?", "ship", "Huawei", None, None, True),
    ("could we deliver the order to Rosoboronexport in Moscow", "ship", "Rosoboronexport",
     "order", "RU", True),
    ("we want to export lasers to the UAE", "ship", None, "lasers", "AE", True),
    ("re-export FPGAs to Hong Kong ok?", "ship", None, "FPGAs", "HK", True),
    ("can we sell to a customer in Havana", "ship", None, None, "CU", True),
    ("can we ship to someone in North Korea", "ship", None, None, "KP", True),
    ("can we ship routers to a Chinese distributor", "ship", None, "routers", "CN", True),
    ("can we ship to Russian company Rostec", "ship", "Rostec", None, "RU", True),
    ("send the samples to our customer Acme Widgets", "ship", "Acme Widgets", "samples", None,
     True),
    ("supply Huawei with chips", "ship", "Huawei", "chips", None, True),
    ("ship up to 50 modems to Tehran", "ship", None, "modems", "IR", True),
    ("ship to Sevastopol", "ship", None, None, "UA-40", True),
    ("can we ship to the so-called DNR?", "ship", None, None, "UA-14", True),
    ("can we ship to Donetsk", "ship", None, None, "UA-14", True),
    ("can we ship to the LNR", "ship", None, None, "UA-09", True),
    ("ship to Simferopol", "ship", None, None, "UA-43", True),
    ("ship to Pyongyang", "ship", None, None, "KP", True),
    ("ship to a university in Damascus", "ship", None, None, "SY", True),
    ("can we ship cables to Minsk", "ship", None, "cables", "BY", True),
    ("can we ship cables to Karachi", "ship", None, "cables", "PK", True),
    ("ship to DPRK", "ship", None, None, "KP", True),
    ("ship it to us", "ship", None, None, None, False),
    # A place inside a name is not a destination: only "in X", "(X)", ", X" and the like are.
    ("can we ship to University of Tehran", "ship", "University of Tehran", None, None, True),
    ("ship to Bank of China", "ship", "Bank of China", None, None, True),
    ("ship routers to Acme in Shenzhen, China", "ship", "Acme", "routers", "CN", True),
    ("ship routers to Acme (Dubai)", "ship", "Acme", "routers", "AE", True),
    ("export to Acme Ltd, UK", "ship", "Acme Ltd", None, "GB", True),
    ("can we ship to Smith & Wesson", "ship", "Smith & Wesson", None, None, True),
    ('can we ship to "Acme & Sons, Inc."', "ship", "Acme & Sons, Inc.", None, None, True),
    ("send routers to Petroleos de Venezuela, S.A.", "ship", "Petroleos de Venezuela, S.A.",
     "routers", None, True),
    ("can we ship to O'Brien Electronics", "ship", "O'Brien Electronics", None, None, True),
    ("can we ship to ООО Ромашка", "ship", "ООО Ромашка", None, None, True),
    ("can we ship to 华为技术有限公司 in Shenzhen", "ship", "华为技术有限公司", None, "CN", True),
    ("CAN WE SHIP ROUTERS TO HUAWEI IN CHINA", "ship", "HUAWEI", "ROUTERS", "CN", True),
    ("<@U0BOT> can we ship to Huawei?", "ship", "Huawei", None, None, True),
    ("hi team, can we ship modems to *Hikvision*?", "ship", "Hikvision", "modems", None, True),
    ("can we ship routers to &lt;Acme&gt;", "ship", None, "routers", None, False),
    ("check if we can export to ZTE", "ship", "ZTE", None, None, True),
    ("Can we ship routers to Huawei?\nAlso what about ZTE?", "ship", "Huawei", "routers", None,
     True),
    ("release source code to Huawei engineers", "ship", "Huawei", "source code", None, True),
    ("can we ship to Huawei's subsidiary in Russia", "ship", "Huawei", None, "RU", True),
    ("ship to Acme GmbH in Germany for use in Iran", "ship", "Acme GmbH", None, "DE", True),
    # The item is everything shipped, as written; the end use is also copied into `purpose`.
    ("ship laptops for use in Iran", "ship", None, "laptops for use in Iran", "IR", True),
    ("can we ship to Acme Trading Limited (HK)", "ship", "Acme Trading Limited", None, "HK", True),
    ("ship 1,000 units of model X to Acme Pte Ltd, Singapore", "ship", "Acme Pte Ltd", "model X",
     "SG", True),
    ("Hey Jordan, can we ship to Acme?", "ship", "Acme", None, None, True),
    ("COSCO Shipping?", "lookup", "COSCO Shipping", None, None, True),
    ("can we ship routers?", "ship", None, "routers", None, False),
    ("can we ship to them", "ship", None, None, None, False),
    ("can we ship to '; DROP TABLE entries; --", "ship", None, None, None, False),
    # Lookups.
    ("is Dahua on the list", "lookup", "Dahua", None, None, True),
    ("is Huawei on the entity list?", "lookup", "Huawei", None, None, True),
    ("is Huawei ok?", "lookup", "Huawei", None, None, True),
    ("are Hikvision and Dahua sanctioned", "lookup", "Hikvision and Dahua", None, None, True),
    ("screen Acme Widgets Inc", "lookup", "Acme Widgets Inc", None, None, True),
    ("check ZTE", "lookup", "ZTE", None, None, True),
    ("check: Rostec", "lookup", "Rostec", None, None, True),
    ("please check Huawei against the entity list", "lookup", "Huawei", None, None, True),
    ("look up Sugon", "lookup", "Sugon", None, None, True),
    ("search for Mahan Air", "lookup", "Mahan Air", None, None, True),
    ("Huawei?", "lookup", "Huawei", None, None, True),
    ("Huawei", "lookup", "Huawei", None, None, True),
    ("Dahua Technology Co., Ltd.", "lookup", "Dahua Technology Co., Ltd.", None, None, True),
    ("what about Hikvision in China", "lookup", "Hikvision", None, "CN", True),
    ("how about Sugon?", "lookup", "Sugon", None, None, True),
    ("can we do business with Rostec", "lookup", "Rostec", None, None, True),
    ("ООО Ромашка", "lookup", "ООО Ромашка", None, None, True),
    ("华为技术有限公司", "lookup", "华为技术有限公司", None, None, True),
    ("Iran", "lookup", None, None, "IR", True),
    ("check Acme Restricted Ltd", "lookup", "Acme Restricted Ltd", None, None, True),
    # Greetings, help, and things that are not questions.
    ("help", "help", None, None, None, False),
    ("hello", "help", None, None, None, False),
    ("hi!", "help", None, None, None, False),
    ("what can you do?", "help", None, None, None, False),
    ("thanks!", "unknown", None, None, None, False),
    ("ok", "unknown", None, None, None, False),
    ("", "unknown", None, None, None, False),
    ("   \n\t ", "unknown", None, None, None, False),
    ("🎉🚢👍", "unknown", None, None, None, False),
    (":tada: :ship:", "unknown", None, None, None, False),
    ("```SELECT * FROM entries```", "unknown", None, None, None, False),
    ("'; DROP TABLE entries; --", "unknown", None, None, None, False),
    ("<script>alert(1)</script>", "unknown", None, None, None, False),
    ("&lt;script&gt;", "unknown", None, None, None, False),
    ("<!channel>", "unknown", None, None, None, False),
    ("@here @channel", "unknown", None, None, None, False),
    ("what's the weather like today", "unknown", None, None, None, False),
    ("is it raining in London?", "unknown", None, None, None, False),
    ("Hi, I'm new here. What do I do?", "help", None, None, None, False),
    ("what is the entity list", "unknown", None, None, None, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "intent", "party", "item", "code", "understood"), TABLE, ids=[r[0][:40] for r in TABLE]
)
def test_table(
    text: str, intent: str, party: str | None, item: str | None, code: str | None, understood: bool
) -> None:
    # As a Slack message reaches the engine: its markup turned into plain text by the handler.
    q = parse_question(to_plain_text(text))
    got = (q.intent, q.party, q.item, q.destination.code if q.destination else None, q.understood)
    assert got == (intent, party, item, code, understood)
    assert (q.problem is None) == understood or q.intent == "help"


def test_table_is_big_enough() -> None:
    assert len(TABLE) >= 70


def test_quantity_purpose_and_region() -> None:
    q = parse_question("can we ship 200 routers to Huawei Technologies in Shenzhen?")
    assert q.quantity == "200"
    assert q.destination is not None and q.destination.region == "Shenzhen"
    q = parse_question("shipping 3 pallets of cables to Dahua Technology Co., Ltd. (Hangzhou) ok?")
    assert (q.quantity, q.item) == ("3 pallets", "cables")
    q = parse_question("Can we send software patches to Huawei for existing networks?")
    assert q.purpose == "for existing networks"
    assert parse_question("can we ship 5G base station chips to Huawei").purpose is None
    q = parse_question("send spare parts to Huawei to support existing networks")
    assert q.purpose == "to support existing networks"
    q = parse_question("ship to Center for Strategic Research")  # capitalised "for": a name
    assert (q.party, q.purpose) == ("Center for Strategic Research", None)


def test_problem_gives_an_example() -> None:
    q = parse_question("can we ship routers?")
    assert q.problem is not None and EXAMPLE_SHIP in q.problem
    assert "Try" in (parse_question("is it on the list").problem or "")


def test_problems_never_echo_user_text() -> None:
    for text in ["<!channel>", "can we ship to <!here>", "'; DROP TABLE entries; --", "x" * 5000]:
        q = parse_question(text)
        assert q.problem is not None
        assert "channel" not in q.problem and "here" not in q.problem and "DROP" not in q.problem


def test_huge_message_is_refused_quickly() -> None:
    text = "can we ship routers to Huawei " * 1400  # about 42,000 characters
    start = time.perf_counter()
    q = parse_question(text)
    assert time.perf_counter() - start < 0.05
    assert not q.understood and q.party is None and q.problem is not None


_SLOW_SHAPES = [
    "(" * 999,
    "ship to " + "a in " * 190,
    "*_" * 490,
    "to " * 330,
    ", " * 499,
    "x" + " ok ," * 150 + " x",  # once made a nested repetition backtrack for minutes
    "ok ? " * 200 + "x",
    "ship to " + "a" * 990,
    "ship to " + "a" * 980 + " ?",
    "ship to " + "a. " * 330,
    "is " + "a " * 400 + "on the list",
    "ship " + "up to " * 160 + "x",
    "ship to a " + "new " * 240,
    "ship to " + "x's " * 240,
    "ship to Acme " + "for x " * 160,
    "ship to " + " ".join(["Shenzhen"] * 110),
    "<@" * 499,
    ":a:" * 330,
]


@pytest.mark.parametrize("text", _SLOW_SHAPES, ids=[t[:12] for t in _SLOW_SHAPES])
def test_slow_shapes_stay_fast(text: str) -> None:
    """A guard against catastrophic backtracking (seconds per message), not a speed target:
    the bound leaves room for a busy CI machine (a few ms is typical; speed is benchmarked)."""
    start = time.perf_counter()
    parse_question(text)
    assert time.perf_counter() - start < 0.5


def test_non_string_input() -> None:
    assert parse_question(None).problem is not None  # type: ignore[arg-type]


def test_a_parser_bug_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(raw: str) -> Question:
        raise RuntimeError("bug")

    monkeypatch.setattr(questions, "_parse", broken)
    q = parse_question("can we ship to Huawei")
    assert not q.understood and q.party is None and q.problem is not None


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_parse_question_never_raises(text: str) -> None:
    q = questions._parse(text)  # not the fail-closed wrapper: a bug must show up here
    assert isinstance(q, Question)
    assert q.intent in INTENTS
    assert q.understood == (q.problem is None and q.intent in ("ship", "lookup"))
    if q.understood:
        assert q.party or q.destination


_VOCABULARY = (
    "can we ship export sell to in for the a Huawei Iran China (CN) , . ? & ' \" is on list check "
    "screen what about 200 routers of Co., Ltd. Crimea DNR US us ООО 华为 <!channel> :tada: *x*"
)
_WORDS = st.sampled_from(_VOCABULARY.split())


@settings(max_examples=500, deadline=None)
@given(st.lists(_WORDS, max_size=25).map(" ".join))
def test_parse_question_never_raises_on_question_like_text(text: str) -> None:
    q = questions._parse(text)
    assert q.intent in INTENTS
    if q.party is not None:
        assert q.party.strip() == q.party and q.party
        assert "<" not in q.party and ";" not in q.party
