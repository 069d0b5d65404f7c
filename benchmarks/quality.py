"""Screening quality on generated positives and real negatives.

Positives are variants generated from the records of csl_composite.json (seeded), one kind
at a time, the way people actually type names into a screening tool. Negatives are the
1,500 real names of dev_negatives.csv, none of which is on the list.

    python benchmarks/quality.py [--seed 7] [--per-kind 300] [--strong 90] [--review 80]
                                 [--country-rate 0.5] [--show-misses 5]

Use a different --seed for a held-out run: the generator draws other records and other
variants, so numbers on seed != 7 were never looked at while tuning.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rigour.names.org_types import remove_org_types

from benchmarks._data import Record, indexed_names, load_negatives, load_records, require_data
from bot.screening.index import NameIndex, _is_generic
from bot.screening.normalize import normalize_name

BLOCKING_SOURCES = {"EL", "MEU", "DPL", "SDN"}

# Long form -> short forms people write. Independent of the normalizer's table on purpose
# (it includes spellings the normalizer may not know) so that the kind measures something.
ABBREV_VARIANTS: dict[str, tuple[str, ...]] = {
    "technology": ("Tech", "Tech.", "Techn."),
    "technologies": ("Tech", "Techs", "Technology"),
    "international": ("Intl", "Int'l", "Intl."),
    "corporation": ("Corp", "Corp."),
    "company": ("Co", "Co."),
    "limited": ("Ltd", "Ltd."),
    "group": ("Grp",),
    "manufacturing": ("Mfg", "Mfg."),
    "electronics": ("Elec", "Electronic"),
    "electronic": ("Elec", "Electronics"),
    "industries": ("Ind", "Inds", "Industry"),
    "industrial": ("Ind",),
    "engineering": ("Eng", "Engg"),
    "development": ("Dev",),
    "services": ("Svcs", "Service"),
    "systems": ("Sys", "System"),
    "communications": ("Comm", "Comms"),
    "communication": ("Comm",),
    "laboratory": ("Lab",),
    "university": ("Univ", "Univ."),
    "institute": ("Inst", "Inst."),
    "national": ("Natl", "Nat'l"),
    "incorporated": ("Inc", "Inc."),
    "and": ("&",),
    "&": ("and",),
}
# Cyrillic spelling of a Latin-script name as a Russian writer produces it (practical
# transcription, as in Russian press and registries). English business words are written
# by sound, not letter by letter ("Technology" -> "Текнолоджи", never "Течнологи"); where
# usage varies, one of the usual spellings is drawn. Other words (person names, Russian
# romanizations, pinyin) go through the letter rules below.
_RU_WORDS: dict[str, tuple[str, ...]] = {
    "technology": ("текнолоджи", "технолоджи"),
    "technologies": ("текнолоджис", "технолоджис"),
    "technological": ("текнолоджикал",),
    "technical": ("текникал", "техникал"),
    "tech": ("тек", "тех"),
    "company": ("компани",),
    "companies": ("компаниз",),
    "limited": ("лимитед",),
    "corporation": ("корпорейшн", "корпорэйшн"),
    "international": ("интернэшнл", "интернешнл"),
    "electronics": ("электроникс",),
    "electronic": ("электроник",),
    "electric": ("электрик",),
    "science": ("сайенс",),
    "sciences": ("сайенсиз",),
    "scientific": ("сайентифик",),
    "research": ("рисерч", "ресерч"),
    "institute": ("инститьют", "институт"),
    "group": ("груп", "групп"),
    "trading": ("трейдинг",),
    "trade": ("трейд",),
    "industrial": ("индастриал",),
    "industry": ("индастри",),
    "industries": ("индастриз",),
    "engineering": ("инжиниринг",),
    "equipment": ("эквипмент",),
    "services": ("сервисез", "сервисиз"),
    "service": ("сервис",),
    "systems": ("системс",),
    "system": ("систем",),
    "aviation": ("эвиэйшн", "авиэйшн"),
    "machinery": ("машинери",),
    "machine": ("машин",),
    "center": ("сентер", "центр"),
    "centre": ("сентр", "центр"),
    "joint": ("джойнт",),
    "stock": ("сток",),
    "development": ("девелопмент",),
    "energy": ("энерджи",),
    "university": ("юниверсити",),
    "academy": ("академи",),
    "and": ("энд",),
    "of": ("оф",),
    "the": ("зе",),
    "general": ("дженерал",),
    "national": ("нэшнл", "нешнл"),
    "logistics": ("лоджистикс", "логистикс"),
    "solutions": ("солюшнс",),
    "solution": ("солюшн",),
    "space": ("спейс",),
    "semiconductor": ("семикондактор",),
    "microelectronics": ("микроэлектроникс",),
    "public": ("паблик",),
    "security": ("секьюрити",),
    "special": ("спешиал",),
    "manufacturing": ("мануфэкчуринг", "мэньюфэкчуринг"),
    "communications": ("коммьюникейшнс",),
    "communication": ("коммьюникейшн",),
    "digital": ("диджитал",),
    "software": ("софтвэр", "софтвер"),
    "information": ("информейшн",),
    "enterprise": ("энтерпрайз",),
    "enterprises": ("энтерпрайзис",),
    "china": ("чайна",),
    "bureau": ("бюро",),
    "building": ("билдинг",),
    "shanghai": ("шанхай",),
    "shenzhen": ("шэньчжэнь", "шеньчжень", "шэнчжэнь"),
    "guangzhou": ("гуанчжоу",),
    "hangzhou": ("ханчжоу",),
}
# Letter rules, longest first; "^" anchors at the start of a word, "$" at its end.
_RU_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "щ"),
    ("tion$", "шн"),
    ("ous$", "ус"),
    ("ure$", "ур"),
    ("^yi", "и"),
    ("yi", "и"),
    ("tions$", "шнс"),
    ("sch", "ш"),
    ("sh", "ш"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ch", "ч"),
    ("ck", "к"),
    ("ph", "ф"),
    ("th", "т"),
    ("gh", "г"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("qu", "кв"),
    ("oo", "у"),
    ("ee", "и"),
    ("ya", "я"),
    ("yu", "ю"),
    ("yo", "ё"),
    ("^ye", "е"),
    ("iy$", "ий"),
    ("yy$", "ый"),
    ("ai", "ай"),
    ("ay", "ай"),
    ("ei", "ей"),
    ("ey", "ей"),
    ("oi", "ой"),
    ("oy", "ой"),
    ("^e", "э"),
    ("ce", "се"),
    ("ci", "си"),
    ("cy", "си"),
    ("j", "дж"),
    ("x", "кс"),
)
# Chinese (pinyin) names as Russian writers render them: x -> с, q -> ц, zh -> чж
# (Palladius-like; "Xingtu" -> "Синту"), or the naive reading, drawn per name.
_PINYIN_RULES: tuple[tuple[str, str], ...] = (
    ("zh", "чж"),
    ("x", "с"),
    ("qi", "ци"),
    ("q", "ц"),
    ("ie", "е"),
    ("j", "цз"),
)
_RU_LETTERS = dict(zip("abcdefghiklmnopqrstuvwyz", "абкдефгхиклмнопкрстуввиз", strict=True))
_VOWELS = set("aeiouy")


def _ru_word(word: str, pinyin: bool, rng: random.Random) -> str:
    w = word.lower()
    if len(w) <= 4 and word.isupper() and len(word) > 1:  # acronym: "OOO", "HK", "CETC"
        return "".join(_RU_LETTERS.get(ch, ch) for ch in w)
    if w in _RU_WORDS:
        return rng.choice(_RU_WORDS[w])
    rules = (_PINYIN_RULES + _RU_RULES) if pinyin else _RU_RULES
    out: list[str] = []
    i = 0
    while i < len(w):
        for lat, cyr in rules:
            at_start = lat.startswith("^")
            at_end = lat.endswith("$")
            core = lat.strip("^$")
            if (at_start and i) or not w.startswith(core, i):
                continue
            if at_end and i + len(core) != len(w):
                continue
            out.append(cyr)
            i += len(core)
            break
        else:
            ch = w[i]
            prev = w[i - 1] if i else ""
            if ch == "e" and prev in _VOWELS:
                out.append("э")
            elif ch == "y" and prev in _VOWELS:
                out.append("й")
            else:
                out.append(_RU_LETTERS.get(ch, ch))
            i += 1
    return "".join(out)


def to_cyrillic(text: str, rng: random.Random | None = None, pinyin: bool = False) -> str:
    """Latin -> Cyrillic as a Russian writer would spell the name."""
    rng = rng or random.Random(0)
    return re.sub(r"[A-Za-z]+", lambda m: _ru_word(m.group(0), pinyin, rng), text)


_ACCENTS = {"a": "áàâä", "e": "éèêë", "i": "íïî", "o": "óöô", "u": "úüû", "c": "ç", "n": "ñ"}
_WORD = re.compile(r"[A-Za-z]{4,}")
_LEGAL_TAIL = re.compile(
    r"[\s,]*(\(?\b(co\.?,?\s*ltd\.?|company\s+limited|co\.?\s*limited|corporation|corp\.?"
    r"|limited|ltd\.?|llc|l\.l\.c\.|inc\.?|gmbh|jsc|ojsc|cjsc|pjsc|ooo|oao|zao|pao|s\.?a\.?c\.?|s\.?a\.?"
    r"|plc|pte\.?\s*ltd\.?|pvt\.?\s*ltd\.?|fze|fzco|fzc|b\.?v\.?|ag)\)?\.?)\s*$",
    re.IGNORECASE,
)


def add_diacritics(text: str, rng: random.Random) -> str:
    chars = list(text)
    spots = [i for i, ch in enumerate(chars) if ch.lower() in _ACCENTS]
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        acc = rng.choice(_ACCENTS[chars[i].lower()])
        chars[i] = acc.upper() if chars[i].isupper() else acc
    return unicodedata.normalize("NFC", "".join(chars))


def one_typo(text: str, rng: random.Random, listed: frozenset[str] = frozenset()) -> str | None:
    """One edit inside one word of 4+ letters (never the first or last letter).

    A typo that spells another word of the list ("Amir" -> "Amor" when AMOR is listed,
    "Panda" -> "Pana") is redrawn: it names a different party as much as ours.
    """
    words = [m for m in _WORD.finditer(text)]
    if not words:
        return None
    m = rng.choice(words)
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    op = rng.choice(("sub", "del", "ins", "swap"))
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        w2 = w[:i] + rng.choice(letters.replace(w[i].lower(), "")) + w[i + 1 :]
    elif op == "del":
        w2 = w[:i] + w[i + 1 :]
    elif op == "ins":
        w2 = w[:i] + rng.choice(letters) + w[i:]
    else:
        if w[i].lower() == w[i + 1].lower() if i + 1 < len(w) else True:
            return None
        w2 = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    if w2.lower() in listed:
        return None
    return text[: m.start()] + w2 + text[m.end() :]


def abbreviate(text: str, rng: random.Random) -> str | None:
    parts = re.split(r"(\s+)", text)
    idx = [
        i
        for i, p in enumerate(parts)
        if p.lower().strip(",.") in ABBREV_VARIANTS and p.lower().strip(",.") != "&"
    ] + [i for i, p in enumerate(parts) if p == "&"]
    if not idx:
        return None
    for i in rng.sample(idx, rng.randint(1, len(idx))):
        core = parts[i].lower().strip(",.")
        trail = parts[i][len(parts[i].rstrip(",.")) :]
        parts[i] = rng.choice(ABBREV_VARIANTS[core]) + trail.replace(".", "")
    out = "".join(parts)
    return out if out != text else None


def drop_legal_form(text: str, entity_type: str | None = None) -> str | None:
    """The name without its legal form; persons have none ("Sa'ad" is not "S.A.")."""
    if entity_type == "Individual":
        return None
    out = None
    stripped = _LEGAL_TAIL.sub("", text).strip(" ,")
    if stripped and stripped != text.strip() and len(stripped.split()) >= 1:
        out = stripped
    else:
        alt = remove_org_types(text).strip(" ,")
        if alt and alt.lower() != text.strip().lower() and len(alt) < len(text):
            out = alt
    # A cut inside a word or an abbreviation ("S.A.DE C.V." -> ".DE C.V.") is not a name.
    if out is None or re.search(r"(^|\s)[.'’]", out):
        return None
    return out


def drop_city(rec: Record) -> str | None:
    words = rec.name.split()
    if len(words) < 3:
        return None
    first = words[0].strip("(),")
    if len(first) < 4 or not first.isalpha():
        return None
    blob = " ".join(rec.addresses).lower()
    if re.search(rf"\b{re.escape(first.lower())}\b", blob):
        return " ".join(words[1:])
    return None


def swap_person(rec: Record, rng: random.Random) -> str | None:
    if rec.entity_type != "Individual":
        return None
    name = rec.name
    if "," in name:
        last, first = name.split(",", 1)
        if first.strip():
            return f"{first.strip()} {last.strip()}"
        return None
    words = name.split()
    if len(words) < 2:
        return None
    rest = words[:]
    rng.shuffle(rest)
    return " ".join(rest) if rest != words else " ".join(reversed(words))


def translit(rec: Record, rng: random.Random) -> str | None:
    name = rec.name
    if not name.isascii():
        return None
    if rng.random() < 0.5:
        pinyin = bool({"CN", "HK", "TW", "MO"} & set(rec.countries)) and rng.random() < 0.5
        return to_cyrillic(name, rng, pinyin)
    return add_diacritics(name, rng)


KINDS = (
    "exact",
    "alias",
    "legal_form_dropped",
    "abbreviation",
    "one_typo",
    "person_word_order",
    "translit_diacritics",
    "city_prefix_dropped",
)


def generate(records: list[Record], seed: int, per_kind: int) -> list[tuple[str, str, int]]:
    """(kind, query, entry_key) rows; each kind draws its own records with the seed."""
    rows: list[tuple[str, str, int]] = []
    name_tokens = [
        (r.entry_key, set(_core(n).split())) for r in records for n in (r.name, *r.aliases)
    ]
    listed = frozenset(
        w.lower()
        for r in records
        for n in (r.name, *r.aliases)
        for w in re.findall(r"[A-Za-z]+", n)
    )
    for k, kind in enumerate(KINDS):
        rng = random.Random(seed * 1000 + k)
        order = records[:]
        rng.shuffle(order)
        got = 0
        for rec in order:
            if got >= per_kind:
                break
            if not rec.name:
                continue
            q: str | None
            if kind == "exact":
                q = rec.name
            elif kind == "alias":
                q = rng.choice(rec.aliases) if rec.aliases else None
            elif kind == "legal_form_dropped":
                q = drop_legal_form(rec.name, rec.entity_type)
            elif kind == "abbreviation":
                q = abbreviate(rec.name, rng)
            elif kind == "one_typo":
                q = None
                for _ in range(5):  # redraw typos that spell another listed word
                    q = q or one_typo(rec.name, rng, listed)
            elif kind == "person_word_order":
                q = swap_person(rec, rng)
            elif kind == "translit_diacritics":
                q = translit(rec, rng)
            else:
                q = drop_city(rec)
                # Keep only drops that leave the name distinctive: if another record's
                # name also contains every remaining token, no matcher can pick ours.
                if q:
                    rest = set(_core(q).split())
                    if any(rest <= toks for key2, toks in name_tokens if key2 != rec.entry_key):
                        q = None
            if q and q.strip():
                rows.append((kind, q, rec.entry_key))
                got += 1
    return rows


def equivalent(index_names: dict[int, set[str]], a: int, b: int) -> bool:
    """Two records published under the same name (legal form aside) are indistinguishable."""
    return bool(index_names.get(a, set()) & index_names.get(b, set()))


def _core(name: str) -> str:
    """Normalized name without legal forms and stopwords."""
    return " ".join(t for t in normalize_name(name).split() if not _is_generic(t))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-kind", type=int, default=300)
    ap.add_argument("--strong", type=float, default=90.0)
    ap.add_argument("--review", type=float, default=80.0)
    ap.add_argument("--country-rate", type=float, default=0.5)
    ap.add_argument("--show-misses", type=int, default=0)
    args = ap.parse_args(argv)

    records = load_records()
    negatives = load_negatives()
    listed_path = require_data("dev_negatives.csv") / "dev_negatives_listed.csv"
    listed = load_negatives(listed_path) if listed_path.is_file() else []
    t0 = time.perf_counter()
    index = NameIndex.build(indexed_names(records))
    print(f"index: {len(index)} names of {len(records)} records in {time.perf_counter() - t0:.2f}s")
    norm_names: dict[int, set[str]] = defaultdict(set)
    for row in indexed_names(records):
        norm_names[row.entry_key].add(_core(row.name))

    rows = generate(records, args.seed, args.per_kind)
    rng = random.Random(args.seed)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    misses: dict[str, list[str]] = defaultdict(list)
    for kind, q, key in rows:
        rec = records[key]
        country = (
            rng.choice(rec.countries)
            if rec.countries and rng.random() < args.country_rate
            else None
        )
        res = index.search(q, country=country, limit=10)
        hits = res.hits
        st = per[kind]
        st[0] += 1
        top = hits[0].score if hits else 0.0
        st[1] += top >= args.review
        ranks = [
            i
            for i, h in enumerate(hits)
            if h.entry_key == key or equivalent(norm_names, key, h.entry_key)
        ]
        mine = next((h for h in hits if h.entry_key == key), None)
        first = bool(ranks) and (ranks[0] == 0 or (mine is not None and mine.score >= top))
        st[2] += first
        st[3] += bool(ranks) and ranks[0] < 3
        st[4] += top >= args.strong
        if (not first or top < args.review) and len(misses[kind]) < args.show_misses:
            got = f"{hits[0].matched_name!r} {hits[0].score}" if hits else "-"
            misses[kind].append(f"{q!r} -> want {rec.name!r}; got {got}")

    print(f"\npositives (seed {args.seed}, review >= {args.review}, strong >= {args.strong})")
    print(f"{'kind':22} {'n':>5} {'recall':>7} {'first':>7} {'top3':>7} {'strong':>7}")
    tot = [0, 0, 0, 0, 0]
    for kind in KINDS:
        st = per[kind]
        tot = [a + b for a, b in zip(tot, st, strict=True)]
        n = max(st[0], 1)
        print(
            f"{kind:22} {st[0]:5d} {st[1] / n:7.3f} {st[2] / n:7.3f} {st[3] / n:7.3f} "
            f"{st[4] / n:7.3f}"
        )
        for m in misses[kind]:
            print("      miss:", m)
    n = max(tot[0], 1)
    print(
        f"{'ALL':22} {tot[0]:5d} {tot[1] / n:7.3f} {tot[2] / n:7.3f} {tot[3] / n:7.3f} "
        f"{tot[4] / n:7.3f}"
    )

    for label, rows in (("dev_negatives.csv", negatives), ("dev_negatives_listed.csv", listed)):
        if rows:
            _report_negatives(label, rows, index, records, args)
    return 0


def _slice(name: str) -> str:
    """Stable 80/20 split of a negatives file: "held" is the 20% never tuned on."""
    return "held" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 5 == 0 else "dev"


def _report_negatives(label: str, negatives, index, records, args) -> None:
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    flagged: list[str] = []
    for row in negatives:
        res = index.search(row["name"], country=row.get("country") or None, limit=10)
        flag = bool(res.hits and res.hits[0].score >= args.review)
        block = any(
            h.score >= args.strong and records[h.entry_key].source in BLOCKING_SOURCES
            for h in res.hits
        )
        for key in (row["kind"], f"[{_slice(row['name'])} 80/20]"):
            st = by_kind[key]
            st[0] += 1
            st[1] += flag
            st[2] += block
        if flag:
            flagged.append(f"{row['name']!r} -> {res.hits[0].matched_name!r} {res.hits[0].score}")
    print(
        f"\nnegatives, {label} (flag = top hit >= review; block = hit >= strong on EL/MEU/DPL/SDN)"
    )
    print(f"{'kind':22} {'n':>5} {'flagged':>8} {'blocked':>8}")
    tot = [0, 0, 0]
    for kind in sorted(by_kind):
        st = by_kind[kind]
        if not kind.startswith("["):
            tot = [a + b for a, b in zip(tot, st, strict=True)]
        print(f"{kind:22} {st[0]:5d} {st[1] / st[0]:8.3f} {st[2] / st[0]:8.3f}")
    print(f"{'ALL':22} {tot[0]:5d} {tot[1] / tot[0]:8.3f} {tot[2] / tot[0]:8.3f}")
    for f in flagged[: args.show_misses * 4]:
        print("      flagged:", f)


if __name__ == "__main__":
    raise SystemExit(main())
