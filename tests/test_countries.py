"""Destinations: names, codes, demonyms, cities, the embargoed regions of Ukraine, no false hits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.screening.countries import (
    Destination,
    country_name,
    find_places,
    match_place,
    resolve_destination,
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Iran", "IR"),
        ("iran", "IR"),
        ("Islamic Republic of Iran", "IR"),
        ("North Korea", "KP"),
        ("DPRK", "KP"),
        ("Korea, Democratic People's Republic of", "KP"),
        ("South Korea", "KR"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("US", "US"),
        ("UAE", "AE"),
        ("Hong Kong", "HK"),
        ("Taiwan", "TW"),
        ("Macau", "MO"),
        ("Macao", "MO"),
        ("Syria", "SY"),
        ("Cuba", "CU"),
        ("cuba", "CU"),
        ("Belarus", "BY"),
        ("Burma", "MM"),
        ("Myanmar", "MM"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Chinese", "CN"),
        ("Iranian", "IR"),
        ("Russian", "RU"),
        ("CN", "CN"),
        ("CHN", "CN"),
        ("IRN", "IR"),
        ("(cn)", "CN"),
        ("ZTE Kangxun (CN)", "CN"),
        ("Shenzhen", "CN"),
        ("Dongguan", "CN"),
        ("Beijing", "CN"),
        ("Hangzhou", "CN"),
        ("Moscow", "RU"),
        ("St Petersburg", "RU"),
        ("St. Petersburg", "RU"),
        ("Minsk", "BY"),
        ("Tehran", "IR"),
        ("Havana", "CU"),
        ("Pyongyang", "KP"),
        ("Damascus", "SY"),
        ("Karachi", "PK"),
        ("Dubai", "AE"),
        ("Istanbul", "TR"),
        ("Crimea", "UA-43"),
        ("Simferopol", "UA-43"),
        ("Sevastopol", "UA-40"),
        ("Donetsk", "UA-14"),
        ("DNR", "UA-14"),
        ("so-called Donetsk People's Republic", "UA-14"),
        ("Luhansk", "UA-09"),
        ("Lugansk", "UA-09"),
        ("LNR", "UA-09"),
        ("Kyiv", "UA"),
        ("Iran's", "IR"),
        ("ship it to Tehran please", "IR"),
        ("from Germany to Iran", "IR"),
        ("Shenzhen, China", "CN"),
    ],
)
def test_resolves(text: str, code: str) -> None:
    dest = resolve_destination(text)
    assert dest is not None, text
    assert dest.code == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "in",
        "to",
        "it",
        "no",
        "is",
        "at",
        "be",
        "us",
        "ship it to us",
        "parts in stock",
        "is it ok to be at the office",
        "cn",
        "16 GB RAM",
        "Acme S.A.",
        "Siemens AG",
        "Acme Co.",
        "our IT team",
        "SSD drives",
        "ARM chips",
        "San Jose, CA",
        "turkey sandwich",
        "chad",
        "jordan",
        "polish the report",
        "CAN WE SHIP TO ACME",
        "hello",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert resolve_destination(text) is None


def test_city_sets_region() -> None:
    assert resolve_destination("Shenzhen") == Destination("CN", "China", "Shenzhen")
    assert resolve_destination("Shenzhen, China") == Destination("CN", "China", "Shenzhen")
    assert resolve_destination("China").region is None  # type: ignore[union-attr]
    dest = resolve_destination("Simferopol")
    assert dest is not None and dest.region == "Simferopol" and dest.country == "UA"


def test_match_place_needs_the_whole_text() -> None:
    assert match_place("Bank of China") is None
    assert match_place("Shenzhen China") == Destination("CN", "China", "Shenzhen")
    assert match_place("the UAE") is not None
    assert match_place("Donetsk, Ukraine").code == "UA-14"  # type: ignore[union-attr]
    assert match_place("Shenzhen, Russia") is None  # disagreeing places are not one place
    assert match_place("it", in_parentheses=True) is not None  # "(IT)" is Italy in parentheses
    assert match_place("IT") is None


def test_shouting_disables_bare_codes() -> None:
    assert resolve_destination("CAN WE SHIP TO IRAN") == Destination("IR", "Iran")
    assert resolve_destination("CAN WE SHIP ROUTERS TO ACME IN ZONE") is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("CN", "China"),
        ("cn", "China"),
        ("IR", "Iran"),
        ("RU", "Russia"),
        ("KP", "North Korea"),
        ("KR", "South Korea"),
        ("GB", "United Kingdom"),
        ("US", "United States"),
        ("UA-43", "Crimea region of Ukraine"),
        ("UA-14", "so-called Donetsk People's Republic (DNR) region of Ukraine"),
        ("XX", "XX"),
        ("", ""),
    ],
)
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    resolve_destination(text)
    match_place(text)
    match_place(text, in_parentheses=True)


def test_a_code_glued_to_digits_is_no_place():
    """ "CH4 Natural Solutions", "US2 Holdings": letters and digits are a name, not a code."""
    assert find_places("orders from CH4 Natural Solutions and US2 Holdings") == []
    assert match_place("CH4") is None
    assert match_place("(CH)", in_parentheses=True) is not None
