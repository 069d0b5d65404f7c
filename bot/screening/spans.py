"""Find listed names wherever they stand in a message: span linking against the name index.

The question grammar extracts one party phrase; people do not always write the way the grammar
expects ("we got a PO from Huawei Technologies for 12 routers, good to go?"). So, besides that
phrase, every stretch of the message around a word that identifies listed parties (an *anchor*:
an indexed token that is not a place, legal form, descriptor or stopword) is searched in the index
as a candidate party. The best-scoring window around each anchor wins; windows never cross a
sentence break and never start or end on a word of chatter, so "good to go" is never part of a
name. The linker only *adds* parties to screen: it can make an answer stricter, never clear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.screening.countries import find_places

__all__ = ["MAX_WINDOW", "LinkedSpan", "Word", "link_spans", "words_of"]

#: The longest candidate name, in words ("Beijing Institute of Aerospace Control Devices Co Ltd").
MAX_WINDOW = 9
#: Anchors considered per message: a pasted paragraph must not cost hundreds of searches.
MAX_ANCHORS = 12
#: Score points a longer window may lose against the best one and still be preferred.
NEAR = 4.0

_WORD = re.compile(r"[^\W_](?:[\w'’&.\-]*[^\W_])?\.?|&")
# A sentence break or a strong separator: windows never cross one.
# (A dash between two words with no space, "Factory—Branch of RSK MiG", joins them.)
# (A line break always breaks, even after the stop of an abbreviation: "Inc.\nCountry".)
_BREAK = re.compile(r"[?!;:\n\[\]]|\.[^\S\n]|\s[—–]|[—–]\s|\s-\s|\|")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of the message with its character offsets and the sentence it belongs to."""

    text: str
    start: int
    end: int
    sentence: int


@dataclass(frozen=True, slots=True)
class LinkedSpan:
    """A stretch of the message that names a listed party: its text, offsets and best score."""

    text: str
    start: int
    end: int
    score: float
    matched_name: str
    #: Whether the window holds a word that identifies listed parties (not only places,
    #: descriptors and legal forms): "Electronics, Inc." does not, "Hikvision Digital" does.
    identifying: bool = False


class _Index(Protocol):
    def is_anchor(self, word: str, *, loose: bool = False) -> bool: ...

    def search(self, query: str, *, country: str | None = None, limit: int = 10) -> object: ...


def words_of(text: str) -> list[Word]:
    """The words of ``text`` with offsets; a sentence number changes at every break."""
    breaks = [m.start() for m in _BREAK.finditer(text) if not _abbreviation(text, m)]
    out: list[Word] = []
    sentence = 0
    b = 0
    for m in _WORD.finditer(text):
        while b < len(breaks) and breaks[b] < m.start():
            sentence += 1
            b += 1
        out.append(Word(m.group(), m.start(), m.end(), sentence))
    return out


def _abbreviation(text: str, m: re.Match[str]) -> bool:
    """A full stop after a short word ("Co. Ltd", "S.A. Brazil") does not end a sentence."""
    if not m.group().startswith("."):
        return False
    head = text[: m.start()].rsplit(maxsplit=1)
    if head and head[-1].endswith("."):
        return False  # "Inc.. HQ": the abbreviation's stop and then the sentence's
    return bool(head) and (len(head[-1].strip(".")) <= 4 or "." in head[-1])


