"""Place names and business descriptors: words that locate or describe a party, not name it.

"Shenzhen", "Hangzhou", "Moscow" or "Guangdong" in a company name tell where it is, and are
shared by thousands of unrelated firms; the list's own word counts cannot know that (Shenzhen is
rarer on the list than Huawei). Their weight in a match is cut, like legal forms, so a query that
shares only a city and generic words with a listed name does not hit it, and a query that drops
the city prefix of a listed name still does.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry

from bot.screening.normalize import normalize_name, tokens

_SUFFIXES = re.compile(
    r"\b(sheng|shi|zizhiqu|sar|oblast|krai|kray|respublika|province|region|governorate|"
    r"ostan|city|municipality|state)\b",
    re.IGNORECASE,
)


@cache
def place_tokens() -> frozenset[str]:
    from bot.screening.countries import _PLACES  # the question parser's city table

    names: set[str] = set()
    for sub in pycountry.subdivisions:
        names.add(_SUFFIXES.sub(" ", sub.name))
    for country in pycountry.countries:
        names.add(country.name)
        names.add(getattr(country, "common_name", "") or "")
    for group in _PLACES.values():
        names.update(group.split("|"))
    out: set[str] = set()
    for name in names:
        for token in tokens(normalize_name(name)):
            if len(token) >= 4 and token.isalpha():
                out.add(token)
    return frozenset(out)


# rigour's symbol categories for words that describe or locate an organisation. Numbers are
# left out: "13th" in "13th Research Institute" identifies it.
_DESCRIPTOR_CATEGORIES = ("DOMAIN", "SYMBOL", "LOCATION", "ORG_CLASS")


def descriptor_tokens(vocabulary: list[str]) -> frozenset[str]:
    """Words rigour's name tagger knows as a business domain, an organisation word, a place or
    a legal form ("technology", "trading", "group", "moscow"), among `vocabulary`."""
    from rigour.names import NameTypeTag, analyze_names  # (rigour loads its tables on import)

    words = [w for w in vocabulary if w.isalpha()]
    found: set[str] = set()
    for name in analyze_names(
        NameTypeTag.ORG, words, phonetics=False, consolidate=False, rewrite=False
    ):
        if any(str(s.symbol.category).endswith(_DESCRIPTOR_CATEGORIES) for s in name.spans):
            found.add(str(name))
    return frozenset(found)
