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

from bot.screening.name_forms import rewrite_phrases

__all__ = [
    "ABBREVIATIONS",
    "NORMALIZER_VERSION",
    "cyrillic_readings",
    "normalize_name",
    "prepare",
    "skeleton",
    "sound_key",
    "tokens",
]

#: Bump whenever the output of :func:`normalize_name` changes for any input: normalized
#: names stored in the database next to this version must then be recomputed.
NORMALIZER_VERSION = "3"

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
    "agri": ("agriculture", "agricultural", "agric", "agro"),
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
# The Arabic article "ال" written on its noun, except in "الله" (Allah).
_ARABIC_ARTICLE = re.compile(
    r"(?<![\u0600-\u06ff])ال(?!له(?![\u0600-\u06ff]))(?=[\u0600-\u06ff]{2,})"
)
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
    if _ARABIC_ARTICLE.search(text):
        text = _ARABIC_ARTICLE.sub("ال ", text)  # the article apart: "الأسد" -> "al asd"
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
    ``Int'l`` become one token, turn every other non-alphanumeric run into a space, rewrite
    spelled-out forms and name-part spellings (:mod:`bot.screening.name_forms`: "Twenty-First"
    -> ``21st``, "United States" -> ``us``, "ibn" -> ``bin``), map
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
    # Spelled-out numbers, place abbreviations, legal forms rigour lacks, name-part spellings.
    s = rewrite_phrases(s)
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


# ---------------------------------------------------------------------------------------
# Other readings of Cyrillic words.
#
# ``prepare`` romanizes Cyrillic as the lists spell *Russian* names (х -> kh, ё -> e). A
# Russian writer who spells a *foreign* name in Cyrillic goes the other way, by sound: an
# English or Chinese "h" becomes х, "yo" becomes ё, "j" becomes дж, and Chinese pinyin is
# written in the Palladius system (xi -> си, qi -> ци, ji -> цзи, zh -> чж, r -> ж, ei -> эй).
# The index therefore also reads a Cyrillic query word back into those spellings and lets
# the list decide which reading it knows; the standard reading stays first.

_VOWEL_CLASS = "аеёиоуыэюяaeiouy"
_I_VOWELS = "иеёюя"  # vowels that start with the sound i in Palladius (i, ie, iu, ia)

# Foreign name read back from a Russian practical transcription ("Latin reading"). Each
# rule is (regex on the lowercase Cyrillic word, replacement), applied in order; the letters
# left over go through the standard table.
_LATIN_READING = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"х", "h"),  # Hongyuan -> Хонгюан, HK -> ХК, Hans -> Ханс
        (r"^з(?=[еэи])", "th"),  # English th is з, с or т: The -> Зе, This -> Зис
        (r"(?<=\d)т$", "th"),  # ordinals: 709th -> 709т
        (r"ё", "yo"),  # Yogone -> Ёгоне
        (r"дж", "j"),  # Jones -> Джонс
        (r"кс", "x"),  # Yixin -> Иксин, Xerox -> Ксерокс
    )
)

# Pinyin read back from the Palladius system (the standard Russian rendering of Chinese):
_PINYIN_READING = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"чж", "zh"),  # zh -> чж: Zhongguo -> Чжунго
        (rf"цз(?=[{_I_VOWELS}])", "j"),  # ji, jia, jie, jiu -> цзи, цзя, цзе, цзю
        (r"цз", "z"),  # za, zi -> цза, цзы
        (rf"ц(?=[{_I_VOWELS}])", "q"),  # qi, qia -> ци, ця
        (r"ц", "c"),  # ca, ci -> ца, цы
        (rf"с(?=[{_I_VOWELS}])", "x"),  # xi, xia, xiu -> си, ся, сю
        (r"х", "h"),  # h -> х
        (r"ж", "r"),  # r -> ж: Renmin -> Жэньминь
        (r"в", "w"),  # w -> в: Wei -> Вэй
        (rf"(?<=[^{_VOWEL_CLASS}ьъ])ю", "iu"),  # liu, jiu -> лю, цзю
        (rf"(?<=[^{_VOWEL_CLASS}ьъ])я", "ia"),  # jia, xia -> цзя, ся
        # jie, xie -> цзе, се; inside a syllable е is also written for e (Хефей, Шеньчжень).
        (rf"(?<=[^{_VOWEL_CLASS}ьъ])е$", "ie"),
        (rf"(?<=[{_VOWEL_CLASS}])й", "i"),  # ai, ei, ui -> ай, эй, уй
        (r"ы", "i"),  # zi, ci, si -> цзы, цы, сы
        (r"ун(?![ьгаеёиоуыэюя])", "ong"),  # ong -> ун: Zhong -> Чжун (un is унь)
    )
)
_HAS_CYRILLIC = re.compile(r"[а-яёіїєґў]")
_WORD_SPLIT = re.compile(r"[^\w]+|_")


