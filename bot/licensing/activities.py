"""Does a shipment fall within an authorized activity? Conservative keyword overlap.

An authorization names activities in words ("continued operation of existing networks and
equipment"); a question names an item and maybe a purpose ("software patches for existing
networks"). A question is inside an activity only when it shares at least two of the activity's
distinctive words (all of them if it has fewer): "new 5G base stations" never rides on "existing
networks". When in doubt the answer stays `license_required` and says so.
"""

from __future__ import annotations

import re

_FILLER = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "the",
        "to",
        "with",
        "on",
        "in",
        "under",
        "by",
        "from",
        "as",
        "at",
        "be",
        "is",
        "are",
        "was",
        "were",
        "this",
        "that",
        "these",
        "those",
        "any",
        "all",
        "its",
        "their",
        "our",
        "your",
        "continued",
        "continue",
        "continuing",
        "operation",
        "operations",
        "operate",
        "support",
        "supporting",
        "provision",
        "provide",
        "providing",
        "items",
        "item",
        "activity",
        "activities",
        "purpose",
        "purposes",
        "use",
        "used",
        "uses",
        "using",
        "related",
        "such",
        "other",
        "contracts",
        "contract",
        "signed",
        "before",
        "after",
        "prior",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keywords(text: str | None) -> set[str]:
    """Distinctive words of a phrase, lower-cased and crudely singularised."""
    words = _WORD.findall((text or "").lower())
    return {_stem(w) for w in words if w not in _FILLER and not w.isdigit() and len(w) > 1}


def covering_activity(activities: list[str], item: str | None, purpose: str | None) -> str | None:
    """The first activity the item/purpose falls within, or None."""
    asked = keywords(f"{item or ''} {purpose or ''}")
    if not asked:
        return None
    for activity in activities:
        wanted = keywords(activity)
        if not wanted:
            continue
        if len(wanted & asked) >= min(2, len(wanted)):
            return activity
    return None


def within_scope(scope: str | None, item: str | None, purpose: str | None) -> str | None:
    """`scope` when the asked shipment lies within it, else None. Stricter than an activity.

    A license's scope is what it authorizes, so the rule is containment: every distinctive word
    of the scope must appear in the item or purpose. "LTE spare parts for existing networks"
    covers "LTE spare parts" for "existing networks" (and "used LTE spare parts ..."), but never
    the broader "spare parts": a narrower scope never covers a broader item.
    """
    wanted = keywords(scope)
    asked = keywords(f"{item or ''} {purpose or ''}")
    if not wanted or not asked:
        return None
    return scope if wanted <= asked else None
