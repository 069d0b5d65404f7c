"""The decision engine's rules, one by one (pure: no store)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

import pytest

from bot.answers.verdicts import (
    Decision,
    DestinationPolicy,
    Family,
    Match,
    Thresholds,
    decide,
    normalize_policy,
    strip_footnotes,
)

TODAY = date(2024, 6, 1)


def match(source: str, score: float = 100, **kw) -> Match:
    return Match(
        entry_key=1,
        entry_id="x1",
        source=source,
        name=kw.pop("name", f"Some {source} Party"),
        matched_name=kw.pop("matched_name", f"Some {source} Party"),
        score=score,
        **kw,
    )


def run(
    *, matches=(), destination=None, authorizations=(), item=None, purpose=None, **kw
) -> Decision:
    return decide(
        party=kw.pop("party", "Some Party"),
        matches=list(matches),
        destination=destination,
        item=item,
        purpose=purpose,
        authorizations=list(authorizations),
        list_version="v1-abc",
        list_age="1 hour",
        list_problem=kw.pop("list_problem", None),
        list_empty=kw.pop("list_empty", False),
        thresholds=Thresholds(strong=90, review=80),
        today=TODAY,
        family=kw.pop("family", None),
    )


@pytest.mark.parametrize(
    ("source", "extra", "verdict"),
    [
        ("EL", {}, "license_required"),
        ("MEU", {}, "license_required"),
        ("SDN", {}, "prohibited"),
        ("DPL", {}, "prohibited"),
        ("DPL", {"end_date": "2030-01-01"}, "prohibited"),
        ("DPL", {"end_date": "2020-01-01"}, "review"),  # the denial order has ended
        ("UVL", {}, "review"),
        ("CMIC", {}, "review"),
        ("ISN", {"license_requirement": "For all items subject to the EAR"}, "license_required"),
    ],
)
def test_a_strong_match_gets_the_verdict_its_list_calls_for(source, extra, verdict):
    assert run(matches=[match(source, **extra)]).verdict == verdict


def test_a_weak_match_on_any_list_is_review():
    d = run(matches=[match("SDN", score=85)])
    assert d.verdict == "review"
    assert "Possible match (85/100)" in d.reasons[0]


def test_below_the_review_threshold_is_clear_and_not_shown():
    d = run(matches=[match("EL", score=70)])
    assert d.verdict == "clear"
    assert d.matches == []


def test_the_most_restrictive_rule_wins():
    d = run(matches=[match("UVL"), match("EL", score=95), match("SDN", score=92)])
    assert d.verdict == "prohibited"


def test_embargoed_destination_is_prohibited_whoever_the_party():
    iran = DestinationPolicy("IR", "Iran", "embargoed", "comprehensive embargo", "15 CFR 746.7")
    d = run(destination=iran)
    assert d.verdict == "prohibited"
    assert d.reasons == ["Destination Iran: comprehensive embargo (15 CFR 746.7)."]


def test_destination_needing_a_license():
    russia = DestinationPolicy("RU", "Russia", "license_required", "most items", "15 CFR 746.8")
    assert run(destination=russia).verdict == "license_required"


def test_empty_list_is_unavailable_even_without_matches():
    d = run(list_empty=True, list_problem="No screening list is loaded.")
    assert d.verdict == "unavailable"


def test_empty_list_with_an_embargoed_destination_still_says_prohibited():
    iran = DestinationPolicy("IR", "Iran", "embargoed", "comprehensive embargo")
    assert run(destination=iran, list_empty=True, list_problem="empty").verdict == "prohibited"


def test_stale_list_turns_clear_into_unavailable():
    assert run(list_problem="The list is 9 days old").verdict == "unavailable"
    d = run(matches=[match("EL")], list_problem="The list is 9 days old")
    assert d.verdict == "license_required"
    assert d.notes == ["The list is 9 days old"]


def test_no_party_and_no_restriction_is_never_clear():
    d = run(party=None)
    assert d.verdict == "unavailable"
    assert "No party was named" in d.reasons[0]


def test_a_bare_family_name_takes_the_family_verdict():
    fam = Family(token="huawei", count=112, by_source={"EL": 110, "CMIC": 2})
    d = run(party="Huawei", matches=[match("EL", score=85)], family=fam)
    assert d.verdict == "license_required"
    assert any("family of 112" in r for r in d.reasons)
    # Another word with the brand ("em-tec" for 'tec') is not the brand: review.
    other = Family(token="tec", count=3, by_source={"EL": 3}, example="I. Tec Trading FZE")
    d = run(party="em-tec GmbH", family=other)
    assert d.verdict == "review" and any("I. Tec Trading FZE" in r for r in d.reasons)
    assert run(party="Tec Ltd.", family=other).verdict == "license_required"


def test_a_family_whose_members_disagree_is_review_naming_a_member():
    # A Denied Persons record and an Entity List record share the brand: the exact company
    # decides, so the bare brand is review, not the strictest member's verdict.
    fam = Family(token="dahua", count=2, by_source={"DPL": 1, "EL": 1}, example="Dahua Technology")
    d = run(family=fam)
    assert d.verdict == "review"
    assert any("Dahua Technology" in r and "family of 2" in r for r in d.reasons)


def test_a_family_that_agrees_takes_its_requirement():
    fam = Family(token="hizballah", count=4, by_source={"SDN": 4}, example="HIZBALLAH")
    d = run(party="Hizballah", family=fam)
    assert d.verdict == "prohibited"
    assert any("HIZBALLAH" in r for r in d.reasons)


@dataclass
class FakeAuthorization:
    kind: str = "extension"
    reference: str = "Huawei TGL"
    expires: date | None = date(2024, 12, 31)
    party_source: str = "EL"
    activities: tuple[str, ...] = ("existing networks",)
    requires_destination: bool = False
    valid_from: date | None = None
    destination: str | None = None
    family_token: str | None = None
    conditions: tuple[str, ...] = ()

    def covers_family(self, token: str) -> bool:
        return token == self.family_token

    def condition_hit(self, item: str | None, purpose: str | None) -> str | None:
        text = f"{item or ''} {purpose or ''}"
        return next((c for c in self.conditions if c.removeprefix("not for ") in text), None)

    def covers_party(self, m: Match) -> bool:
        return m.source == self.party_source

    def covers_destination(self, code: str | None) -> bool:
        return self.destination is None or code == self.destination

    def activity_for(self, item: str | None, purpose: str | None) -> str | None:
        text = f"{item or ''} {purpose or ''}"
        return next((a for a in self.activities if a in text), None)

    def describe(self) -> str:
        return f"{self.kind} {self.reference}"


def test_an_authorization_covering_party_and_activity_authorizes():
    d = run(
        matches=[match("EL")],
        authorizations=[FakeAuthorization()],
        item="patches",
        purpose="for existing networks",
    )
    assert d.verdict == "authorized"
    assert d.authorization == {
        "kind": "extension",
        "reference": "Huawei TGL",
        "activity": "existing networks",
        "expires": "2024-12-31",
    }


def test_an_authorization_that_does_not_cover_the_item_says_so():
    d = run(matches=[match("EL")], authorizations=[FakeAuthorization()], item="5G base stations")
    assert d.verdict == "license_required"
    assert any("does not clearly cover" in r for r in d.reasons)


def test_an_expired_authorization_is_ignored():
    auth = FakeAuthorization(expires=date(2024, 1, 1))
    d = run(matches=[match("EL")], authorizations=[auth], purpose="existing networks")
    assert d.verdict == "license_required"


def test_an_authorization_never_overrides_a_prohibition():
    d = run(
        matches=[match("EL"), match("SDN")],
        authorizations=[FakeAuthorization()],
        purpose="existing networks",
    )
    assert d.verdict == "prohibited"


def test_review_policy_text_is_normalized_for_logic_only():
    assert normalize_policy("Presumption of denial.") == "presumption of denial"
    assert normalize_policy("Presumption of Denial") == "presumption of denial"
    assert normalize_policy("  Presumption  of denial ;") == "presumption of denial"


def test_a_family_reached_by_a_spelling_variant_is_review():
    # "Huavei" is spelt like the brand but is not it: the affiliates' requirement is not
    # carried over, the members are shown for review.
    fam = Family(
        token="huawei", count=3, by_source={"EL": 3}, example="Huawei Technologies", exact=False
    )
    d = run(family=fam)
    assert d.verdict == "review"
    assert any("Huawei Technologies" in r for r in d.reasons)


def test_a_listed_affiliate_named_by_place_is_review_naming_it():
    m = match(
        "EL",
        score=92,
        name="Arrow Electronics (Hong Kong) Co., Ltd.",
        matched_name="Arrow Electronics (Hong Kong) Co., Ltd.",
    )
    d = run(party="Arrow Electronics, Inc.", matches=[m])
    assert d.verdict == "review"
    assert "Arrow Electronics (Hong Kong) Co., Ltd." in d.reasons[0]
    assert "affiliate" in d.reasons[0]
    # The affiliate asked about by its own name stands.
    assert run(party="Arrow Electronics (Hong Kong) Ltd", matches=[m]).verdict == (
        "license_required"
    )


def test_a_listed_affiliate_in_the_country_stated_is_not_lowered():
    """ "Broad Engineering" in Pakistan is the listed "Broad Engineering (Pakistan)": the place
    that sets the affiliate apart is the country the asker stated."""
    listed = "Broad Engineering (Pakistan)"
    kw = {"score": 97, "name": listed, "matched_name": listed, "countries": ["PK"]}
    there = match("EL", country_match=True, **kw)
    elsewhere = match("EL", country_match=False, **kw)
    assert run(party="Broad Engineering", matches=[there]).verdict == "license_required"
    assert run(party="Broad Engineering", matches=[elsewhere]).verdict == "review"


def test_a_country_that_differs_lowers_a_non_exact_match_to_review():
    m = match(
        "EL",
        score=97,
        name="General Electronic",
        matched_name="General Electronic",
        countries=("IR",),
        country_match=False,
    )
    d = run(party="General Electric", matches=[m])
    assert d.verdict == "review"
    assert "IR" in d.reasons[0]
    # An exact match stands, with the difference shown.
    exact = run(party="General Electronic Co.", matches=[m])
    assert exact.verdict == "license_required"
    assert "not the country stated" in exact.reasons[0]


def test_the_full_legal_name_is_never_weaker_than_the_short_form():
    short = match("EL", score=100, name="Dahua Technology", matched_name="Dahua Technology")
    full = match("EL", score=88, name="Dahua Technology", matched_name="Dahua Technology")
    assert run(party="Dahua Technology", matches=[short]).verdict == "license_required"
    d = run(party="Zhejiang Dahua Technology Co., Ltd.", matches=[full])
    assert d.verdict == "license_required"


def policy(code: str, kind: str = "license_required") -> DestinationPolicy:
    return DestinationPolicy(code=code, name=code, policy=kind, reason="a reason")


def test_no_license_bearing_match_is_never_authorized():
    """`all([])` is not coverage: a license_required destination with no listed party."""
    for auth in (FakeAuthorization(), FakeAuthorization(kind="license", requires_destination=True)):
        d = run(
            destination=policy("RU"),
            authorizations=[auth],
            purpose="existing networks",
        )
        assert d.verdict == "license_required"
        assert d.authorization is None
        assert any("no listed record here" in r for r in d.reasons)


def test_a_family_is_never_covered_by_one_members_license():
    family = Family(token="huawei", count=112, by_source={"EL": 112})
    member = FakeAuthorization()  # covers the EL record shown, not the family
    ask = {"matches": [match("EL", 95)], "family": family, "purpose": "existing networks"}
    d = run(party="Huawei", authorizations=[member], **ask)
    assert d.verdict == "license_required"
    assert any("'huawei' family" in r for r in d.reasons)
    whole = FakeAuthorization(family_token="huawei")
    assert run(party="Huawei", authorizations=[whole], **ask).verdict == "authorized"
    # A family that only points to review (the name is not the brand itself) needs no covering:
    # the listed record that calls for the license does.
    d = run(party="Huawei Spare Parts Trading", authorizations=[member], **ask)
    assert d.verdict == "authorized"


def test_a_license_needs_the_asked_destination_to_be_its_own():
    lic = FakeAuthorization(kind="license", requires_destination=True, destination="CN")
    ok = run(
        matches=[match("EL")],
        destination=policy("CN", "none"),
        authorizations=[lic],
        purpose="existing networks",
    )
    assert ok.verdict == "authorized"
    de = run(
        matches=[match("EL")],
        destination=policy("DE", "none"),
        authorizations=[lic],
        purpose="existing networks",
    )
    assert de.verdict == "license_required"
    assert any("does not cover a shipment to DE" in r for r in de.reasons)
    none = run(matches=[match("EL")], authorizations=[lic], purpose="existing networks")
    assert none.verdict == "license_required"
    assert any("no destination was given" in r for r in none.reasons)


def test_a_condition_that_the_shipment_hits_refuses_and_is_named():
    auth = FakeAuthorization(conditions=("not for 5G",))
    d = run(matches=[match("EL")], authorizations=[auth], purpose="existing networks 5G")
    assert d.verdict == "license_required"
    assert any("“not for 5G”" in r for r in d.reasons)
    ok = run(matches=[match("EL")], authorizations=[auth], purpose="existing networks")
    assert ok.verdict == "authorized"
    assert any("Conditions: not for 5G" in r for r in ok.reasons)


def test_an_authorization_not_yet_valid_is_ignored():
    auth = FakeAuthorization(valid_from=date(2024, 7, 1))
    d = run(matches=[match("EL")], authorizations=[auth], purpose="existing networks")
    assert d.verdict == "license_required"
    on_the_day = FakeAuthorization(valid_from=TODAY, expires=TODAY)
    d = run(matches=[match("EL")], authorizations=[on_the_day], purpose="existing networks")
    assert d.verdict == "authorized"


def test_a_family_verdict_shows_the_member_that_set_it_first():
    lead = dataclasses.replace(
        match("SDN", score=76, name="HIZBALLAH", matched_name="LEBANESE HEZBOLLAH"), entry_key=2
    )
    fam = Family(token="hezbollah", count=2, by_source={"SDN": 2}, example="HIZBALLAH", lead=lead)
    weak = match("EL", score=81, name="Some Other Party")
    d = run(party="Hezbollah", matches=[weak], family=fam)
    assert d.verdict == "prohibited"
    assert d.top is not None and d.top.name == "HIZBALLAH"
    # A review family shows no extra evidence record.
    d = run(
        party="em-tec GmbH", family=Family(token="tec", count=2, by_source={"EL": 2}, lead=lead)
    )
    assert d.verdict == "review" and d.matches == []


@pytest.mark.parametrize(
    ("listed", "shown"),
    [
        (
            "For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2",
            "For all items subject to the EAR, see §§ 734.9(e) and 744.11 of the EAR",
        ),
        (
            "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4",
            "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)",
        ),
        (
            "Items listed in supplement no. 2 to part 744",
            "Items listed in supplement no. 2 to part 744",
        ),
    ],
)
def test_ecfr_footnote_digits_are_stripped_from_evidence(listed, shown):
    assert strip_footnotes(listed) == shown


def test_the_headline_record_is_the_one_that_sets_the_verdict():
    cmic = dataclasses.replace(match("CMIC", score=98.4, name="Hikvision (CMIC)"), entry_key=2)
    el = match("EL", score=98.4, name="Hikvision (EL)")
    d = run(matches=[cmic, el])
    assert d.verdict == "license_required"
    assert d.top is el
    assert d.reasons[0].startswith("Hikvision (EL) is on the Entity List")


def test_a_one_word_alias_of_a_person_is_review_at_most():
    """OFAC calls one-word aliases ("MIKE", "BILAL") weak: a match on one alone is no hit."""
    alias = Match(1, "1", "SDN", "DUMONT, Lionel", "BILAL", 100.0, entity_type="Individual")
    kwargs = dict(
        destination=None,
        item=None,
        purpose=None,
        authorizations=[],
        list_version="v1",
        list_age=None,
        list_problem=None,
        list_empty=False,
        thresholds=Thresholds(),
        today=date(2026, 12, 4),
    )
    weak = decide(party="Bilal", matches=[alias], **kwargs)
    assert weak.verdict == "review" and "one-word alias" in " ".join(weak.reasons)
    named = dataclasses.replace(alias, matched_name="DUMONT, Lionel")
    assert decide(party="Lionel Dumont", matches=[named], **kwargs).verdict == "prohibited"
    org = dataclasses.replace(
        alias, name="HIZBALLAH", matched_name="HEZBOLLAH", entity_type="Entity"
    )
    assert decide(party="Hezbollah", matches=[org], **kwargs).verdict == "prohibited"


def test_a_company_name_matches_a_listed_person_only_strongly():
    """ "Snail, Inc." is not the person aliased "SMAIL" (82): not counted, and said so; a
    person's full name inside a company's name (strong) still counts."""
    person = Match(1, "1", "SDN", "ZERFAOUI, Ahmad", "SMAIL", 82.0, entity_type="Individual")
    kwargs = dict(
        destination=None,
        item=None,
        purpose=None,
        authorizations=[],
        list_version="v1",
        list_age=None,
        list_problem=None,
        list_empty=False,
        thresholds=Thresholds(),
        today=date(2026, 12, 4),
    )
    company = decide(party="Snail, Inc.", matches=[person], **kwargs)
    assert company.verdict == "clear" and company.matches == []
    assert any("ZERFAOUI" in n for n in company.notes)
    assert decide(party="Smail", matches=[person], **kwargs).verdict == "review"
    strong = dataclasses.replace(person, matched_name="ZERFAOUI, Ahmad", score=95.0)
    assert decide(party="Ahmad Zerfaoui Trading LLC", matches=[strong], **kwargs).verdict == (
        "prohibited"
    )