def _read(word: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pat, rep in rules:
        word = pat.sub(rep, word)
    return prepare(word)


@lru_cache(maxsize=65536)
def cyrillic_readings(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(standard reading, other readings)`` of each Cyrillic word of ``text``.

    The standard reading is the word as :func:`prepare` spells it; the others are the
    Latin reading (foreign names spelt by sound: х -> h, ё -> yo, дж -> j, кс -> x) and the
    pinyin reading (Palladius reversed), when they differ from it. Words that are not
    Cyrillic, or whose standard reading is not one word, are left out.
    """
    out: dict[str, tuple[str, ...]] = {}
    for raw in _WORD_SPLIT.split(_DROP.sub("", text.lower())):
        if not raw or not _HAS_CYRILLIC.search(raw):
            continue
        std = prepare(raw)
        if not std or " " in std or std in out:
            continue
        alts = []
        for rules in (_LATIN_READING, _PINYIN_READING):
            alt = _read(raw, rules)
            if alt and " " not in alt and alt != std and alt not in alts:
                alts.append(alt)
        out[std] = tuple(alts)
    return tuple(out.items())


# English words spelt by ear in Cyrillic ("Сайенс" for Science, "Рисерч" for Research,
# "Корпорейшн" for Corporation, "Чайна" for China) are far more than one edit from the
# English spelling, because Russian writes the vowels as they sound. Their consonants
# survive, so they are compared on a key of consonant sounds: English spelling rules map
# letters to sounds (c is s before e/i/y and k elsewhere, -tion/-tial are "shn"/"shl",
# -ture is "chur", soft g is j, qu is kv, ch before l/n/r is the Greek k of "technology"),
# romanization digraphs to the same sounds (dzh/zh/j, ch/tch, sh/shch), z is s and w is v,
# then vowels, y and h are dropped and doubled letters collapsed: "sayens" and "science"
# give "sns", "chayna" and "china" "Cn", "riserch" and "research" "rsrC", "korporeyshn"
# and "corporation" "krprSn". The key is only used for words read from Cyrillic.
_SOUND_RULES = [
    (re.compile(p), r)
    for p, r in (
        (r"[tsc]i(?=[aou])", "S"),  # -tion, -sion, -tial, -cial: nation, special -> shn, shl
        (r"tur", "Cr"),  # -ture: manufacture, venture -> chur
        (r"shch|sch|sh", "S"),
        (r"dzh|zh|dg|j", "J"),
        (r"g(?=[eiy])", "J"),  # soft g: general, energy, engineering
        (r"ch(?=[lnr])", "k"),  # Greek ch: technology, chrome
        (r"tch|ch", "C"),
        (r"kh|gh|ph|th", lambda m: {"kh": "h", "gh": "g", "ph": "f", "th": "t"}[m.group(0)]),
        (r"qu", "kv"),
        (r"ck|q", "k"),
        (r"x", "ks"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"z", "s"),
        (r"w", "v"),
        (r"[aeiouyh]", ""),
        (r"(.)\1+", r"\1"),
    )
]


def sound_key(word: str) -> str:
    """Consonant-sound key of a lowercase ASCII word (see the comment above)."""
    s = word
    for pat, rep in _SOUND_RULES:
        s = pat.sub(rep, s)
    return s
