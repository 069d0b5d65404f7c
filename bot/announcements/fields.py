"""Fields of a license-decision announcement: dates, party, scope, destination, conditions.

These helpers only pull details out of a message already judged to be an announcement; they never
decide whether it is one. Each returns what it found plus, where relevant, notes explaining doubt,
so the caller can downgrade a record to "uncertain" instead of storing a wrong expiry or party.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry

_I = re.IGNORECASE

# --- Dates ----------------------------------------------------------------------------------------
_MONTH_NUMBERS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
# Accepted forms: ISO 2025-11-20; US 11/20/2025 or 11/20/25; 20 Nov 2025; Nov 20, 2025;
# November 20 2025. Without a year ("Nov 20") only after a validity keyword, year from `today`.
DATE = re.compile(
    rf"""(?<![\w/.\-])(?:
        (?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})
      | (?P<us_m>\d{{1,2}})/(?P<us_d>\d{{1,2}})/(?P<us_y>\d{{4}}|\d{{2}})
      | (?P<dmy_d>\d{{1,2}}){_ORD}\s+(?P<dmy_mon>{_MONTH})\.?,?\s+(?P<dmy_y>\d{{4}})
      | (?P<mdy_mon>{_MONTH})\.?\s+(?P<mdy_d>\d{{1,2}}){_ORD},?\s+(?P<mdy_y>\d{{4}})
      | (?P<md_mon>{_MONTH})\.?\s+(?P<md_d>\d{{1,2}}){_ORD}
      | (?P<dm_d>\d{{1,2}}){_ORD}\s+(?P<dm_mon>{_MONTH})
    )(?![\w/\-])""",
    re.IGNORECASE | re.VERBOSE,
)
# Keyword right before a date saying it is the end of validity ("valid until", "expires on").
UNTIL_BEFORE = re.compile(
    r"(?:\b(?:valid|good)\s+(?:until|till|til|through|thru|to)|\bexpir\w*(?:\s+(?:date|on))?"
    r"|\bexp\.?|\buntil|\btill|\bthru|\bthrough|\bends?(?:\s+on)?|\bvalid)\s*[:\-]?\s*$",
    _I,
)
# Keyword right before a date saying it is the start of validity ("valid from", "effective").
FROM_BEFORE = re.compile(
    r"(?:\b(?:valid|good)\s+(?:from|as\s+of|starting|beginning)|\beffective(?:\s+(?:date|on|from))?"
    r"|\bstarting(?:\s+on)?|\bfrom|\bbeginning)\s*:?\s*$",
    _I,
)
# Between two dates of a validity range: "2024-01-01 to 2025-12-31", "1/1/2024 - 12/31/2025".
RANGE_JOINER = re.compile(r"^\s*(?:to|through|thru|until|till|-|–|—)\s*$", _I)
_RANGE_FOLLOWS = re.compile(r"\s*(?:to|through|thru|until|till|-|–|—)\s*\S", _I)
VALID_BEFORE = re.compile(r"\b(?:valid(?:ity)?|good|period|effective)\s*:?\s*$", _I)


@dataclass
class Validity:
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    doubts: list[str] = field(default_factory=list)


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_from_match(m: re.Match[str], today: dt.date) -> tuple[dt.date | None, str | None]:
    """Turn one DATE match into a date; the second value explains any doubt about it."""
    g = m.groupdict()
    if g["iso_y"]:
        return _make_date(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"])), None
    if g["us_y"]:
        year = int(g["us_y"]) + (2000 if len(g["us_y"]) == 2 else 0)
        month, day = int(g["us_m"]), int(g["us_d"])
        us = _make_date(year, month, day)
        if us is not None:
            return us, None
        # 20/11/2025 cannot be US order; read it day-first but say so.
        return _make_date(year, day, month), f"'{m.group(0)}' read as day/month/year"
    for prefix in ("dmy", "mdy"):
        if g[f"{prefix}_y"]:
            month = _MONTH_NUMBERS[g[f"{prefix}_mon"][:3].lower()]
            return _make_date(int(g[f"{prefix}_y"]), month, int(g[f"{prefix}_d"])), None
    mon, day_text = (g["md_mon"], g["md_d"]) if g["md_mon"] else (g["dm_mon"], g["dm_d"])
    month, day = _MONTH_NUMBERS[mon[:3].lower()], int(day_text)
    candidate = _make_date(today.year, month, day)
    if candidate is not None and candidate < today:
        candidate = _make_date(today.year + 1, month, day)
    return candidate, f"no year in '{m.group(0)}', assumed {candidate}"


def extract_validity(text: str, today: dt.date) -> Validity:
    """Find "valid until/through", "expires", "valid from", and "valid X to Y" dates.

    A date with no validity keyword before it (e.g. the day of the decision) is ignored: storing it
    as an expiry would be a wrong record, and the bot asks for the expiry when it is missing.
    """
    result = Validity()
    previous_end = 0
    previous: tuple[dt.date, str] | None = None  # the date just before, with its role
    for m in DATE.finditer(text):
        gap = text[previous_end : m.start()]
        before = text[max(previous_end, m.start() - 40) : m.start()]
        previous_end = m.end()
        if previous is not None and RANGE_JOINER.match(gap):
            role = "range-end"
        elif FROM_BEFORE.search(before):
            role = "from"
        elif VALID_BEFORE.search(before):
            role = "valid"  # "valid 2024-01-01 to ...", or just "valid 2025-12-31"
        elif UNTIL_BEFORE.search(before):
            role = "until"
        else:
            previous = None
            continue
        value, doubt = _date_from_match(m, today)
        if value is None:
            result.doubts.append(f"could not read the date '{m.group(0)}'")
            previous = None
            continue
        if doubt:
            result.doubts.append(doubt)
        if role == "range-end" and previous is not None:
            if previous[1] in ("from", "valid"):
                result.valid_from = result.valid_from or previous[0]
            result.valid_until = result.valid_until or value
        elif role == "from":
            result.valid_from = result.valid_from or value
        elif role == "until":
            result.valid_until = result.valid_until or value
        previous = (value, role)
        # A "valid <date>" not followed by a range is the end of validity.
        following = text[m.end() : m.end() + 12]
        if role == "valid" and not _RANGE_FOLLOWS.match(following):
            result.valid_until = result.valid_until or value
    if result.valid_from and result.valid_until and result.valid_from > result.valid_until:
        result.doubts.append("validity starts after it ends")
    return result


# --- Countries ------------------------------------------------------------------------------------
_EXTRA_COUNTRY_NAMES = (
    "russia", "iran", "north korea", "south korea", "korea", "taiwan", "vietnam", "syria", "laos",
    "uae", "uk", "usa", "prc", "hong kong", "macau", "macao", "burma", "crimea", "venezuela",
    "bolivia", "tanzania", "moldova", "czech republic", "the netherlands", "mainland china",
    "united states", "great britain", "turkey",
)  # fmt: skip


@lru_cache(maxsize=1)
def _country_tables() -> tuple[frozenset[str], frozenset[str]]:
    """Country names (lower-case) and ISO alpha-2/alpha-3 codes (upper-case), built once."""
    names: set[str] = set(_EXTRA_COUNTRY_NAMES)
    codes: set[str] = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.add(value.lower())
        codes.update({country.alpha_2, country.alpha_3})
    return frozenset(names), frozenset(codes)


def country_prefix(words: list[str], *, allow_code: bool) -> str | None:
    """Longest leading run of `words` that names a country, or None."""
    names, codes = _country_tables()
    for size in range(min(len(words), 5), 0, -1):
        candidate = " ".join(words[:size]).rstrip(".,;:")
        if candidate.lower() in names or (size == 1 and allow_code and candidate in codes):
            return candidate
    return None


def is_country(text: str) -> bool:
    return country_prefix(text.split(), allow_code=True) == text.strip()


DESTINATION = re.compile(
    r"(?:\b(?P<kw>(?i:destination|dest\.?|country)|to|into|in)\s*:?\s+(?:the\s+)?"
    r"|\((?=[A-Z]))"
    r"(?P<run>[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,4})"
)


def extract_destination(text: str) -> str | None:
    """Country named after "to", "in", "destination:" or in parentheses, as written.

    A country word that starts a longer capitalised name ("to China Mobile") is a party, not a
    destination, unless a "destination:" label says otherwise.
    """
    for m in DESTINATION.finditer(text):
        words = m.group("run").split()
        kw = (m.group("kw") or "(").lower()
        labelled = kw.startswith(("destination", "dest", "country"))
        found = country_prefix(words, allow_code=labelled or kw in ("(", "to"))
        if found and (labelled or len(found.split()) == len(words)):
            return found
    return None


# --- Party ----------------------------------------------------------------------------------------
_SUFFIX = (
    r"(?:Ltd|Limited|Inc|Incorporated|LLC|Co|Company|Corp|Corporation|GmbH|S\.?A|AG|PLC|LLP|Pte"
    r"|Pty|B\.?V|N\.?V|SARL|S\.?A\.?S|KK|Bhd|JSC|OOO|PJSC)\b"
)
_TOKEN = r"(?:[A-Z][\w&'’.\-]*|\([A-Z][\w\-]*\))"
# A capitalised name: words starting with a capital, joined by spaces, "of"/"and"/"&"/"de", or by a
# comma before a company suffix ("Co., Ltd."). Tokens and joiners share no characters, so matching
# stays linear however long the input.
PARTY_RUN = re.compile(
    rf"{_TOKEN}(?:(?:[ \t]+(?:(?:of|and|&|de|du|la)[ \t]+)?|,[ \t]+(?={_SUFFIX})){_TOKEN})*"
)
# Introductions of a party: "for Huawei", "to Hangzhou Hikvision", "(Dahua)" right after a number.
PARTY_AFTER_PREPOSITION = re.compile(r"\b(?:for|to)\s+(?:the\s+)?(?=[A-Z])")
PARTY_BEFORE_LICENSE = re.compile(r"(?=([A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3})\s+licen[cs]e\b)")
_PAREN = re.compile(r"\s*\(([^()\n]{1,120})\)")
# A separator after the number or the decision word that may introduce the party:
# "D5678901 – Sugon – parts", "APPROVED — Huawei Technologies Co., Ltd.", "approved: Huawei".
_SEPARATOR = re.compile(r"[ \t]*(?:[—–:,]|[ \t]-)[ \t]*|[ \t]+[^\w\s()]{1,3}[ \t]+(?=\()")
_DECISION_WORD = re.compile(
    r"\b(?:approved|granted|issued|denied|rejected|revoked|rescinded|returned(?:\s+without\s+action)?"
    r"|RWA(?:'?d)?)\b",
    _I,
)
# Capitalised words that cannot start a party name.
_NOT_PARTY_START = frozenset(
    {"bis", "commerce", "license", "licence", "licenses", "application", "update", "good", "the",
     "our", "us", "u.s.", "ear", "lte", "5g", "4g", "rf", "ic", "gpu", "cpu", "fpga", "asic", "eda",
     "hpc", "ai", "ear99", "eccn", "valid", "expires", "conditions", "condition", "existing",
     "approved", "granted", "denied", "revoked", "returned", "rwa", "export", "new", "all", "any",
     "great", "fyi", "we", "it", "this", "that", "just", "today", "yesterday", "z", "d", "snap-r",
     "department", "bureau", "january", "february", "march", "april", "may", "june", "july",
     "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
     "jul", "aug", "sep", "sept", "oct", "nov", "dec", "not", "no", "i", "an", "a", "monday",
     "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "ecra", "oee", "final",
     "congrats", "congratulations", "thanks", "thank", "nice", "yay", "woohoo", "finally", "please",
     "team", "everyone", "huge", "big", "awesome", "see", "details", "letter", "attached", "more",
     "well", "ok", "okay", "so", "and", "but", "also", "re", "fwd", "cc", "note", "heads"}
)  # fmt: skip
# Capitalised words that end a party name ("for Dahua Valid until ...").
_PARTY_STOP = re.compile(
    r"\s+(?:Valid|Expires|Expiring|Approved|Granted|Denied|Revoked|Returned|RWA|Conditions?"
    r"|License|Licence|Application|BIS|Effective|Not|No)\b.*$",
    re.DOTALL,
)
_KEEP_FINAL_DOT = re.compile(rf"(?:{_SUFFIX}|\b[A-Z])\.$")


_LEADING_NUMBER = re.compile(r"^(?:[DZ]-?\d{6,7}\b[\s,:]*)+", _I)


def _clean_party(raw: str) -> str | None:
    name = _PARTY_STOP.sub("", _LEADING_NUMBER.sub("", raw.strip())).strip()
    name = re.sub(r"['’]s$", "", name)
    if not _KEEP_FINAL_DOT.search(name):
        name = name.rstrip(".")
    name = name.strip(" ,;:-–—'\"()[]")
    if not name or name.split()[0].lower().rstrip(".,") in _NOT_PARTY_START or is_country(name):
        return None
    return name


@dataclass
class PartyMatch:
    name: str
    end: int | None  # where the name ends, to read the scope after it (None: no scope follows)


def extract_party(text: str, number_span: tuple[int, int] | None) -> PartyMatch | None:
    """The counterparty, as written, by the most reliable cue available.

    Order: a parenthesised name right after the number ("D765432 (Dahua)"); a name after a
    separator following the number or the decision ("approved: Huawei Device Co., Ltd.",
    "D5678901 – Sugon"); a name after "for"/"to"; any parenthesised name; a name right before
    "license" ("Huawei license approved"). Countries and common words are never a party.
    """
    if number_span is not None:
        m = _PAREN.match(text, number_span[1])
        name = _clean_party(m.group(1)) if m else None
        if m and name:
            return PartyMatch(name, m.end())
    anchors = [number_span[1]] if number_span is not None else []
    anchors += [m.end() for m in itertools.islice(_DECISION_WORD.finditer(text), 25)]
    for anchor in anchors:
        sep = _SEPARATOR.match(text, anchor)
        run = PARTY_RUN.match(text, sep.end()) if sep else None
        name = _clean_party(run.group(0)) if run else None
        if run and name:
            return PartyMatch(name, run.start() + _end_of(run.group(0), name))
    for m in PARTY_AFTER_PREPOSITION.finditer(text):
        run = PARTY_RUN.match(text, m.end())
        name = _clean_party(run.group(0)) if run else None
        if run and name:
            return PartyMatch(name, run.start() + _end_of(run.group(0), name))
    for m in _PAREN.finditer(text):
        name = _clean_party(m.group(1))
        if name:
            return PartyMatch(name, None)
    for m in PARTY_BEFORE_LICENSE.finditer(text):
        name = _clean_party(m.group(1))
        if name:
            return PartyMatch(name, None)
    return None


def _end_of(run: str, name: str) -> int:
    """Length of `run` up to and including `name` (the run may carry stop words after it)."""
    index = run.find(name)
    return index + len(name) if index >= 0 else len(run)


# --- Scope and conditions -------------------------------------------------------------------------
# Splits a message into comma/semicolon/dash-separated pieces; "Co., Ltd." is never split because
# the party is cut out before scope is read.
_SEGMENT_SPLIT = re.compile(r"[,;]\s+|\s+[—–]\s+|\s+-\s+|\s*[—–()]\s*|\n|(?<=[.!?])\s+")
_CONDITION_LABEL = re.compile(r"^(?:conditions?|provisos?|riders?|restrictions?)\s*:\s*", _I)
_CONDITION_START = re.compile(
    r"^(?:not\s+for|not\s+to\s+be|no\s+(?!idea|clue|word|news|update|conditions|expiry|date)\S|only\s|limited\s+to|excluding|except|end[\s\-]use"
    r"|end[\s\-]user|subject\s+to|provided\s+that|must\s|may\s+not|cannot|restricted\s+to"
    r"|solely|exclusively)",
    _I,
)
_VALIDITY_WORD = re.compile(
    r"^(?:valid|good\s+(?:until|through|thru)|expir|exp\b|effective|until|through|thru)", _I
)
_VERB_START = re.compile(
    r"^(?:was|is|has|have|had|were|been|got|just|today|finally|approved|granted|issued|denied"
    r"|revoked|returned|rejected|rescinded|by\s)",
    _I,
)


def _segments(text: str) -> list[str]:
    return [s.strip(" \t.!:") for s in _SEGMENT_SPLIT.split(text) if s and s.strip(" \t.!:")]


def extract_conditions(text: str) -> tuple[str, ...]:
    """Conditions stated in the message: "not for 5G", or the list after "conditions:"."""
    found: list[str] = []
    for segment in _segments(text):
        labelled = _CONDITION_LABEL.match(segment)
        if labelled:
            segment = segment[labelled.end() :]
        if (labelled or _CONDITION_START.match(segment)) and segment:
            condition = segment.strip(" .")
            if condition.lower() not in ("none", "n/a", "no conditions") and condition not in found:
                found.append(condition)
    return tuple(found)


# Fallback scope: "license D1234567 for servers to Huawei" -> "servers" (lower-case after "for").
_SCOPE_AFTER_FOR = re.compile(r"(?<!not )\bfor\s+(?P<scope>[a-z0-9][^,;:!?\n—–()]{1,80})")


def extract_scope(text: str, start: int | None) -> str | None:
    """The items/activities described right after the party: "— LTE spare parts", "for cameras".

    Reading stops at a validity phrase, a condition, a destination or a verb, so the scope never
    swallows the expiry or the decision itself.
    """
    if start is not None:
        rest = text[start:].lstrip(" ,:;—–-\t")
        rest = re.sub(r"^for\s+", "", rest, flags=_I)
        segments = _segments(rest)
        if segments:
            scope = _clean_scope(segments[0])
            if scope:
                return scope
    m = _SCOPE_AFTER_FOR.search(text)
    return _clean_scope(m.group("scope")) if m else None


def _clean_scope(segment: str) -> str | None:
    if _VERB_START.match(segment) or _CONDITION_LABEL.match(segment):
        return None
    if _VALIDITY_WORD.match(segment) or _CONDITION_START.match(segment) or DATE.search(segment):
        return None
    scope = segment.strip(" ()[]\"'")
    scope = re.split(r"(?:^|\s+)(?:to|in)\s+(?=[A-Z])", scope)[0]  # "servers to China" -> "servers"
    scope = re.split(r"\s+(?:was|is|has|have|were|got)\s", scope)[0]
    return scope.strip() or None
