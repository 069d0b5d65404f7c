"""Spelled-out forms and name-part spellings that mean the same: one comparison form each.

:func:`~bot.screening.normalize.normalize_name` rewrites, on both the list side and the query
side, the phrases below to one form before rigour's legal forms and the abbreviation table:

* numbers and ordinals written as words, generated for 1-99 ("Twenty-First" -> "21st",
  "Three" -> "3", "Second" -> "2nd"), and "Number"/"Nr" -> "no";
* abbreviations of places in names: "U.S."/"USA"/"United States (of America)" -> "us",
  "St."/"Saint" -> "saint", "Mt." -> "mount", "Ft." -> "fort";
* legal forms written out that rigour 2.6 does not know ("Gesellschaft mit beschränkter
  Haftung" -> "gmbh", Polish "Sp. z o.o." and "Spółka z ograniczoną odpowiedzialnością" ->
  "spzoo", "Société Anonyme"/"Spółka Akcyjna" -> "sa"); rigour then maps those to its types;
* common spellings of Arabic and Persian name parts (the transliteration variants of
  "Muhammad", "Usama", "Yusuf", "Husayn", "ibn"/"bin", "el-"/"al-" ...), which are one name
  written by different hands; a list of name *parts*, not of persons; and the theophoric
  names "Abd al-X", "Abdul X", "AbdelX" written as the two words "abd x".

Every output is itself a fixed point (rewriting it again changes nothing), so the normalizer
stays idempotent.
"""

from __future__ import annotations

import re

__all__ = ["NAME_PARTS", "rewrite_phrases"]

_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_UNIT_ORD = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _suffix(n: int) -> str:
    if 10 <= n % 100 <= 19:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _teen_ordinal(word: str) -> str:
    return "twelfth" if word == "twelve" else word + "th"


def _tens_ordinal(word: str) -> str:
    return word[:-1] + "ieth"  # twenty -> twentieth


def _number_words() -> dict[str, str]:
    """Number and ordinal words from 1 to 99 -> digits ("twenty first" -> "21st")."""
    out: dict[str, str] = {}
    for k, (card, ordn) in enumerate(zip(_UNITS, _UNIT_ORD, strict=True), start=1):
        out[card] = str(k)
        out[ordn] = f"{k}{_suffix(k)}"
    for k, word in enumerate(_TEENS, start=10):
        out[word] = str(k)
        out[_teen_ordinal(word)] = f"{k}th"
    for k, word in enumerate(_TENS, start=2):
        n = 10 * k
        out[word] = str(n)
        out[_tens_ordinal(word)] = f"{n}th"
        for u, (card, ordn) in enumerate(zip(_UNITS, _UNIT_ORD, strict=True), start=1):
            out[f"{word} {card}"] = str(n + u)
            out[f"{word} {ordn}"] = f"{n + u}{_suffix(n + u)}"
    return out


# Phrases (prepared words: lowercase ASCII, dots and apostrophes dropped) -> one form.
_PHRASES: dict[str, str] = {
    **_number_words(),
    "number": "no",
    "nr": "no",
    "united states of america": "us",
    "united states": "us",
    "usa": "us",
    "st": "saint",
    "mt": "mount",
    "ft": "fort",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "gesellschaft mit beschraenkter haftung": "gmbh",
    "spolka z ograniczona odpowiedzialnoscia": "spzoo",
    "sp z oo": "spzoo",
    "sp zoo": "spzoo",
    "societe anonyme": "sa",
    "societe anonima": "sa",  # the query side corrects "anonyme" to the legal word "anonima"
    "sociedad anonima": "sa",
    "spolka akcyjna": "sa",
}

#: Spellings of common Arabic and Persian name parts -> one spelling (the first of each group).
_NAME_PART_GROUPS: tuple[tuple[str, ...], ...] = (
    ("muhammad", "mohammed", "mohammad", "mohamed", "muhammed", "mohamad", "mohamud", "mehmet"),
    ("usama", "osama", "ousama", "oussama"),
    ("yusuf", "yousef", "yousif", "youssef", "yusef", "yousuf", "yussuf"),
    ("abdullah", "abdallah", "abdulla"),
    ("abd", "abdul", "abdel", "abdal", "abdol"),
    ("husayn", "hussein", "hussain", "husain", "hossein", "hosein", "husein"),
    ("hasan", "hassan"),
    ("umar", "omar"),
    ("uthman", "othman", "osman", "usman"),
    ("khalid", "khaled"),
    ("ahmad", "ahmed"),
    ("mahmud", "mahmoud", "mahmood"),
    ("ibrahim", "ebrahim"),
    ("ismail", "ismael", "esmail"),
    ("mustafa", "mustapha", "moustafa", "mostafa"),
    ("qasim", "qasem", "qassem", "ghasem", "kassem", "kasim", "qassim"),
    ("yasin", "yassin", "yaseen", "yassine"),
    ("sheikh", "shaikh", "shaykh", "sheik"),
    ("abu", "abou"),
    ("bin", "ibn", "bn"),  # "bn": بن romanized without its vowel
    ("al", "el", "ul"),
)
NAME_PARTS: dict[str, str] = {
    variant: group[0] for group in _NAME_PART_GROUPS for variant in group[1:]
}

_ALL = {**_PHRASES, **NAME_PARTS}
# Longest phrases first, so "united states of america" wins over "united states".
_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(_ALL, key=lambda p: (-len(p), p))) + r")\b"
)


# "Abd al-Rahman", "Abdul Rahman", "Abdelrahman", "Abdurrahman": one theophoric name, "abd"
# (servant of) and the name it governs, written together or apart, with or without the
# article: always "abd rahman", two words, so that word order ("Rahman, Abdul") does not matter.
_ABD_JOINED = re.compile(r"\babd(?:ul|el|al|ol|ur|ar)?([a-z]{4,})\b")
_ABD_ARTICLE = re.compile(r"\babd al ([a-z]+)\b")


def _abd(match: re.Match[str]) -> str:
    rest = match.group(1)
    return "abdullah" if rest in ("allah", "ullah") else "abd " + rest


def rewrite_phrases(prepared: str) -> str:
    """Rewrite the spelled-out forms and name-part spellings of a prepared name."""
    out = _PATTERN.sub(lambda m: _ALL[m.group(1)], prepared)
    if "abd" in out:
        out = _ABD_ARTICLE.sub(_abd, out)
        out = _ABD_JOINED.sub(lambda m: m.group(0) if m.group(0) == "abdullah" else _abd(m), out)
        out = out.replace("abd allah", "abdullah")
    return out
