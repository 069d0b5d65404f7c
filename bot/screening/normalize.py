"""Name normalization for screening.

Screening compares names written by different people in different scripts, so both the
list side and the query side go through the same function before anything is compared.
The output is a space-separated string of lowercase ASCII tokens in which spelling
variants that mean the same thing (legal forms, common abbreviations, ``&``/``and``,
accents, Cyrillic/Chinese/Arabic scripts) collapse to one token.

Transliteration and legal forms come from well-kept libraries (``normality``/ICU and
``rigour.names.org_types``); only the handful of business abbreviations that rigour does
not cover live in the table below. Token order is kept (it is useful for display), but
matching is order-insensitive (see :mod:`bot.screening.index`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from normality import ascii_text
from rigour.names.org_types import replace_org_types_compare

__all__ = [
    "ABBREVIATIONS",
    "NORMALIZER_VERSION",
    "normalize_name",
    "prepare",
    "skeleton",
    "tokens",
]

#: Bump whenever the output of :func:`normalize_name` changes for any input: normalized
#: names stored in the database next to this version must then be recomputed.
NORMALIZER_VERSION = "2"

# Words rigour does not treat as legal forms but which are written in many ways in
# company names. Each maps to one canonical (short) spelling. Keys are the lowercase
# tokens as they look after punctuation is removed ("Int'l" -> "intl", "Co." -> "co").
_ABBREVIATION_GROUPS: dict[str, tuple[str, ...]] = {
    "tech": ("technology", "technologies", "technological", "technol", "techn", "techs"),
    "intl": ("international", "internacional", "internationale", "internat", "inter'l"),
    "corp": ("corporation", "corporacion", "corporate", "corpn"),
    "co": ("company", "compagnie", "companies"),
    "ltd": ("limited",),
    "inc": ("incorporated",),
    "pvt": ("private",),
    "group": ("grp", "groups"),
    "mfg": ("manufacturing", "manufacture", "manufacturer", "manufacturers", "mfr", "mfrs"),
    "elec": (
        "electronics",
        "electronic",
        "electrical",
        "electric",
        "electr",
        "electro",
        "elect",
        "elecs",
    ),
    "ind": ("industries", "industry", "industrial", "inds", "indus", "indust"),
    "eng": ("engineering", "engg", "engr"),
    "dev": ("development", "developments", "devel"),
    "svc": ("services", "service", "svcs", "serv", "servs"),
    "sys": ("systems", "system", "syst"),
    "comm": ("communications", "communication", "comms", "commun"),
    "telecom": ("telecommunications", "telecommunication", "telecoms"),
    "lab": ("laboratory", "laboratories", "labs", "lab's"),
    "univ": ("university", "universities"),
    "inst": ("institute", "institutes", "instit"),
    "assoc": ("association", "assn", "associates", "associated"),
    "natl": ("national", "nat"),
    "mgmt": ("management", "mgt"),
    "dept": ("department",),
    "equip": ("equipment", "equipments"),
    "sci": ("science", "sciences", "scientific"),
    "holding": ("holdings", "hldg", "hldgs"),
    "bros": ("brothers",),
    "mach": ("machinery", "machine", "machines"),
    "chem": ("chemicals", "chemical"),
    "pharma": ("pharmaceuticals", "pharmaceutical", "pharm"),
    "prod": ("products", "product", "prods"),
    "enterprise": ("enterprises", "ent", "entp"),
    "trading": ("trade", "traders", "trader"),
    "aero": ("aeronautics", "aeronautical", "aerospace"),
    "logistics": ("logistic",),
    "invest": ("investment", "investments", "inv"),
    "equity": ("equities",),
    "import": ("imports", "importer", "imp"),
    "export": ("exports", "exporter", "exp"),
}

#: token -> canonical token (public so the index can correct typos in the long forms).
ABBREVIATIONS: dict[str, str] = {
    variant.replace("'", ""): canonical
    for canonical, variants in _ABBREVIATION_GROUPS.items()
    for variant in variants
}

# Short forms rigour only recognises spelt out ("Joint Stock Co" -> "joint stock company").
_EXPAND = {"co": "company", "corp": "corporation"}

# Cyrillic is romanized the way the US and UK lists spell Russian names (BGN/PCGN-like:
# "Tekhnopromeksport", "Obshchestvo", "Zvezdochka"). ICU's scholarly transliteration folds
# to ASCII as "z"/"h"/"c"/"s" for ж/х/ц/ч/ш and loses exactly the letters that tell the
# spellings apart. Ukrainian and Belarusian letters are included.
_CYRILLIC = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        "ё": "e",
        "ж": "zh",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ь": "",
        "ю": "yu",
        "я": "ya",
        "і": "i",
        "ї": "yi",
        "є": "ye",
        "ґ": "g",
        "ў": "u",
    }
)
_DROP = re.compile(r"[.'`´’‘ʼ]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _canon_tokens(text: str) -> str:
    return " ".join(ABBREVIATIONS.get(t, t) for t in text.split())


@lru_cache(maxsize=65536)
def prepare(text: str) -> str:
    """Script and punctuation steps only: lowercase ASCII words separated by spaces.

    ``normalize_name(prepare(x)) == normalize_name(x)``; the index uses the prepared words
    to correct typos in legal-form words before they are collapsed.
    """
    if not text:
        return ""
    ascii_form = ascii_text(text.lower().translate(_CYRILLIC)) or ""
    s = ascii_form.lower().replace("&", " and ")
    s = _DROP.sub("", s)
    return _NON_ALNUM.sub(" ", s).strip()


@lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """Return the comparison form of a party name.

    Steps, in order: romanize Cyrillic as the lists do (BGN/PCGN-like, ``ж`` -> ``zh``),
    transliterate the rest to ASCII (ICU via normality: Chinese, Arabic, accents),
    lowercase, ``&`` -> ``and``, drop dots and apostrophes so that ``S.A.`` and
    ``Int'l`` become one token, turn every other non-alphanumeric run into a space, map
    business abbreviations to one spelling, and let rigour replace legal forms by their
    generic type (``Co., Ltd.``, ``Company Limited``, ``GmbH``, ``OOO`` -> ``llc``;
    ``JSC``, ``AO``, ``S.A.`` -> ``jsc``). Idempotent, so stored normalized names can be
    normalized again safely.
    """
    s = prepare(text)
    # The token steps can expose new legal forms ("sa co" -> "jsc company" -> "jsc"), so
    # run them to a fixed point: that is what makes the function idempotent.
    for _ in range(32):  # each round removes tokens or stops, so this is never reached
        nxt = _token_steps(s)
        if nxt == s:
            break
        s = nxt
    return s


def _token_steps(s: str) -> str:
    # Legal forms first (rigour knows "joint stock company"), then our abbreviations,
    # then legal forms again ("company limited" -> "co ltd" -> "llc").
    if not s:
        return ""
    s = " ".join(_EXPAND.get(t, t) for t in s.split())
    s = replace_org_types_compare(s)
    s = _canon_tokens(_NON_ALNUM.sub(" ", s.lower()))
    s = replace_org_types_compare(s, generic=True)
    return " ".join(_NON_ALNUM.sub(" ", s.lower()).split())


def tokens(normalized: str) -> list[str]:
    """Split a normalized name into tokens, dropping duplicates but keeping order."""
    return list(dict.fromkeys(normalized.split()))


_SKELETON_RULES = [
    (re.compile(p), r)
    for p, r in (
        (r"shch|sch", "s"),
        (r"dzh|dj|zh|j", "i"),
        (r"kh", "h"),
        (r"ck|q", "k"),
        (r"ks", "x"),
        (r"ph", "f"),
        (r"ts|tz", "c"),
        (r"w", "v"),
        (r"ou|oo", "u"),
        (r"ee", "i"),
        (r"y", "i"),
        (r"h", ""),
        (r"c", "k"),
        (r"e?i", "i"),
        (r"(.)\1+", r"\1"),
    )
]


def skeleton(token: str) -> str:
    """Spelling-insensitive key of one normalized token.

    Names reach us through different romanizations and back-transliterations
    ("Khamenei"/"Hamenei", "Dzhose"/"Jose", "Huavei"/"Huawei", "Eksport"/"Export"), which
    are often two or more edits apart. Tokens with the same skeleton are treated as
    likely spellings of one word; the index still scores them below an exact match.
    """
    s = token
    for pat, rep in _SKELETON_RULES:
        s = pat.sub(rep, s)
    return s