def link_spans(
    text: str,
    index: _Index,
    *,
    is_chatter: Callable[[str], bool],
    threshold: float,
    words: list[Word] | None = None,
    is_edge_chatter: Callable[[str], bool] | None = None,
) -> list[LinkedSpan]:
    """Listed names found in ``text``: the best window around each anchor scoring ≥ threshold.

    Overlapping finds keep the higher score. ``is_chatter(word)`` tells words that can never
    begin or end a name (question words, verbs, filler); ``is_edge_chatter`` (default the same)
    may be stricter for the ends of a window and the words it starts from ("next", "placed").
    """
    words = words if words is not None else words_of(text)
    edge = is_edge_chatter or is_chatter
    # A capitalised word also anchors when the list knows it at all: "Beijing Institute of
    # Technology" has no identifying word of its own, only places and descriptors.
    anchors = [
        i
        for i, w in enumerate(words)
        if not edge(w.text)
        and index.is_anchor(w.text, loose=w.text[:1].isupper() or not w.text.isascii())
    ][:MAX_ANCHORS]
    cache: dict[str, tuple[float, str]] = {}
    found: list[LinkedSpan] = []
    # "Nexgen Energy Ltd. in Hong Kong": "in" / "at" before a place locates a name, it is not
    # inside one ("… Center at Negev Dimona" is: Negev is no place the bot knows).
    located = {
        k
        for k, w in enumerate(words[:-1])
        if w.text.lower() in _INNER and _place_starts(text, words[k + 1 : k + 4])
    }
    for p in anchors:
        sent = words[p].sentence
        lo = p
        while lo > 0 and p - lo < MAX_WINDOW - 1 and words[lo - 1].sentence == sent:
            lo -= 1
        hi = p
        while hi < len(words) - 1 and hi - p < MAX_WINDOW - 1 and words[hi + 1].sentence == sent:
            hi += 1
        scored: list[LinkedSpan] = []
        for i in range(lo, p + 1):
            if i != p and edge(words[i].text) and not _number_before_name(words, i):
                continue
            for j in range(p, min(hi, i + MAX_WINDOW - 1) + 1):
                if j != p and edge(words[j].text):
                    continue
                if any(
                    _interrupts(words[k].text, is_chatter) or k in located for k in range(i + 1, j)
                ):
                    continue  # "Huawei in Shenzhen" is a name and a place, not one name
                end = words[j].end
                span = text[words[i].start : end]
                if span.count("(") == span.count(")") + 1 and text[end : end + 1] == ")":
                    end += 1  # "Tambov Plant (TZ)": the bracket closes after the last word
                    span = text[words[i].start : end]
                if span.count("(") != span.count(")"):
                    continue  # "Kestrel Optics Inc. (Russia" is no name; "… (Yangon) Co." is
                if span not in cache:
                    result = index.search(span, limit=1)
                    hits = getattr(result, "hits", [])
                    cache[span] = (
                        (float(hits[0].name_score), hits[0].matched_name) if hits else (0.0, "")
                    )
                score, matched = cache[span]
                if score >= threshold:
                    ident = any(index.is_anchor(words[k].text) for k in range(i, j + 1))
                    scored.append(LinkedSpan(span, words[i].start, end, score, matched, ident))
        if scored:
            # The longest window scoring within NEAR of the best: words the user wrote around
            # the listed name ("Zhejiang ... Co., Ltd.") belong to it when they cost little.
            top = max(s.score for s in scored)
            found.append(max((s for s in scored if s.score >= top - NEAR), key=_length))
    return _without_overlaps(found)


def _number_before_name(words: list[Word], i: int) -> bool:
    """A number or a capitalised question word right before a capitalised word may begin a name
    ("140 Repair Plant JSC", "Ship Maintenance Center Zvezdochka") as well as count the goods
    or ask: the window is scored, the score decides (a window that adds the word to a listed
    name costs it, so "50 Huawei" and "Can Huawei" stay "Huawei")."""
    raw = words[i].text
    return (
        (raw.isdigit() or (raw[:1].isupper() and raw.isalpha() and len(raw) > 1))
        and i + 1 < len(words)
        and words[i + 1].sentence == words[i].sentence
        and words[i + 1].text[:1].isupper()
    )


#: Small words that may stand inside a name ("Bank of China", "Procter & Gamble").
JOINERS = frozenset(("&", "and", "of", "de", "du", "des", "der", "la", "le", "el", "al", "the"))


def _interrupts(word: str, is_chatter: Callable[[str], bool]) -> bool:
    """Does a word inside a window break it into two names? Chatter written in lower case does
    ("Huawei in Shenzhen"); written capitalised between two name words it may be part of the
    name ("… Shipbuilding and Ship Repairing JSC", "Bank For Foreign Trade"): the window is
    scored, and the score decides."""
    if word[:1].isupper() and word.isalpha():
        return False
    return is_chatter(word) and word.lower() not in JOINERS and word.lower() not in _INNER


def _place_starts(text: str, after: list[Word]) -> bool:
    """Does a place the bot knows begin right at the first of these words?"""
    places = find_places(text[after[0].start : after[-1].end]) if after else []
    return bool(places) and places[0][0] == 0


#: Small words that stand inside listed names ("Rahal Corporation for Technology and Medical
#: Supplies", "Nuclear Research Center at Negev Dimona", "… Technology in the Science Research")
#: but are no joiners of parties: a window across them is scored like any other, and the
#: shorter window wins unless the longer explains more of a listed name.
_INNER = frozenset(("for", "at", "in", "on"))


def _length(span: LinkedSpan) -> tuple[int, int, float]:
    """Prefer the window that explains most words of the listed name and adds fewest others:
    "Apple Inc." over "Apple", but not "GmbH and Hangzhou Hikvision" over "Hangzhou Hikvision"."""
    listed = set(_WORDS.findall(span.matched_name.lower()))
    mine = _WORDS.findall(span.text.lower())
    shared = sum(1 for w in mine if w in listed)
    return (shared - 2 * (len(mine) - shared), span.end - span.start, span.score)


_WORDS = re.compile(r"[^\W_]+")


def _without_overlaps(spans: list[LinkedSpan]) -> list[LinkedSpan]:
    kept: list[LinkedSpan] = []
    for s in sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)
