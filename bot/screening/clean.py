"""One cleaner for every party name, whatever path it arrived by (issue 14 item 6).

Names arrive by copy-paste from PDFs, web pages, spreadsheets and Slack: invisible characters,
markup, formulas and look-alike letters must not turn a listed party into an unknown one.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_SLACK_LINK = re.compile(r"<(?:https?|mailto|tel):[^|>]*\|([^>]*)>")
_SLACK_BARE_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]*)>")
_SLACK_MENTION = re.compile(r"<[@!#][^>]*>")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_FORMULA = re.compile(r"^[\s'\"]*[=+@\-]+[\s'\"]*")
_SPACED = re.compile(r"(?<!\S)(?:\w ){2,}\w(?!\S)")
_MAX_TAIL = 150


@dataclass(frozen=True)
class Cleaned:
    text: str
    variants: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=1)
def _fold_map() -> dict[str, str]:
    """Non-Latin letters that look like one ASCII letter, from the maintained confusables table."""
    from confusable_homoglyphs import confusables  # (large table: loaded on first use)

    data = confusables.confusables_data if hasattr(confusables, "confusables_data") else None
    if data is None:
        from confusable_homoglyphs.utils import load  # (older releases keep the data here)

        data = load("confusables.json")
    out: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        for g in glyphs:
            c = g.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalpha():
                out[char] = c
                break
    return out


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ")[0]
    except ValueError:
        return ""


def _fold_word(word: str, fold: dict[str, str]) -> str:
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return word
    non_latin = [c for c in letters if not c.isascii()]
    if not non_latin:
        return word
    mixed = len(non_latin) < len(letters)
    all_lookalike = all(c in fold for c in non_latin)
    if (mixed and any(c in fold for c in non_latin)) or all_lookalike:
        return "".join(fold.get(c, c) for c in word)
    return word


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def clean_party(text: str) -> Cleaned:
    """Clean a party name; never raises, idempotent, never longer than the input."""
    notes: list[str] = []
    s = text if isinstance(text, str) else str(text)
    before = s
    s = "".join(c for c in s if unicodedata.category(c) != "Cf" and c != "\u00ad")
    if s != before:
        notes.append("removed an invisible character")
    before = s
    s = _ANSI.sub("", s)
    s = _SLACK_LINK.sub(lambda m: m.group(1), s)
    s = _SLACK_BARE_LINK.sub(" ", s)
    s = _SLACK_MENTION.sub(" ", s)
    for _ in range(3):
        un = html.unescape(s)
        un = "".join(c for c in un if unicodedata.category(c) != "Cf" and c != "\u00ad")
        stripped = _TAG.sub(" ", un)
        if not any(c.isalnum() for c in stripped):
            stripped = un.replace("<", " ").replace(">", " ")
        un = stripped
        if un == s:
            break
        s = un
    s = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp", "Zs") else c for c in s)
    if s != before:
        notes.append("removed markup or control characters")
    before = s
    s = _FORMULA.sub("", s)
    if s != before:
        notes.append("removed a leading formula character")
    s = " ".join(s.split())
    if len(s) > _MAX_TAIL:
        tail = s[-_MAX_TAIL:]
        if s[-_MAX_TAIL - 1].isalnum() and " " in tail:
            tail = tail.split(" ", 1)[1]  # do not start inside a word
        runs = list(re.finditer(r"[^\w.,&()'-]{2,}|[^\w\s.,&()'-]+", tail))
        s = tail[runs[-1].end() :] if runs and runs[-1].end() < len(tail) else tail
        s = " ".join(s.split())
        notes.append("kept the name at the end of a long input")
    before = s
    s = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), s)
    if s != before:
        notes.append("joined letter-spaced words")
    fold = _fold_map()
    before = s
    s = " ".join(_fold_word(w, fold) for w in s.split())
    if s != before:
        notes.append("folded look-alike letters")
    if not any(c.isalnum() for c in s):
        s = ""
    variants: list[str] = []
    if any(_is_han(c) for c in s):
        try:
            from pypinyin import lazy_pinyin  # (its dictionaries load only for Chinese text)

            syll = [p for p in lazy_pinyin(s) if p.strip()]
            spaced = " ".join(" ".join(syll).split())
            for v in (spaced.replace(" ", ""), spaced):
                if v and v not in variants and v != s:
                    variants.append(v)
        except Exception:  # a missing variant must not lose the name itself
            pass
    return Cleaned(text=s, variants=tuple(variants), notes=tuple(notes))
