"""Other forms of a query the index also scores, and the comparison of CJK names as written.

* Words run together: "SergeiLavrov", "SiemensAG", "PolPot" are split where the case changes
  (:func:`camel_split`); a lowercase run ("sergeilavrov") is split where both halves are words
  the list knows or close to one (:func:`vocabulary_splits`, given the index's test).
  The index scores each form and keeps each name's best score, so a split can add a match,
  never lose one; a split form counts for a name only when the name has every half
  ("SiriusPoint" is not "JSC Sirius": the list writes no "Point" apart).
* Chinese, Japanese and Korean names are romanized to compare them with Latin names, but two
  names both written in those scripts are compared as written: "华为" and "华伟" read alike
  ("hua wei") and are different names (:func:`cjk_similarity`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

__all__ = [
    "abjad_words",
    "camel_pieces",
    "camel_split",
    "cjk_similarity",
    "cjk_text",
    "consonant_key",
    "vocabulary_splits",
]

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
MIN_SPLIT_WORD = 8  # shorter lowercase words are not split
MIN_HALF = 4  # nor cut into a half shorter than this


def camel_split(query: str) -> str | None:
    """The query with a space where a lowercase letter meets an uppercase one, if any."""
    out = _CAMEL.sub(" ", query)
    return out if out != query else None


def camel_pieces(query: str) -> list[list[str]]:
    """The pieces of each word of the query that :func:`camel_split` cuts."""
    return [p for w in query.split() if len(p := _CAMEL.sub(" ", w).split()) > 1]


def vocabulary_splits(
    words: list[str], known: Callable[[str], bool], near: Callable[[str], bool]
) -> tuple[list[str], list[list[str]]] | None:
    """The words with each long unknown word cut in two halves, one a word of the list
    (``known``) and the other too or one typo from one (``near``), and the halves of each cut
    word; None when no word is cut.

    Among the cuts of a word, the one with the longer shorter half wins ("sergeilavrov":
    "sergei" + "lavrov"); a word with no cut stays whole.
    """
    out: list[str] = []
    pieces: list[list[str]] = []
    for w in words:
        if len(w) >= MIN_SPLIT_WORD and w.isalpha() and not known(w):
            cuts = []
            for k in range(MIN_HALF, len(w) - MIN_HALF + 1):
                a, b = w[:k], w[k:]
                ka, kb = known(a), known(b)
                if (ka and kb) or (ka and near(b)) or (kb and near(a)):
                    cuts.append((min(k, len(w) - k), k))
            if cuts:
                _, k = max(cuts)
                out += [w[:k], w[k:]]
                pieces.append([w[:k], w[k:]])
                continue
        out.append(w)
    return (out, pieces) if pieces else None


# Legal forms written in CJK characters (rigour's table needs word boundaries, which these
# scripts do not write): they say nothing about which party is meant.
_CJK_LEGAL = re.compile(
    "股份有限公司|有限责任公司|有限責任公司|有限公司|股份公司|集团|集團|公司|株式会社|有限会社|주식회사"
)


def cjk_text(name: str) -> str:
    """The Chinese, Japanese and Korean characters of a name, in order, legal forms left out."""
    return _CJK_LEGAL.sub("", "".join(_CJK.findall(name)))


def cjk_similarity(query: str, listed: str) -> float | None:
    """How alike two names written in CJK characters are (None: not both are).

    One name inside the other ("华为" in "华为技术有限公司") is 1.0; otherwise the character
    edit similarity, so one changed character of two is 0.5.
    """
    a, b = cjk_text(query), cjk_text(listed)
    if not a or not b:
        return None
    if a in b or b in a:
        return 1.0
    return Levenshtein.normalized_similarity(a, b)


# Arabic and Hebrew are written without short vowels, so their romanization ("بشار الأسد" ->
# "bshar alasd") lacks letters the Latin spelling has ("Bashar al-Assad"). Such words are
# compared with listed words on their consonants, the article "al" set apart.
_ABJAD = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f]+")
_NOT_CONSONANT = re.compile(r"[aeiouyw]+")
_DOUBLE = re.compile(r"(.)\1+")
MIN_CONSONANTS = 3


def abjad_words(text: str) -> list[str]:
    """The words of ``text`` written in Arabic or Hebrew letters."""
    return _ABJAD.findall(text)


def consonant_key(token: str, *, short: bool = False) -> str:
    """The consonants of a romanized word, doubled letters once: "bashar" and "bshar" give
    "bshr", "khamenei" and "khamnyy" give "khmn"; "" when fewer than three (two with
    ``short``, for a word whose article was set apart: "asd" -> "sd")."""
    key = _DOUBLE.sub(r"\1", _NOT_CONSONANT.sub("", token))
    least = MIN_CONSONANTS - 1 if short else MIN_CONSONANTS
    return key if len(key) >= least and key.isalpha() else ""
