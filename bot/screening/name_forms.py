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
  written by different hands; a list of name *parts*, not of persons.

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
    ("abdulrahman", "abdurrahman", "abdelrahman", "abdalrahman", "abdulrehman", "abdurahman"),
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
    ("bin", "ibn"),
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


def rewrite_phrases(prepared: str) -> str:
    """Rewrite the spelled-out forms and name-part spellings of a prepared name."""
    return _PATTERN.sub(lambda m: _ALL[m.group(1)], prepared)
