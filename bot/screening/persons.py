"""Person names: a missing or extra middle name or patronymic, and the order of ``bin``.

The index scores a query against a listed name by weighted token overlap, in which a query
word the listed name lacks counts in full: "Vladimir Vladimirovich Putin" against a listed
"Vladimir Putin" loses the weight of a rare word. For people that is wrong: a patronymic or a
middle name is often left out or added, and says little against a given name and a family name
that both agree. It is also not enough: "Salman bin Muhammad" and "Muhammad bin Salman" share
every word but are father and son.

:func:`person_score` compares two person names given the one-to-one pairing of their words:

* the given and the family name must agree: at least two name words are paired, each with a
  spelling of the same name (similarity >= ``SAME_NAME``), and the last
  word of the query or of the listed name (the family name in the usual order) is among them;
* only one side may have words of its own, except patronymics (-ovich, -evna, ...), which may
  be on both: "Kim Jong Il" and "Kim Jong Un" each have a word the other lacks, so they are
  different people, while "Jamal Sultan al-Tikriti" is "Jamal Mustafa Abdallah Sultan
  al-Tikriti" with two middle names left out;
* then the words of one's own count for ``MIDDLE_FACTOR`` of their weight;
* two names whose paired words agree but which each have a word of their own first or last
  ("Kim Jong Il", "Kim Jong Un"; "Hamza bin Laden", "Osama bin Laden") are two people: the
  score is capped at ``CONFLICT_CAP``;
* ``X bin Y`` in one name and ``Y bin X`` in the other (the words around the particle paired
  crosswise) is another person: the score is capped at ``ORDER_CAP``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CONFLICT_CAP",
    "LINEAGE",
    "MIDDLE_FACTOR",
    "ORDER_CAP",
    "PARTICLES",
    "PersonVerdict",
    "person_score",
]

MIDDLE_FACTOR = 0.2  # a middle name or patronymic one side lacks keeps this share of its weight
ORDER_CAP = 0.7  # "X bin Y" against "Y bin X": another person
CONFLICT_CAP = 0.75  # two names paired on their given names, each with its own last word
SAME_NAME = 0.9  # paired words must be spellings of one name (same skeleton), not typos
# Words that join or prefix name parts (after normalization: "ibn" is "bin", "el" is "al").
PARTICLES = frozenset(
    ["bin", "bint", "binti", "ould", "al", "abu", "abd", "van", "von", "de", "da", "del", "der"]
)
LINEAGE = frozenset(["bin", "bint", "binti", "ould"])
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ovna|evna|ivna|ichna|ogly|oglu|uly|kyzy|qizi)$")


@dataclass(frozen=True, slots=True)
class PersonVerdict:
    """``score``: the tolerant score (None: the rule does not apply); ``swapped``: the words
    around ``bin`` are paired crosswise; ``conflict``: given names agree but the two names
    each have another word in the same place, first or last ("Kim Jong Il", "Kim Jong Un")."""

    score: float | None
    swapped: bool
    conflict: bool = False


def is_patronymic(word: str) -> bool:
    return len(word) > 5 and _PATRONYMIC.search(word) is not None


def _lineage_pairs(words: Sequence[str]) -> list[tuple[str, str]]:
    """(word before, word after) of each ``bin`` between two name words."""
    return [
        (words[k - 1], words[k + 1])
        for k in range(1, len(words) - 1)
        if words[k] in LINEAGE and words[k - 1] not in PARTICLES and words[k + 1] not in PARTICLES
    ]


def person_score(
    query: Sequence[tuple[str, float]],
    listed: Sequence[tuple[str, float]],
    pairs: dict[int, tuple[int, float]],
    beta: float,
    query_words: Sequence[str] = (),
    listed_words: Sequence[str] = (),
) -> PersonVerdict:
    """Score a query against a listed person name.

    ``query`` and ``listed``: (token, weight) in name order; ``pairs``: query position ->
    (listed position, similarity) of the one-to-one pairing; ``beta``: the weight of listed
    words the query lacks (as in the index); ``query_words``/``listed_words``: the normalized
    words in order, duplicates kept, for the ``bin`` check.
    """
    qtok = [t for t, _ in query]
    ntok = [t for t, _ in listed]
    paired_n = {n: q for q, (n, _s) in pairs.items()}
    straight = {(qtok[q], ntok[n]) for q, (n, _s) in pairs.items()}

    def same(a: str, b: str) -> bool:
        return a == b or (a, b) in straight

    swapped = any(
        same(a, d) and same(b, c) and not (same(a, c) and same(b, d))
        for a, b in _lineage_pairs(query_words)
        for c, d in _lineage_pairs(listed_words)
    )
    q_core = [k for k, t in enumerate(qtok) if t not in PARTICLES]
    n_core = [k for k, t in enumerate(ntok) if t not in PARTICLES]
    matched = [k for k in q_core if k in pairs and pairs[k][0] in n_core]
    if any(pairs[k][1] < SAME_NAME for k in matched):
        return PersonVerdict(None, swapped)  # "Ying" for "Bing" is another given name
    if len(matched) < 2 or not q_core or not n_core:
        return PersonVerdict(None, swapped)
    own_q = [k for k in q_core if k not in pairs]
    own_n = [k for k in n_core if k not in paired_n]
    conflict = any(
        q_core[end] in own_q
        and n_core[end] in own_n
        and not is_patronymic(qtok[q_core[end]])
        and not is_patronymic(ntok[n_core[end]])
        for end in (0, -1)
    )
    if conflict or (q_core[-1] not in pairs and n_core[-1] not in paired_n):
        return PersonVerdict(None, swapped, conflict)  # the family names differ
    if any(not is_patronymic(qtok[k]) for k in own_q) and any(
        not is_patronymic(ntok[k]) for k in own_n
    ):
        return PersonVerdict(None, swapped)  # each has a name the other lacks
    tolerated_q, tolerated_n = set(own_q), set(own_n)
    num = den = 0.0
    for n, sim in pairs.values():
        w = listed[n][1]
        num += (1.0 + beta) * w * sim
        den += w
    for k, (_t, w) in enumerate(query):
        if k not in pairs:
            den += w * (MIDDLE_FACTOR if k in tolerated_q else 1.0)
    for k, (_t, w) in enumerate(listed):
        den += beta * w * (MIDDLE_FACTOR if k in tolerated_n else 1.0)
    return PersonVerdict(min(1.0, num / den) if den > 0.0 else None, swapped)
