"""From matches, destination policy, authorizations and list freshness to a verdict.

Pure: no database, no Slack. The screening service gathers the inputs; handlers and the CLI
render the `Decision`. Verdicts are those of DESIGN.md; when several rules apply the most
restrictive wins, and nothing but an explicit, current authorization relaxes a requirement.

Why one module (~630 lines): `decide` is one cascade of rules where the most restrictive
verdict wins, and the helpers below it (party relations, authorization capping, family verdicts)
are the rules' own steps; reviewing a verdict means reading the whole cascade. It is pure (no
store, no Slack), so its size costs no coupling.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from rigour.names.org_types import extract_org_types

from bot.screening.index import _is_generic
from bot.screening.normalize import normalize_name, prepare, tokens
from bot.screening.places import place_tokens
from storage.csl import LIST_NAMES

PROHIBITED = "prohibited"
LICENSE_REQUIRED = "license_required"
AUTHORIZED = "authorized"
REVIEW = "review"
CLEAR = "clear"
UNAVAILABLE = "unavailable"
VERDICTS = (PROHIBITED, LICENSE_REQUIRED, AUTHORIZED, REVIEW, CLEAR, UNAVAILABLE)

# Most restrictive first. `authorized` ranks with license_required: it is a resolved requirement.
_SEVERITY = {PROHIBITED: 4, LICENSE_REQUIRED: 3, REVIEW: 2, CLEAR: 0}

LICENSE_LISTS = frozenset({"EL", "MEU"})
BLOCKING_LISTS = frozenset({"SDN"})
RED_FLAG_LISTS = frozenset({"UVL"})


@dataclass(frozen=True)
class Match:
    """A listed record the party may be, with the evidence a person needs to judge it."""

    entry_key: int  # store id of the record in the snapshot used
    entry_id: str  # the list's own record id
    source: str
    name: str
    matched_name: str
    score: float
    countries: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_policy: str | None = None
    federal_register_notice: str | None = None
    end_date: str | None = None
    entity_type: str | None = None
    country_match: bool | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "name": self.name,
            "matched_name": self.matched_name,
            "source": self.source,
            "score": round(self.score, 1),
            "countries": list(self.countries),
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "federal_register_notice": self.federal_register_notice,
        }


@dataclass(frozen=True)
class DestinationPolicy:
    code: str
    name: str
    policy: str  # "embargoed" | "license_required" | "review" | "none"
    reason: str
    cite: str | None = None


class Authorization(Protocol):
    """A license or extension on record that may authorize a shipment."""

    kind: str  # "license" | "extension"
    reference: str  # license number or extension name
    expires: date | None

    def covers_party(self, match: Match) -> bool: ...
    def covers_destination(self, code: str | None) -> bool: ...
    def activity_for(self, item: str | None, purpose: str | None) -> str | None:
        """The authorized activity the item/purpose falls within, or None."""
        ...

    def describe(self) -> str: ...

    # Optional, read with getattr and a fail-closed default by `_apply_authorizations`:
    #   valid_from: date | None             first day it is valid (default: no start date)
    #   requires_destination: bool          must name the asked destination (default: True)
    #   covers_family(token) -> bool        names the whole family (default: False)
    #   condition_hit(item, purpose) -> str | None   the condition that excludes the shipment
    #   conditions: tuple[str, ...]         named in the answer when it authorizes


@dataclass(frozen=True)
class Family:
    token: str
    count: int
    by_source: dict[str, int]
    example: str | None = None  # one member by name, the one the answer leads with
    lead: Match | None = None  # that member as evidence, shown when the family sets the verdict
    exact: bool = True  # False: the query is a variant spelling of the brand, not the brand
    leads: bool = True  # False: most members' names lead with another word ("Ecotherm-Cryo")


@dataclass
class Decision:
    verdict: str
    reasons: list[str]
    matches: list[Match] = field(default_factory=list)
    destination: DestinationPolicy | None = None
    authorization: dict[str, Any] | None = None
    family: Family | None = None
    list_version: str | None = None
    list_age: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Records ("SRC:id") a reviewer's decision in force settled for this party (no new case).
    settled: tuple[str, ...] = ()
    #: The ownership on record and what the 50% rules made of it (bot/ownership), if any.
    ownership: dict[str, Any] | None = None

    @property
    def top(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class Thresholds:
    strong: float = 90.0
    review: float = 80.0


def normalize_policy(text: str | None) -> str:
    """'Presumption of denial.' / 'Presumption of Denial' → 'presumption of denial'."""
    return re.sub(r"[\s.;:]+$", "", re.sub(r"\s+", " ", (text or "").strip())).casefold()


# eCFR footnote markers pasted into the list's requirement text: "§§ 734.9(e) 1 and 744.11",
# "... of the EAR) 4" at the end. A digit right after a closing bracket or "EAR", before
# "and" or the end of the text, is never part of a citation.
_FOOTNOTE = re.compile(r"(?<=[)R])\s\d{1,2}(?=\s+and\s|\s*$)")


def strip_footnotes(text: str | None) -> str | None:
    """List text with eCFR footnote digits removed ("(See § 744.11 of the EAR) 4" -> "...EAR)")."""
    if not text:
        return text
    return _FOOTNOTE.sub("", text).rstrip()


def _denial_active(match: Match, today: date) -> bool:
    if not match.end_date:
        return True
    try:
        return date.fromisoformat(match.end_date[:10]) >= today
    except ValueError:
        return True  # unreadable end date: assume the order still stands


def verdict_for_match(match: Match, *, strong: bool, today: date) -> tuple[str, str]:
    """The verdict one match calls for, and why (one sentence)."""
    list_name = LIST_NAMES.get(match.source, match.source)
    cite = f" ({match.federal_register_notice})" if match.federal_register_notice else ""
    if not strong:
        return REVIEW, (
            f"Possible match ({match.score:.0f}/100) with {match.name} on the {list_name}{cite}: "
            "too close to ignore, not close enough to be sure."
        )
    if match.source == "DPL":
        if _denial_active(match, today):
            return PROHIBITED, f"{match.name} is on the {list_name}{cite}: an active denial order."
        return (
            REVIEW,
            f"{match.name} was on the {list_name}; the denial order ended {match.end_date}.",
        )
    if match.source in BLOCKING_LISTS:
        return PROHIBITED, (
            f"{match.name} is on the {list_name}{cite}: dealings are blocked (OFAC)."
        )
    if match.source in LICENSE_LISTS or match.license_requirement:
        requirement = match.license_requirement or "see the list entry"
        policy = match.license_policy or "see the list entry (review policy not stated)"
        return LICENSE_REQUIRED, (
            f"{match.name} is on the {list_name}{cite}. License requirement: {requirement} "
            f"Review policy: {policy}"
        )
    if match.source in RED_FLAG_LISTS:
        return REVIEW, (
            f"{match.name} is on the {list_name}{cite}: a red flag; compliance must review "
            "before any export."
        )
    return REVIEW, f"{match.name} is on the {list_name}{cite}: compliance must review."


def decide(
    *,
    party: str | None,
    matches: list[Match],
    destination: DestinationPolicy | None,
    item: str | None,
    purpose: str | None,
    authorizations: list[Authorization],
    list_version: str | None,
    list_age: str | None,
    list_problem: str | None,
    list_empty: bool,
    thresholds: Thresholds,
    today: date,
    family: Family | None = None,
) -> Decision:
    """Weigh everything known and return the most restrictive verdict that applies."""
    reasons: list[str] = []
    notes: list[str] = []
    verdict = CLEAR
    strong_license_matches: list[Match] = []

    def raise_to(new: str, why: str) -> None:
        nonlocal verdict
        reasons.append(why)
        if _SEVERITY[new] > _SEVERITY[verdict]:
            verdict = new

    if destination is not None and destination.policy != "none":
        cite = f" ({destination.cite})" if destination.cite else ""
        if destination.policy == "embargoed":
            raise_to(PROHIBITED, f"Destination {destination.name}: {destination.reason}{cite}.")
        elif destination.policy == "license_required":
            raise_to(
                LICENSE_REQUIRED, f"Destination {destination.name}: {destination.reason}{cite}."
            )
        else:
            raise_to(REVIEW, f"Destination {destination.name}: {destination.reason}{cite}.")

    organisation = _organisation(party or "")
    shown = [
        m
        for m in matches
        if m.score >= thresholds.review
        # "Lee Enterprises, Incorporated" is not the person "David Lee": a company's name
        # matches a listed individual only strongly (the person's name inside it), or not.
        and not (organisation and m.entity_type == "Individual" and m.score < thresholds.strong)
    ]
    people = [m for m in matches if m.score >= thresholds.review and m not in shown]
    if people:
        notes.append(
            f"Not counted: a partial match ({people[0].score:.0f}/100) with the listed person "
            f"{people[0].name}; '{party}' is a company's name."
        )
    also: list[Match] = []
    judged: list[tuple[Match, bool, str, str]] = []
    for match in shown:
        relation, extra = _relation(party or "", match.matched_name)
        # The full legal name of a listed short form ("Zhejiang Dahua Technology Co., Ltd."
        # for "Dahua Technology") is that party: never weaker than the short form.
        strong = match.score >= thresholds.strong or relation == "full_form"
        match_verdict, why = verdict_for_match(match, strong=strong, today=today)
        match_verdict, why = _capped(match, match_verdict, why, relation, extra)
        judged.append((match, strong, match_verdict, why))
    # The record that sets the verdict comes first; then by how much each drives it, then
    # by score (the sort is stable, and `matches` arrive best score first).
    judged.sort(key=lambda j: -_SEVERITY[j[2]])
    shown = [j[0] for j in judged]
    for i, (match, strong, match_verdict, why) in enumerate(judged):
        if match_verdict == LICENSE_REQUIRED:
            strong_license_matches.append(match)
        if i == 0:
            raise_to(match_verdict, why)
        elif strong:
            # Every strong match counts towards the verdict; its evidence is in `matches`.
            if _SEVERITY[match_verdict] > _SEVERITY[verdict]:
                raise_to(match_verdict, why)
            else:
                also.append(match)
    if also:
        names = "; ".join(f"{m.name} ({m.source})" for m in also[:5])
        more = f" and {len(also) - 5} more" if len(also) > 5 else ""
        reasons.append(f"Also a strong match: {names}{more}.")
    if family is not None and family.count > 1:
        per = ", ".join(f"{s} {n}" for s, n in sorted(family.by_source.items()))
        family_verdict = _family_verdict_of(family, party or "")
        member = f", among them {family.example}" if family.example else ""
        how = (
            "every member that carries a requirement carries this one"
            if family_verdict != REVIEW
            else f"most members' names lead with another word than '{family.token}'"
            if not family.leads
            else "its members carry different requirements or none"
            if family.exact
            else f"the name is spelt like '{family.token}', not as listed"
        )
        before = verdict
        raise_to(
            family_verdict,
            f"'{family.token}' names a family of {family.count} listed records ({per}){member}; "
            f"{how}. Each affiliate is listed separately, so name the exact company to narrow "
            "it down.",
        )
        lead = family.lead
        if (
            lead is not None
            and _SEVERITY[family_verdict] > _SEVERITY[REVIEW]
            and all(m.entry_key != lead.entry_key for m in shown)
        ):
            # The record behind a stricter verdict is shown; first when it set the verdict.
            if _SEVERITY[verdict] > _SEVERITY[before]:
                shown.insert(0, lead)
            else:
                shown.append(lead)

    authorization = None
    if verdict == LICENSE_REQUIRED and authorizations:
        # The family must be covered only when it is what calls for a license.
        drives = (
            family is not None
            and family.count > 1
            and _family_verdict_of(family, party or "") != REVIEW
        )
        verdict, authorization = _apply_authorizations(
            authorizations,
            strong_license_matches,
            family if drives else None,
            destination,
            item,
            purpose,
            today,
            reasons,
        )

    if not (party or "").strip() and verdict == CLEAR:
        # Nothing was screened: a destination without restrictions says nothing about the party.
        return Decision(
            verdict=UNAVAILABLE,
            reasons=["No party was named, so nothing was screened. Give the party's name."],
            destination=destination,
            list_version=list_version,
            list_age=list_age,
        )
    if list_empty and verdict in (CLEAR, REVIEW):
        return Decision(
            verdict=UNAVAILABLE,
            reasons=[list_problem or "No screening list is loaded.", *reasons],
            matches=shown,
            destination=destination,
            family=family,
            list_version=list_version,
            list_age=list_age,
        )
    if list_problem and verdict == CLEAR:
        return Decision(
            verdict=UNAVAILABLE,
            reasons=[list_problem],
            matches=shown,
            destination=destination,
            family=family,
            list_version=list_version,
            list_age=list_age,
        )
    if list_problem:
        notes.append(list_problem)
    if verdict == CLEAR:
        who = f"'{party}'" if party else "The party"
        reasons.append(
            f"{who} matched nothing on the screening list at or above {thresholds.review:.0f}/100"
            + (
                f", and {destination.name} has no destination restriction on record."
                if destination
                else "."
            )
        )
    return Decision(
        verdict=verdict,
        reasons=reasons,
        matches=shown,
        destination=destination,
        authorization=authorization,
        family=family,
        list_version=list_version,
        list_age=list_age,
        notes=notes,
    )


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:

    return place_tokens()


@lru_cache(maxsize=4096)
def _core_tokens(text: str) -> tuple[str, ...]:

    return tuple(t for t in tokens(normalize_name(text)) if not _is_generic(t))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    """The words as written, legal forms and stopwords left out ("electric" stays itself)."""

    legal = normalize_name("ltd")
    out = []
    for w in prepare(text).split():
        norm = normalize_name(w)
        if not norm or all(_is_generic(t) for t in norm.split()):
            continue
        if normalize_name(f"{w} ltd") == legal:
            continue  # part of a legal form ("Co." in "Co., Ltd.")
        out.append(w)
    return tuple(out)


def _relation(query: str, listed: str) -> tuple[str, tuple[str, ...]]:
    """How the name asked about relates to a listed name, word by word.

    ``exact``: the same words (legal forms aside). ``affiliate``: the listed name is the query
    followed by places ("Arrow Electronics (Hong Kong) Co., Ltd." for "Arrow Electronics,
    Inc."): a listed affiliate, not necessarily the party. ``full_form``: the query is the
    listed name with a leading place ("Zhejiang Dahua Technology Co., Ltd." for "Dahua
    Technology"), the way registered names lead with their city or province. ``other``
    otherwise. The second value is the words one name has beyond the other.
    """
    if not query or not listed:
        return "other", ()
    qw, lw = _words(query), _words(listed)
    if qw and qw == lw:
        return "exact", ()
    q, lst = _core_tokens(query), _core_tokens(listed)
    if not q or not lst:
        return "other", ()
    places = _places()
    if q == lst:
        return "other", ()  # same after spelling normalization, but not as written
    if len(lst) > len(q) and lst[: len(q)] == q and all(t in places for t in lst[len(q) :]):
        return "affiliate", lst[len(q) :]
    if len(q) > len(lst) and q[-len(lst) :] == lst and all(t in places for t in q[: -len(lst)]):
        return "full_form", q[: -len(lst)]
    return "other", ()


def _capped(
    match: Match, verdict: str, why: str, relation: str, extra: tuple[str, ...]
) -> tuple[str, str]:
    """Lower a blocking verdict to review where the evidence says the record may be another
    party: a listed affiliate, or a non-exact match in none of the stated country's records."""
    if _SEVERITY[verdict] <= _SEVERITY[REVIEW]:
        return verdict, why
    if _weak_alias(match):
        # OFAC calls such aliases weak: a match on one alone is not a hit ("Mike", "Bilal").
        return REVIEW, (
            f"'{match.matched_name}' is only a one-word alias of {match.name}, a person: a "
            f"match on it alone does not say the party is that person. ({why})"
        )
    if relation == "affiliate" and match.country_match is not True:
        # (In the country stated, "Broad Engineering" in Pakistan is "Broad Engineering
        # (Pakistan)": the place that tells them apart is the one the asker gave.)
        return REVIEW, (
            f"{match.name} is a listed affiliate: its name is the one asked about plus "
            f"'{' '.join(extra)}'. Review whether the party is that affiliate. ({why})"
        )
    if match.country_match is False:
        listed = ", ".join(match.countries) or "no country"
        if relation != "exact":
            return REVIEW, (
                f"{match.name} is listed in {listed}, not the country stated, and the name "
                f"is not an exact match: review whether it is the party. ({why})"
            )
        return verdict, f"{why} (Listed in {listed}, not the country stated; the name is exact.)"
    return verdict, why


@lru_cache(maxsize=4096)
def _organisation(party: str) -> bool:
    """Does the name end in a legal form ("…, Incorporated", "… GmbH", "… S.A.")? A two-letter
    form counts only in capitals ("AG", not the "As" of "Said Ali As Salam")."""
    found = extract_org_types(party.strip(" .,;"))
    if not found:
        return False
    form = found[-1][0]
    tail = party.strip(" .,;").endswith(form.strip(" .,;"))
    return tail and (len(form.strip(".")) > 2 or form.isupper() or "." in form)


def _weak_alias(match: Match) -> bool:
    """Is the matched name one word, an alias (not the name) of a listed individual?"""
    alias = match.matched_name.strip()
    return (
        match.entity_type == "Individual"
        and len(alias.split()) == 1
        and alias.casefold() != match.name.strip().casefold()
    )


def _apply_authorizations(
    authorizations: list[Authorization],
    license_matches: list[Match],
    family: Family | None,
    destination: DestinationPolicy | None,
    item: str | None,
    purpose: str | None,
    today: date,
    reasons: list[str],
) -> tuple[str, dict[str, Any] | None]:
    """Relax license_required only when one authorization covers every dimension at once.

    Party: every license-bearing match is a record the authorization names, and there is at
    least one (no matches to check means nothing is authorized); a name family is covered only
    by an authorization that names the family itself, never by one member's. Destination: the
    asked destination is one it allows (for a license a destination must be asked). Item: the
    authorization's own rule (`activity_for`), after any condition ("not for 5G") it names.
    Date: `valid_from <= today <= expires`.
    """
    is_family = family is not None and family.count > 1
    if not license_matches and not is_family:
        reasons.append(
            "No license or extension on record can authorize this: they cover only the listed "
            "records they name, and no listed record here calls for a license."
        )
        return LICENSE_REQUIRED, None
    dest_code = destination.code if destination else None
    needs_dest = destination is not None and destination.policy == "license_required"
    for auth in authorizations:
        starts = getattr(auth, "valid_from", None)
        if auth.expires is not None and auth.expires < today:
            continue
        if starts is not None and starts > today:
            continue
        if not all(auth.covers_party(m) for m in license_matches):
            continue
        if is_family and family is not None:
            covers_family = getattr(auth, "covers_family", None)
            if covers_family is None or not covers_family(family.token):
                reasons.append(
                    f"{auth.describe()} names one member, not the '{family.token}' family of "
                    f"{family.count} records: it does not cover the family. Name the licensed "
                    "company exactly."
                )
                continue
        if getattr(auth, "requires_destination", True):
            if not dest_code:
                reasons.append(
                    f"{auth.describe()} is on record for this party, but no destination was "
                    "given: name the destination so it can be checked against the license."
                )
                continue
            if not auth.covers_destination(dest_code):
                where = destination.name if destination else dest_code
                reasons.append(
                    f"{auth.describe()} is on record for this party but does not cover a "
                    f"shipment to {where}."
                )
                continue
        elif needs_dest and not auth.covers_destination(dest_code):
            continue
        condition_hit = getattr(auth, "condition_hit", None)
        hit = condition_hit(item, purpose) if condition_hit is not None else None
        if hit:
            reasons.append(
                f"{auth.describe()} is on record for this party, but its condition “{hit}” "
                "excludes this shipment."
            )
            continue
        activity = auth.activity_for(item, purpose)
        if activity is None:
            reasons.append(
                f"{auth.describe()} is on record for this party but does not clearly cover "
                f"{'“' + item + '”' if item else 'this shipment'}: check with compliance."
            )
            continue
        until = f" until {auth.expires.isoformat()}" if auth.expires else ""
        conditions = tuple(getattr(auth, "conditions", ()) or ())
        named = f" Conditions: {'; '.join(conditions)}." if conditions else ""
        reasons.append(f"Authorized by {auth.describe()} — {activity}{until}.{named}")
        return AUTHORIZED, {
            "kind": auth.kind,
            "reference": auth.reference,
            "activity": activity,
            "expires": auth.expires.isoformat() if auth.expires else None,
        }
    return LICENSE_REQUIRED, None


def _family_verdict(source: str) -> str:
    """What a bare family name calls for, given one list its members are on."""
    if source in BLOCKING_LISTS or source == "DPL":
        return PROHIBITED
    if source in LICENSE_LISTS:
        return LICENSE_REQUIRED
    return REVIEW


def _is_brand_itself(party: str, token: str) -> bool:
    """Is the name asked about just the brand, legal forms aside ("Huawei", "RPC, Inc.",
    "华为")? Not when other words come with it, even stopwords ("em-tec GmbH" is not 'tec')."""
    from rigour.names.org_types import remove_org_types  # (rigour loads its tables on import)

    legal = normalize_name("ltd")
    words = [
        w
        for w in prepare(party).split()
        if (norm := normalize_name(w))
        and remove_org_types(norm).strip()
        and normalize_name(f"{w} ltd") != legal
    ]
    return len(words) == 1 or "".join(words) == token


def _family_verdict_of(family: Family, party: str) -> str:
    """A bare brand takes its members' requirement only when they all agree on it.

    Only when the query is the brand itself, as listed, and the brand leads most members' names
    (not "cryo" of "Ecotherm-Cryo Limited"). Members on lists that carry no
    requirement of their own (review lists such as CMIC) do not disagree; a family whose
    members carry different requirements ("dahua": a Denied Persons record and an Entity
    List one) is `review`: the exact company decides.
    """
    if not family.exact or not family.leads or not _is_brand_itself(party, family.token):
        return REVIEW
    carried = {_family_verdict(source) for source in family.by_source} - {REVIEW}
    return carried.pop() if len(carried) == 1 else REVIEW


def family_from_sources(
    token: str,
    sources: list[str],
    example: str | None = None,
    *,
    exact: bool = True,
    lead: Match | None = None,
    leads: bool = True,
) -> Family:
    return Family(
        token=token,
        count=len(sources),
        by_source=dict(Counter(sources)),
        example=example,
        exact=exact,
        lead=lead,
        leads=leads,
    )


def raise_floor(decision: Decision, verdict: str, why: str) -> None:
    """Keep `decision` at `verdict` at least (a reviewer's "needs a license check"); never
    lowers it, and an `unavailable` answer stays unavailable."""
    if decision.verdict in _SEVERITY and _SEVERITY[verdict] > _SEVERITY[decision.verdict]:
        decision.verdict = verdict
        decision.reasons.insert(0, why)
    else:
        decision.reasons.append(why)


def unavailable(reason: str) -> Decision:
    """Fail closed: nothing could be checked."""
    return Decision(verdict=UNAVAILABLE, reasons=[reason])


def _escaped(text: str, limit: int = 80) -> str:
    shown = "".join(c if c.isprintable() and c.isascii() else ascii(c)[1:-1] for c in text)
    return shown[:limit] + ("…" if len(shown) > limit else "")


def no_party_named(decision: Decision, received: str) -> Decision:
    """A party that cleans to nothing is never clear: at least `review`, saying what came in.

    A stricter verdict from the destination stands; a list that cannot be used stays
    `unavailable`.
    """
    why = f"No party named: '{_escaped(received)}' has no name in it once markup is removed."
    if decision.verdict == UNAVAILABLE and decision.reasons[:1] != [
        "No party was named, so nothing was screened. Give the party's name."
    ]:
        decision.reasons.insert(0, why)
        return decision
    if _SEVERITY.get(decision.verdict, 0) > _SEVERITY[REVIEW]:
        decision.reasons.insert(0, why)
        return decision
    return Decision(
        verdict=REVIEW,
        reasons=[why],
        matches=[],
        destination=decision.destination,
        list_version=decision.list_version,
        list_age=decision.list_age,
        notes=decision.notes,
    )
