"""Property (issue 14): a listed party or an embargoed country in any question is never clear.

Against the demo list (storage/fixtures/demo_csl.json, real public Entity List / DPL / SDN / UVL /
MEU names) with the default destination policies. Every listed name the fixture holds, any
embargoed destination the store knows by default, embedded in random chatter (greetings, emoji,
punctuation, PO numbers, words before and after): `bot.answers.ask.ask` may ask back or answer any
verdict but `clear`.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answers.ask import ask
from bot.answers.screener import Requester
from tests.conftest import FIXTURE_LIST

ME = Requester(user="U1", kind="cli")

LISTED = sorted(
    {r["name"] for r in json.loads(FIXTURE_LIST.read_text(encoding="utf-8"))["results"]}
)
# How people type the default embargoed destinations (countries and occupied regions).
EMBARGOED = [
    "Iran",
    "Tehran",
    "Cuba",
    "Havana",
    "North Korea",
    "N. Korea",
    "DPRK",
    "Pyongyang",
    "Syria",
    "Damascus",
    "Crimea",
    "Sevastopol",
    "Donetsk",
    "Luhansk",
]
CHATTER = [
    "hi",
    "hey team",
    "quick q",
    ":wave:",
    ":pray:",
    "lol",
    "thx!!",
    "can we ship?",
    "ok to ship",
    "PO 4500123987",
    "qty 1500",
    "3x routers",
    "is this ok",
    "urgent",
    "—",
    "...",
    "??",
    "(customer)",
    "new distributor",
    "for",
    "to",
    "in",
    "fyi",
    "\n",
    "good to go?",
]
words = st.lists(
    st.one_of(st.sampled_from(CHATTER), st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
    max_size=6,
).map(" ".join)


@pytest.fixture
def screener(make_svc, sqlite_url):
    return make_svc(sqlite_url).screener


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(LISTED),
    place=st.sampled_from(EMBARGOED),
    before=words,
    middle=words,
    after=words,
    place_first=st.booleans(),
)
def test_listed_party_and_embargoed_place_in_any_chatter_is_never_clear(
    screener, name, place, before, middle, after, place_first
):
    parts = [place, middle, name] if place_first else [name, middle, place]
    text = " ".join(p for p in [before, *parts, after] if p)
    answer = ask(screener, text, ME)
    assert answer.verdict != "clear", (text, answer.as_json())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(place=st.sampled_from(EMBARGOED), before=words, after=words)
def test_embargoed_place_in_any_chatter_is_never_clear(screener, place, before, after):
    text = " ".join(p for p in [before, "can we ship to Acme Widgets GmbH in", place, after] if p)
    answer = ask(screener, text, ME)
    assert answer.verdict != "clear", (text, answer.as_json())


# Found by this property on 2026-12-04: chatter glued to the party span makes the screen miss,
# e.g. "quick q Huawei Device Co., Ltd. qty 1500" screens "q Huawei Device Co., Ltd." -> clear,
# "urgent Hangzhou Hikvision Digital Technology Co., Ltd. in ok to ship" -> clear.


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.sampled_from(LISTED), before=words, after=words)
def test_listed_party_in_any_chatter_is_never_clear(screener, name, before, after):
    text = " ".join(p for p in [before, name, after] if p)
    answer = ask(screener, text, ME)
    assert answer.verdict != "clear", (text, answer.as_json())


@pytest.mark.parametrize(
    "text",
    [
        "quick q Huawei Device Co., Ltd. qty 1500",
        "urgent Hangzhou Hikvision Digital Technology Co., Ltd. in ok to ship",
    ],
)
def test_found_examples_are_not_clear(screener, text):
    assert ask(screener, text, ME).verdict != "clear"


# --- the same property on the whole Consolidated Screening List (../shared/data) ---------------

_LOWER = st.from_regex(r"[a-z]{1,8}", fullmatch=True)  # typos, other languages, anything
_NOISE = st.lists(st.one_of(st.sampled_from(CHATTER), _LOWER), max_size=6).map(" ".join)


@pytest.fixture
def csl_screener(make_svc, sqlite_url, shared_data):
    return make_svc(sqlite_url, list_path=shared_data / "csl_composite.json").screener


def _csl_organisations(shared_data) -> list[str]:
    from benchmarks.question_corpus import load_listed  # (the corpus's reading of the list)

    return sorted({p.name for p in load_listed() if not p.ended})


@pytest.mark.data
def test_any_listed_organisation_of_the_csl_in_any_chatter_is_never_clear(
    csl_screener, shared_data
):
    """Every listed organisation as people type it (the corpus's reading: the name before any
    "a.k.a."), in random chatter and unknown lower-case words, with or without an embargoed
    place: never clear. Found by this property: names glued to unknown words ("q wupioza Most
    Technology Limited"), capital initials dropped ("T N K FABRICS LIMITED"), descriptions in
    the list's name field ("… Co., Ltd. (a subordinate institute of CETC-7)")."""
    names = _csl_organisations(shared_data)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @example(name="Most Technology Limited", before="quick q wupioza", after="", place=None)
    @example(name="Smart Mail Services", before="", after="engfrlxf lkbqj", place=None)
    @example(name="T N K FABRICS LIMITED", before="lol", after="good to go? gy", place=None)
    @example(name="K Logistics (China) Limited", before="urgent dr ... for", after="", place=None)
    @example(name="Guangzhou Hongyu Technology Co., Ltd.", before="hey team", after="", place=None)
    @example(
        name="AO Center of Shipbuilding and Ship Repairing JSC", before="", after="", place=None
    )
    @example(name="140 Repair Plant JSC", before="", after="", place=None)
    @example(name="Tambov Plant (TZ) “October”", before="is", after="ok?", place=None)
    @example(name="CAST Xi\x92an Spaceflight Engine Factory", before="", after="", place=None)
    @example(name="Ship Maintenance Center Zvezdochka", before="", after="ok to ship?", place=None)
    @example(
        name="Kalyazinsky Machine Building Factory—Branch of RSK MiG",
        before="",
        after="",
        place=None,
    )
    @given(
        name=st.sampled_from(names),
        before=_NOISE,
        after=_NOISE,
        place=st.one_of(st.none(), st.sampled_from(EMBARGOED)),
    )
    def check(name, before, after, place):
        text = " ".join(p for p in [before, name, place or "", after] if p)
        answer = ask(csl_screener, text, ME)
        assert answer.verdict != "clear", (text, answer.as_json())

    check()
