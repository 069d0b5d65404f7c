"""In-memory name index: candidate generation and weighted token scoring.

Why this shape:

* Scanning every name with a fuzzy scorer is too slow for 1M names and, worse, a
  character-level score cannot tell a distinctive word ("huawei") from a generic one
  ("technology", "shenzhen", "co ltd"). Here each normalized token carries an IDF weight
  computed over the indexed records, so a name matches when its *distinctive* tokens match.
* Candidates come from an inverted index (token -> names). Typos are handled on the
  vocabulary, not on names: a symmetric-delete table (SymSpell, edit distance 1) finds the
  listed tokens one edit away, with a length-bucketed rapidfuzz scan as a fallback for
  transliteration differences of two edits. Very common tokens are not expanded over
  their whole posting list; they only add weight to candidates found otherwise.
* The score is a weighted, order-insensitive token overlap, so "KHAMENEI, Ali" matches
  "Ali Khamenei" and a dropped city prefix or legal form (low weight) costs little:

      S = (sum_q w_q s_q + beta * sum_n w_n s_n) / (sum_q w_q + beta * sum_n w_n)

  over query tokens q and name tokens n, with s the token similarity (1 exact, <1 typo).
  Tokens of the listed name that the query lacks count with ``beta`` < 1: a query that
  omits part of a listed name is more likely the same party than a query that adds words
  the listed name does not have.
* Storage is columnar (``array`` of ints/floats, one list of raw strings) so that a
  million names fit in a few hundred MB.

The index is immutable after :meth:`NameIndex.build`; the only shared mutable state is a
bounded dict cache of typo expansions, safe under the GIL.

Why one module (~1,150 lines): the index is columnar (the arrays below are private attributes
shared by `build`, the scorer and `search`) for memory and speed over a million names; splitting
build from search would expose that layout across modules. What does not need the layout is
apart: the typo tables (`TypoTables`), the rules for person names (`persons.py`), the other
forms of a query and the CJK and Arabic-script comparisons (`query_forms.py`), and the
spelled-out forms (`name_forms.py`, applied by the normalizer).

Beyond the weighted overlap (issue 21, see README "How names are matched"): a query is also
scored in its other forms (words run together split, split words joined) and each name keeps
its best score; person candidates are rescored by :func:`~bot.screening.persons.person_score`
(a missing middle name or patronymic, ``bin`` order, different given or family names); names
both written in CJK characters are compared as written.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from hashlib import blake2b

from rapidfuzz.distance import OSA
from rigour.names.org_types import remove_org_types
from rigour.text import is_stopword
from wordfreq import zipf_frequency

from bot.screening.listed_forms import listed_forms
from bot.screening.name_forms import rewrite_phrases
from bot.screening.normalize import (
    ABBREVIATIONS,
    cyrillic_readings,
    normalize_name,
    prepare,
    skeleton,
    sound_key,
    tokens,
)
from bot.screening.persons import CONFLICT_CAP, LINEAGE, ORDER_CAP, person_score
from bot.screening.places import descriptor_tokens, place_tokens
from bot.screening.query_forms import (
    abjad_words,
    camel_pieces,
    camel_split,
    cjk_similarity,
    cjk_text,
    consonant_key,
    vocabulary_splits,
)
from bot.screening.typo import (
    BETA,
    MIN_TYPO_LEN,
    PHONETIC_SIMILARITY,
    RESCORE_SKIP,
    TYPO_KEEP,
    QueryToken,
    TypoTables,
)
from bot.screening.words import (
    LONG_FORMS,
    MIN_SOUND_KEY,
    CommonWords,
    sound_keys,
    token_similarity,
)

__all__ = [
    "REVIEW_THRESHOLD",
    "SOURCE_CODES",
    "STRONG_THRESHOLD",
    "FamilyMatch",
    "Hit",
    "IndexedName",
    "NameIndex",
    "SearchResult",
]

#: Recommended defaults for the decision engine (see benchmarks/README.md).
STRONG_THRESHOLD = 90.0
REVIEW_THRESHOLD = 80.0

#: Known list codes; the position is the tie-break order (most severe list first) when two
#: records score the same, e.g. the same company on EL and CMIC.
SOURCE_CODES: tuple[str, ...] = (
    "DPL",
    "SDN",
    "EL",
    "MEU",
    "FSE",
    "ISN",
    "DTC",
    "UVL",
    "SSI",
    "CMIC",
    "MBS",
    "PLC",
    "CAP",
)
_ENTITY_TYPES: tuple[str | None, ...] = (None, "Individual", "Entity", "Vessel", "Aircraft")

# Scoring parameters. Tuned on the generated development set, not on single names.
GENERIC_FACTOR = 0.15  # legal forms ("llc", "jsc") and stopwords ("and", "of")
COUNTRY_BONUS = 2.0
COUNTRY_PENALTY = 3.0
POSTING_CAP = 1000  # tokens in more names than this do not generate candidates by themselves
FAMILY_MIN_RECORDS = 2
# A word this common in general English ("apple", "bob", "nice") names no brand family.
FAMILY_MAX_ZIPF = 4.0
FAMILY_MIN_VARIANT_LEN = 6  # shortest word whose spelling variants still name its family
FAMILY_VARIANT_SIMILARITY = 0.88  # a variant differs by about one letter in eight
_VOWELS = re.compile(r"[aeiouy]+")
MIN_SCORE = 0.5  # names scoring below this (50/100) may be left out of the hits
PLACE_FACTOR = 0.3  # city, province and country words locate a party, they do not name it
MISSING_CHECK_FROM = 0.6  # candidates below this cannot reach a threshold anyway
SPELLING_KEEP = 6  # expansions kept for a token with other spellings
# A name match without the evidence of a strong one (see NameIndex._strong_evidence) scores
# at most this: a possible match for review, never a block on the name alone.
WEAK_EVIDENCE_CAP = 89.0
FAMILY_LEAD_SHARE = 0.5  # a family word leads (places, legal forms aside) half its names
PERSON_MIN = 0.4  # person candidates below this are not rescored as names of people
PERSON_TOP = 10  # ... nor those after the best 10
SPLIT_MIN_SIMILARITY = 0.8  # a half of a run-together word may be one typo from a listed word
SPLIT_PIECE_SIMILARITY = 0.9  # ... but a name counts for the split only if it spells each half
# Two CJK names differing in a character: at most a possible match, even with a country bonus.
CJK_CHANGE_CAP = (WEAK_EVIDENCE_CAP - COUNTRY_BONUS) / 100.0
ABJAD_KEEP = 2  # listed words sharing a word's consonants taken as its spellings, at most
ABJAD_TABLE = 100  # consonant keys shared by more listed words than this are not kept
ABJAD_CAP = (WEAK_EVIDENCE_CAP - COUNTRY_BONUS) / 100.0  # a name read without short vowels
IDF_PRIOR = 1000  # records assumed besides the list's own when weighing words (see build)


@dataclass(frozen=True, slots=True)
class IndexedName:
    """One primary name or alias of a list record, as fed to :meth:`NameIndex.build`."""

    entry_key: int
    name: str
    source: str
    countries: tuple[str, ...]
    is_primary: bool
    entity_type: str | None = None
    normalized: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """Best-matching name of one record for a query."""

    entry_key: int
    matched_name: str
    score: float
    name_score: float
    country_match: bool | None


@dataclass(frozen=True, slots=True)
class FamilyMatch:
    """Every record carrying a distinctive token that was queried on its own."""

    token: str
    entry_keys: tuple[int, ...]
    count: int
    exact: bool = True  # False: a romanization variant of the typed word ("huavei")
    leads: bool = True  # False: the word is not what its members' names lead with ("cryo")


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Hits best first, plus the family when the query was a bare family name."""

    hits: list[Hit]
    family: FamilyMatch | None


@dataclass(frozen=True, slots=True)
class _Form:
    """One form of a query (see :meth:`NameIndex._score_forms`)."""

    text: str
    qtokens: list[str]
    spellings: dict[str, tuple[str, ...]]
    read: frozenset[str]
    info: list[QueryToken]

    def tokens3(self) -> tuple[list[str], dict[str, tuple[str, ...]], frozenset[str]]:
        return self.qtokens, self.spellings, self.read


_RAW_SPLIT = re.compile(r"[^a-z0-9]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@lru_cache(maxsize=65536)
def _is_generic(token: str) -> bool:
    """Legal forms and stopwords say nothing about which party is meant."""
    return is_stopword(token) or not remove_org_types(token).strip()


def _key_hash(key: str) -> int:
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


def _exact_key(name: str) -> str:
    """The name as written without legal forms, spaces or punctuation: "B R C S.A.", "BRC SA"
    and "B.R.C." give "brc", "Opto-Electronics" and "Optoelectronics" one key. Spelling
    variants ("Technology" for "Technologies") do not: the key is the name itself, and the
    scoring ranks its variants."""
    return "".join(remove_org_types(prepare(name)).split())


@lru_cache(maxsize=65536)
def _is_common_word(token: str) -> bool:
    return len(token) < 3 or zipf_frequency(token, "en") >= FAMILY_MAX_ZIPF


@lru_cache(maxsize=65536)
def _is_common_identifier(token: str) -> bool:
    """A word too common or too short to identify a party on its own: under 3 letters, or a
    common English word, as typed or as the long word its abbreviation stands for ("sci" is
    "scientific")."""
    return _is_common_word(token) or any(_is_common_word(w) for w in LONG_FORMS.get(token, ()))


def _letters(name: str) -> str:
    """A name's letters and digits, legal forms included ("B.R.C. S.A." -> "brcsa")."""
    return "".join(c for c in prepare(name) if c.isalnum())


def _consonants(token: str) -> str:
    return _VOWELS.sub("", skeleton(token))


def with_listed_forms(names: Iterable[IndexedName]) -> Iterator[IndexedName]:
    """Each name, then the names written inside it ("X (a.k.a. Y", "X and any successor …"),
    as aliases of the same record (bot/screening/listed_forms.py)."""
    for row in names:
        yield row
        for form in listed_forms(row.name):
            yield replace(row, name=form, is_primary=False, normalized=None)


class NameIndex(TypoTables):
    """Read-only index over the names and aliases of one list version."""

    def __init__(self) -> None:
        # Filled by build(); kept as plain attributes for speed.
        self._vocab: dict[str, int] = {}
        self._tok_str: list[str] = []
        self._weight: array = array("d")
        self._generic: array = array("b")
        self._core: array = array("b")  # 1: a word that identifies a party (not place/descriptor)
        self._post: list[array] = []
        self._ntok: array = array("I")
        self._noff: array = array("I", [0])
        self._nweight: array = array("d")
        self._entry: array = array("q")
        self._src: array = array("B")
        self._primary: array = array("b")
        self._ctry: array = array("I")
        self._etype: array = array("B")
        self._raw: list[str] = []
        self._country_sets: list[frozenset[str]] = []
        # Typo dictionary: words (vocabulary tokens, raw spellings such as "limited" or
        # "technologies", skeletons) -> the token ids they stand for; and a symmetric-
        # delete table from each word minus one letter to word ids.
        self._words: list[str] = []
        self._word_tids: list[int | tuple[int, ...]] = []
        self._word_is_skel: array = array("b")
        self._deletes: dict[str, int | tuple[int, ...]] = {}
        self._oov_weight = 1.0
        self._common = CommonWords({}, (), ())
        self._fuzzy_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        # Exact keys (:func:`_exact_key`) as sorted 64-bit hashes with their name ids; a
        # hit is checked against the name before it counts.
        self._exact_hash: array = array("q")
        self._exact_name: array = array("I")
        self._phonetic: dict[str, tuple[int, ...]] = {}
        self._consonants: dict[str, tuple[int, ...]] = {}  # consonant_key -> token ids
        self._sources: list[str] = list(SOURCE_CODES)
        self._places: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, names: Iterable[IndexedName]) -> NameIndex:
        """Index ``names`` (primary names and aliases; records may span several rows)."""
        self = cls()
        vocab = self._vocab
        tok_str = self._tok_str
        df: list[int] = []
        postings: list[list[int]] = []
        country_ids: dict[frozenset[str], int] = {}
        src_ids = {code: i for i, code in enumerate(self._sources)}
        last_entry: int | None = None
        entry_seen: set[int] = set()
        n_records = 0
        seen_pairs: set[tuple[int, str]] = set()
        raw_words: set[str] = set(ABBREVIATIONS)
        word_names: Counter[str] = Counter()
        absorbed: Counter[str] = Counter()
        exact_pairs: list[tuple[int, int]] = []
        for row in with_listed_forms(names):
            norm = row.normalized if row.normalized is not None else normalize_name(row.name)
            toks = tokens(norm)
            if not toks:
                continue
            # Exact duplicates (same record, same normalized name) add nothing.
            key = (row.entry_key, norm)
            if key in seen_pairs:
                continue
            seen_pairs.add(key)
            if row.entry_key != last_entry:
                last_entry = row.entry_key
                entry_seen = set()
                n_records += 1
            name_id = len(self._raw)
            raw_words.update(_RAW_SPLIT.split(row.name.lower()))
            words = set(prepare(row.name).split())
            word_names.update(words)
            tset = set(toks)
            for w in words:
                if (
                    w not in tset
                    and ABBREVIATIONS.get(w) not in tset
                    and w.isalpha()
                    and normalize_name(w) not in tset
                ):
                    absorbed[w] += 1
            for t in toks:
                tid = vocab.get(t)
                if tid is None:
                    tid = vocab[t] = len(tok_str)
                    tok_str.append(t)
                    df.append(0)
                    postings.append([])
                if tid not in entry_seen:
                    entry_seen.add(tid)
                    df[tid] += 1
                postings[tid].append(name_id)
                self._ntok.append(tid)
            self._noff.append(len(self._ntok))
            self._raw.append(row.name)
            if ekey := _exact_key(row.name):
                exact_pairs.append((_key_hash(ekey), name_id))
            self._entry.append(row.entry_key)
            if row.source not in src_ids:
                src_ids[row.source] = len(self._sources)
                self._sources.append(row.source)
            self._src.append(src_ids[row.source])
            self._primary.append(1 if row.is_primary else 0)
            cset = frozenset(c.upper() for c in row.countries if c)
            cid = country_ids.get(cset)
            if cid is None:
                cid = country_ids[cset] = len(self._country_sets)
                self._country_sets.append(cset)
            self._ctry.append(cid)
            etype = row.entity_type if row.entity_type in _ENTITY_TYPES else None
            self._etype.append(_ENTITY_TYPES.index(etype))
        del seen_pairs
        exact_pairs.sort()
        self._exact_hash = array("q", (h for h, _ in exact_pairs))
        self._exact_name = array("I", (i for _, i in exact_pairs))
        del exact_pairs

        # IDF over records, damped for legal forms and stopwords.
        # IDF_PRIOR pseudo-records that hold none of the tokens: a small list (one record,
        # a hundred) weighs words as a large one would, instead of all alike.
        n = max(n_records, 1) + IDF_PRIOR
        self._oov_weight = math.log((n + 1) / 0.5)
        self._common = CommonWords.build(word_names, absorbed, _is_generic)
        del word_names, absorbed
        legal = self._common.legal
        places = self._places = place_tokens()
        descriptors = descriptor_tokens(tok_str)
        for tid, t in enumerate(tok_str):
            generic = _is_generic(t) or t in legal
            w = math.log((n + 1) / (df[tid] + 0.5))
            if t in places:
                w *= PLACE_FACTOR
            self._weight.append(w * GENERIC_FACTOR if generic else w)
            self._generic.append(1 if generic else 0)
            self._core.append(0 if generic or t in places or t in descriptors else 1)
        weight = self._weight
        ntok, noff = self._ntok, self._noff
        self._nweight = array(
            "d",
            (sum(weight[t] for t in ntok[noff[i] : noff[i + 1]]) for i in range(len(self._raw))),
        )
        nweight = self._nweight
        # Postings sorted by name weight: the first entries of a common token's list are
        # the shortest names, the only ones it alone could match well.
        self._post = [array("I", sorted(p, key=nweight.__getitem__)) for p in postings]
        del postings

        self._build_typo_tables(raw_words)
        by_key: dict[str, list[int]] = {}
        for tid, t in enumerate(tok_str):
            if not self._generic[tid] and (key := consonant_key(t)):
                by_key.setdefault(key, []).append(tid)
        self._consonants = {k: tuple(v) for k, v in by_key.items() if len(v) <= ABJAD_TABLE}
        # wordfreq loads its English table (~75 ms) on first use: pay it while building, not
        # in the first question that reaches a family check.
        zipf_frequency("the", "en")
        return self

    def __len__(self) -> int:
        return len(self._raw)

    # ------------------------------------------------------------------ query side
    def _expand_all(self, token: str, others: tuple[str, ...]) -> tuple[tuple[int, float], ...]:
        """Expansions of a query token and of its other spellings, best first."""
        exp = self._expand(token)
        if not others:
            return exp
        found = dict(exp)
        for other in others:
            for tid, sim in self._expand(other):
                if sim > found.get(tid, 0.0):
                    found[tid] = sim
        # The token's own expansions first among equals: its weight is the query's.
        return tuple(sorted(found.items(), key=lambda kv: -kv[1])[:SPELLING_KEEP])

    def _score(
        self,
        qtokens: list[str],
        spellings: dict[str, tuple[str, ...]] | None = None,
        foreign: frozenset[str] = frozenset(),
    ) -> tuple[dict[int, float], list[QueryToken]]:
        """Candidate names with their name score S in [0, 1], and the query tokens.

        ``spellings``: other spellings of some query tokens (other readings of a Cyrillic
        word, the word as typed before a correction); a token matches as its best spelling.
        ``foreign``: the tokens read from Cyrillic, which also match on their sound key.
        """
        weight = self._weight
        post = self._post
        plan: list[tuple[float, tuple[tuple[int, float, float], ...]]] = []
        info: list[QueryToken] = []
        wq_total = 0.0
        spellings = spellings or {}
        for t in qtokens:
            others = spellings.get(t, ())
            exp = self._expand_all(t, others)
            if exp:
                # A token with several spellings is as distinctive as the least distinctive
                # of its best matches ("teknoloji", a rare Turkish word, or "tech").
                top = exp[0][1]
                wq = min(weight[tid] for tid, s in exp if s == top) if others else weight[exp[0][0]]
                contribs = tuple(
                    (tid, s, (wq + BETA * weight[tid]) * (1.0 - TYPO_KEEP * (1.0 - s)))
                    for tid, s in exp
                )
                plan.append((wq, contribs))
            else:
                wq = self._oov_weight * (0.5 if len(t) <= 2 else 1.0)
                if _is_generic(t) or t in self._common.legal:
                    wq *= GENERIC_FACTOR
                elif t in LONG_FORMS or t in self._places:
                    # A business word of the abbreviation table ("corp", "tech") or a place
                    # the list happens not to use weighs as a common word, not a rare name.
                    wq *= PLACE_FACTOR
            sound = sound_key(t) if t in foreign else ""
            info.append((t, wq, dict(exp), others, sound if len(sound) >= MIN_SOUND_KEY else ""))
            wq_total += wq
        # MaxScore-style candidate generation: walk query tokens from the most to the
        # least distinctive; once the tokens left could not lift a name that has none of
        # the tokens seen so far to MIN_SCORE, they only add weight to known candidates.
        plan.sort(key=lambda p: -p[0])
        acc: dict[int, float] = {}
        remaining = sum(p[0] for p in plan)
        ntok, noff = self._ntok, self._noff
        for wq, contribs in plan:
            generate = (1.0 + BETA) * remaining / (wq_total + BETA * remaining) >= MIN_SCORE
            remaining -= wq
            local: dict[int, float] = {}
            for tid, _s, c in contribs:
                p = post[tid]
                if generate or not acc:
                    for i in p if len(p) <= POSTING_CAP else p[:POSTING_CAP]:
                        if local.get(i, 0.0) < c:
                            local[i] = c
                    if len(p) <= POSTING_CAP:
                        continue
                elif len(p) <= POSTING_CAP:
                    # Only add weight to known candidates: walk the shorter of the two.
                    for i in p:
                        if i in acc and local.get(i, 0.0) < c:
                            local[i] = c
                    continue
                for i in acc:
                    if local.get(i, 0.0) < c and tid in ntok[noff[i] : noff[i + 1]]:
                        local[i] = c
            for i, c in local.items():
                acc[i] = acc.get(i, 0.0) + c
        nweight = self._nweight
        scores = {i: min(1.0, a / (wq_total + BETA * nweight[i])) for i, a in acc.items()}
        self._rescore(info, scores)
        self._missing_distinctive(info, scores, wq_total)
        return scores, info

    def _missing_distinctive(
        self, info: list[QueryToken], scores: dict[int, float], wq_total: float
    ) -> None:
        """A query that shares none of a listed name's identifying words is not that party.

        Omitted words normally cost only ``BETA`` of their weight (a dropped city prefix or
        legal form). But when the words the query shares with the name are all places,
        legal forms or business descriptors — "Shenzhen Technology Co., Ltd." against
        "Shenzhen Huawei Technologies" — the name's identifying words ("huawei") count in
        full: the query has only the generic part of the name.
        """
        weight, core, tok_str = self._weight, self._core, self._tok_str
        ntok, noff, nweight = self._ntok, self._noff, self._nweight
        if sum(1 for q, *_rest in info if not _is_generic(q)) < 2:
            return  # a bare name ("Hezbollah") is the family check's job, not this one's
        for i, s in list(scores.items()):
            if s < MISSING_CHECK_FROM:
                continue
            name_core = {t for t in ntok[noff[i] : noff[i + 1]] if core[t]}
            if not name_core:
                continue
            matched = any(
                tid in exp
                or any(token_similarity(x, tok_str[tid]) >= 0.8 for x in (q, *others))
                or (sound and sound in sound_keys(tok_str[tid]))
                for q, _wq, exp, others, sound in info
                for tid in name_core
            )
            if matched:
                continue
            extra = (1.0 - BETA) * sum(weight[t] for t in name_core)
            den = wq_total + BETA * nweight[i]
            scores[i] = s * den / (den + extra)

    def _family(
        self,
        qtokens: list[str],
        spellings: dict[str, tuple[str, ...]] | None = None,
        read: frozenset[str] = frozenset(),
    ) -> FamilyMatch | None:
        """The organisations sharing the one distinctive word the query names ("Huawei").

        Only the word as typed counts (or its reading from another script): a typo-corrected
        or fuzzy token is a different word ("nike" is not "nice", "apple" not "maple"). The
        word must identify parties — not a legal form, place or business descriptor, not a
        common English word (``wordfreq`` Zipf frequency ≥ ``FAMILY_MAX_ZIPF``: "apple",
        "bob", "t") — and the family is made of organisation records only: people who share a
        surname are no family.
        """
        specific = [t for t in qtokens if not _is_generic(t)]
        if len(specific) != 1:
            return None
        token = specific[0]
        typed = token if token not in (spellings or {}) or token in read else None
        # What was typed: the token itself, or the word it was corrected from.
        forms = [token] if typed else [a for a in (spellings or {}).get(token, ()) if a]
        tid = next((self._vocab[f] for f in forms if f in self._vocab), None)
        exact = tid is not None
        if tid is None:
            # A spelling that differs only in its vowels, as romanizations do ("Hezbollah" for
            # "Hizballah"), is the same word; any other difference ("nike"/"nice") is not.
            for f in forms:
                if len(f) < FAMILY_MIN_VARIANT_LEN or _is_common_word(f):
                    continue
                same = [
                    t
                    for t, sim in self._expand(f)
                    if sim >= FAMILY_VARIANT_SIMILARITY
                    and _consonants(self._tok_str[t]) == _consonants(f)
                ]
                if same:
                    tid = same[0]
                    break
        if tid is None:
            return None
        token = self._tok_str[tid]
        # Descriptors the list uses often ("hezbollah" in many group names) may still be a
        # brand; general-language frequency is what rules out words like "energy".
        if self._generic[tid] or token in self._places or _is_common_identifier(token):
            return None
        entry, etype = self._entry, self._etype
        person = _ENTITY_TYPES.index("Individual")
        names = [i for i in self._post[tid] if etype[i] != person]
        keys = tuple(sorted({entry[i] for i in names}))
        if len(keys) < FAMILY_MIN_RECORDS:
            return None
        # A brand leads its members' names, places and legal forms aside ("Shenzhen Huawei
        # Technologies", "LLC Huawei"); a word found behind another name ("Ecotherm-Cryo",
        # "Sukhoi Yuri Gagarin") is that member's detail, not a family they share.
        # Such a family is still shown (fail closed), but only for review.
        led = sum(1 for i in names if self._lead_word(i) == tid)
        leads = led >= FAMILY_LEAD_SHARE * len(names)
        return FamilyMatch(token=token, entry_keys=keys, count=len(keys), exact=exact, leads=leads)

    def _lead_word(self, i: int) -> int | None:
        """The first token of name ``i`` that is not a place, legal form or stopword."""
        generic, tok_str, places = self._generic, self._tok_str, self._places
        return next(
            (
                t
                for t in self._ntok[self._noff[i] : self._noff[i + 1]]
                if not generic[t] and tok_str[t] not in places
            ),
            None,
        )

    def _identifying(self, token: str) -> bool:
        """Does a query token identify a party (not a legal form, stopword, place or business
        descriptor)? A word the list does not use counts unless it is generic or a place."""
        tid = self._vocab.get(token)
        if tid is not None:
            return bool(self._core[tid])
        return not (_is_generic(token) or token in self._common.legal or token in self._places)

    def _strong_evidence(
        self,
        i: int,
        query: str,
        qtokens: list[str],
        spellings: dict[str, tuple[str, ...]],
        foreign: frozenset[str],
        exact: bool,
    ) -> bool:
        """May name ``i`` be a strong match for the query, or only a possible one?

        A high score can come from generic words and near spellings: "Click Holdings" and
        "CLC Holdings", "Korro Bio" and "BIO CORPORATION". A match is strong only when

        * every identifying word of the query has a counterpart among the listed name's
          identifying words (a typo is fine here: "indie" standing for the place "India", or
          "korro" for "corp", is none), and
        * an identifying word is the same as listed (or one of its readings, for a word read
          from Cyrillic) and is uncommon (not an English word, not under 3 letters), or two
          identifying words are: "Yuxin" for "Youxin", "Scientific Corporation" or "VR
          Technology" alone are possible matches, not blocks;

        or the query is the listed name itself (:meth:`_exact_names`), except an initialism of
        at most 3 letters that matches only letter by letter ("BRC" and "B R C S.A."), and a
        query of no identifying word that is not spelt as the listed name ("Group").
        """
        tok_str, core = self._tok_str, self._core
        name_tids = self._ntok[self._noff[i] : self._noff[i + 1]]
        listed = {tok_str[t] for t in name_tids}
        listed_core = [tok_str[t] for t in name_tids if core[t]]
        ident = [t for t in qtokens if self._identifying(t)]
        if exact:
            if not ident:
                # Only places, descriptors and legal forms: the listed name itself as written
                # ("Beijing Institute of Technology"), not what is left of one once its legal
                # form or initials are dropped ("Group" of "STG Group", "Enterprises" of "NA
                # Enterprises").
                return _letters(query) == _letters(self._raw[i])
            if len("".join(ident)) > 3 or any(t in listed for t in ident):
                return True
            # An initialism matched letter by letter is the listed one only when the rest
            # of the name is as listed too: "BRC S.A." is "B R C S.A.", "BRC Inc." may not be.
            return _letters(query) == _letters(self._raw[i])

        def same(t: str) -> bool:
            if t in listed or any(o in listed for o in spellings.get(t, ())):
                return True
            return t in foreign and any(
                skeleton(t) == skeleton(n) or sound_key(t) in sound_keys(n) for n in listed_core
            )

        for t in ident:
            if same(t):
                continue
            forms = (t, *spellings.get(t, ()))
            if not any(token_similarity(f, n) > 0.0 for f in forms for n in listed_core):
                return False
        matched = [t for t in ident if same(t)]
        return len(matched) >= 2 or any(not _is_common_identifier(t) for t in matched)

    def _join_split(self, words: list[str]) -> list[str]:
        """Join a word split in the middle ("hua wei", "hik vision") when the joined form is a
        listed token and the halves are not both words of their own on the list (short halves,
        like syllables, are joined either way)."""
        vocab = self._vocab
        out: list[str] = []
        i = 0
        while i < len(words):
            if i + 1 < len(words):
                a, b = words[i], words[i + 1]
                joined = a + b
                if (
                    a.isalpha()
                    and b.isalpha()
                    and joined in vocab
                    and (a not in vocab or b not in vocab or (len(a) < 4 and len(b) < 4))
                ):
                    out.append(joined)
                    i += 2
                    continue
            out.append(words[i])
            i += 1
        return out

    def _query_tokens(
        self, query: str, *, join: bool = True
    ) -> tuple[list[str], dict[str, tuple[str, ...]], frozenset[str]]:
        """Normalized query tokens, the other spellings of some, and those read from Cyrillic.

        A Cyrillic word is read the standard way (as the lists romanize Russian) when the
        list uses that reading or it is a misspelt or spelt-by-ear common word ("Сайенс" ->
        "science"); otherwise by the first of its other readings the list uses (a foreign
        name spelt by sound, pinyin in Palladius: "Хонгюан" -> "hongyuan", "Синцзианг" ->
        "xinjiang"). The readings not taken stay as other spellings of the token, and so
        does the common word a Cyrillic word the list also uses spells ("elektronik":
        "electronic", see :meth:`CommonWords.spelt_common`). A word corrected to a common
        word that is not a legal form ("Aerf" -> "aero") keeps the spelling as typed, so
        that the listed word it misspells ("Aref") still matches.

        With ``join=False`` the words split in the middle stay apart (see :meth:`search`).
        """
        common = self._common
        words = prepare(query).split()
        if join:
            words = self._join_split(words)
        others: dict[str, tuple[str, ...]] = {}
        foreign: set[str] = set()
        if _CYRILLIC.search(query):
            known, vocab = common.known, self._vocab
            chosen: dict[str, str] = {}
            for std, alts in cyrillic_readings(query):
                pick = std
                if (
                    alts
                    and std not in known
                    and std not in vocab
                    and common.correct_foreign(std).lstrip("?") == std
                ):
                    pick = next((a for a in alts if a in known or a in vocab), std)
                chosen[std] = pick
                foreign.add(pick)
                others[pick] = tuple(x for x in (std, *alts) if x != pick)
            words = [chosen.get(w, w) for w in words]
        # Spelled-out forms first ("United States" -> "us"), so that the common-word
        # correction does not turn their words into others ("states" -> "state").
        # (Words read from Cyrillic keep their readings: normalizing rewrites them later.)
        if not foreign:
            words = rewrite_phrases(" ".join(words)).split()
        fixed = common.correct_words(words, foreign)
        for w, f in zip(words, fixed, strict=True):
            if f != w and f not in common.legal:
                others[f] = (*others.get(f, ()), w, *others.get(w, ()))
            elif f == w and w in foreign and (spelt := common.spelt_common(w)) is not None:
                others[w] = (*others.get(w, ()), spelt)
        qtokens = tokens(normalize_name(" ".join(fixed)))
        spellings: dict[str, tuple[str, ...]] = {}
        read = frozenset(
            normalize_name(f) for w, f in zip(words, fixed, strict=True) if w in foreign
        )
        if others:
            qset = set(qtokens)
            for word, alts in others.items():
                t = normalize_name(word)
                if t not in qset:
                    continue
                alt_tokens = tuple(
                    dict.fromkeys(a2 for a in alts if (a2 := normalize_name(a)) and a2 != t)
                )
                alt_tokens = tuple(a for a in alt_tokens if " " not in a)
                if alt_tokens:
                    spellings[t] = (*spellings.get(t, ()), *alt_tokens)
        if abjad_words(query):
            self._abjad_spellings(query, qtokens, spellings)
        return qtokens, spellings, read

    def _abjad_spellings(
        self, query: str, qtokens: list[str], spellings: dict[str, tuple[str, ...]]
    ) -> None:
        """Add the listed words with the same consonants as other spellings of the query's
        words written in Arabic or Hebrew letters (see :func:`consonant_key`); in place."""
        tok_str = self._tok_str
        for raw in abjad_words(query):
            for t in tokens(normalize_name(raw)):
                if t not in qtokens:
                    continue
                forms = [t]
                if t.startswith("al") and len(t) > 4:
                    forms.append(t[2:])  # the article written on: "alasd"
                # The commonest reading first ("mhmd" is "muhammad" before "mahmud").
                found: dict[str, tuple[int, float]] = {}
                for f in forms:
                    for tid in self._consonants.get(consonant_key(f, short=f != t), ()):
                        alt = tok_str[tid]
                        rank = (len(self._post[tid]), OSA.normalized_similarity(f, alt))
                        if alt != t and rank > found.get(alt, (0, 0.0)):
                            found[alt] = rank
                ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
                alts = [a for a, _sim in ranked[:ABJAD_KEEP]]
                if alts:
                    spellings[t] = (*spellings.get(t, ()), *alts)

    def _exact_names(self, query: str) -> tuple[int, ...]:
        """The names with the query's exact key (:func:`_exact_key`)."""
        key = _exact_key(query)
        if not key:
            return ()
        hashes, names, raw = self._exact_hash, self._exact_name, self._raw
        h = _key_hash(key)
        k = bisect_left(hashes, h)
        found = []
        while k < len(hashes) and hashes[k] == h:
            if _exact_key(raw[names[k]]) == key:
                found.append(names[k])
            k += 1
        return tuple(found)

    def _known_word(self, word: str) -> bool:
        """Is ``word`` a word of the list as written (for splitting)? Legal-form words and
        stopwords do not count: "Comstock" is not "Com Stock"."""
        if word in self._common.legal or _is_generic(normalize_name(word)):
            return False
        return word in self._vocab or word in self._common.known

    def _near_word(self, word: str) -> bool:
        """Is ``word`` one typo from a word of the list (for splitting)?"""
        if len(word) < MIN_TYPO_LEN or word.isdigit() or word in self._common.legal:
            return False
        return any(sim >= SPLIT_MIN_SIMILARITY for _tid, sim in self._expand(word))

    def _spells_all(
        self, i: int, needed: list[tuple[str, frozenset[int]]], cache: dict[tuple[str, int], bool]
    ) -> bool:
        """Does name ``i`` spell each needed token (one of its ids, or a listed token at
        similarity >= SPLIT_PIECE_SIMILARITY)? ``cache`` keeps the similarities per query."""
        name_tids = set(self._ntok[self._noff[i] : self._noff[i + 1]])
        tok_str = self._tok_str
        for t, ids in needed:
            if ids & name_tids:
                continue
            for tid in name_tids:
                hit = cache.get((t, tid))
                if hit is None:
                    hit = cache[(t, tid)] = (
                        token_similarity(t, tok_str[tid]) >= SPLIT_PIECE_SIMILARITY
                    )
                if hit:
                    break
            else:
                return False
        return True

    def _spelling_ids(self, token: str) -> frozenset[int]:
        """The listed tokens that spell ``token`` (itself, or similarity >= 0.9)."""
        tid = self._vocab.get(token)
        if tid is not None:
            return frozenset((tid,))
        return frozenset(t for t, sim in self._expand(token) if sim >= SPLIT_PIECE_SIMILARITY)

    def _join_listed(self, words: list[str]) -> list[str] | None:
        """The words with each pair joined whose joined form is a listed token, whether or
        not the halves are words of the list too ("Hassan Nasrallah" for "HassanNasrallah")."""
        vocab = self._vocab
        out: list[str] = []
        i = 0
        while i < len(words):
            if i + 1 < len(words):
                a, b = words[i], words[i + 1]
                if a.isalpha() and b.isalpha() and a + b in vocab:
                    out.append(a + b)
                    i += 2
                    continue
            out.append(words[i])
            i += 1
        return out if out != words else None

    def _score_forms(
        self, query: str, first: tuple[list[str], dict[str, tuple[str, ...]], frozenset[str]]
    ) -> tuple[list[_Form], dict[int, float], dict[int, int]]:
        """Score the query and its other forms; each name keeps its best score.

        The other forms: the words split in the middle kept apart ("Opto Electronics" when
        "opto"+"electronics" is joined), words run together cut where the case changes or
        into known words ("SergeiLavrov", "sergeilavrov"), and words joined into a listed
        token. Returns the forms (text, tokens, spellings, read, token info), the scores and,
        for each name, the form that gave its score.
        """
        words = prepare(query).split()
        # (text, join split words, pieces the name must have for the form to count)
        texts: list[tuple[str, bool, list[list[str]]]] = []
        if self._join_split(words) != words:
            texts.append((query, False, []))
        camel = camel_split(query)
        if camel is not None:
            texts.append((camel, True, camel_pieces(query)))
        split = vocabulary_splits(words, self._known_word, self._near_word)
        if split is not None:
            texts.append((" ".join(split[0]), True, split[1]))
        joined = self._join_listed(words)
        if joined is not None:
            texts.append((" ".join(joined), False, []))
        forms: list[_Form] = []
        scores: dict[int, float] = {}
        used: dict[int, int] = {}
        candidates = [(query, first, [])]
        candidates += [(t, self._query_tokens(t, join=j), p) for t, j, p in texts]
        seen: list[list[str]] = []
        spelt: dict[tuple[str, int], bool] = {}
        for text, (qtokens, spellings, read), pieces in candidates:
            if not qtokens or qtokens in seen:
                continue
            seen.append(qtokens)
            # A name counts for a split form only if it spells every half ("SiriusPoint"
            # is not "JSC Sirius").
            needed = [
                (t, self._spelling_ids(t))
                for group in pieces
                for piece in group
                for t in tokens(normalize_name(piece))
                if not _is_generic(t) and t not in self._common.legal
            ]
            if any(not ids and not self._near_word(t) for t, ids in needed):
                continue  # a half the list never spells: no name can have it
            form_scores, info = self._score(qtokens, spellings, read)
            k = len(forms)
            forms.append(_Form(text, qtokens, spellings, read, info))
            for i, sc in form_scores.items():
                if sc <= scores.get(i, 0.0):
                    continue
                if needed:
                    if sc < MIN_SCORE:
                        continue  # a split is worth checking only for a name it could match
                    if not self._spells_all(i, needed, spelt):
                        continue
                scores[i] = sc
                used[i] = k
        return forms, scores, used

    def _person_rescore(
        self, forms: list[_Form], scores: dict[int, float], used: dict[int, int]
    ) -> None:
        """Rescore the best person candidates with :func:`person_score` (in place): a middle
        name or patronymic one side lacks costs little, ``X bin Y`` is not ``Y bin X``."""
        person = _ENTITY_TYPES.index("Individual")
        etype = self._etype
        cands = [i for i, sc in scores.items() if etype[i] == person and sc >= PERSON_MIN]
        if not cands:
            return
        weight, tok_str, ntok, noff = self._weight, self._tok_str, self._ntok, self._noff
        cache: dict[tuple[int, int, int], float] = {}
        for i in heapq.nlargest(PERSON_TOP, cands, key=scores.__getitem__):
            k = used.get(i, 0)
            form = forms[k]
            if len(form.qtokens) < 2:
                continue  # a given and a family name are needed
            if scores[i] >= RESCORE_SKIP and not LINEAGE & set(form.qtokens):
                continue  # nothing to gain, and no "bin" whose order could be swapped
            name_tids = ntok[noff[i] : noff[i + 1]]
            listed = [(tok_str[t], weight[t]) for t in name_tids]
            sims: list[tuple[float, int, int]] = []
            for qi, (q, _wq, exp, others, sound) in enumerate(form.info):
                for ni, tid in enumerate(name_tids):
                    sim = cache.get((k, qi, tid))
                    if sim is None:
                        tok = tok_str[tid]
                        sim = max(exp.get(tid, 0.0), token_similarity(q, tok))
                        for other in others:
                            sim = max(sim, token_similarity(other, tok))
                        if sound and sim < PHONETIC_SIMILARITY and sound in sound_keys(tok):
                            sim = PHONETIC_SIMILARITY
                        cache[(k, qi, tid)] = sim
                    if sim > 0.0:
                        sims.append((sim, qi, ni))
            sims.sort(key=lambda x: (-x[0], x[1], x[2]))
            pairs: dict[int, tuple[int, float]] = {}
            taken: set[int] = set()
            for sim, qi, ni in sims:
                if qi not in pairs and ni not in taken:
                    pairs[qi] = (ni, sim)
                    taken.add(ni)
            verdict = person_score(
                [(q, wq) for q, wq, *_rest in form.info],
                listed,
                pairs,
                BETA,
                normalize_name(form.text).split(),
                normalize_name(self._raw[i]).split(),
            )
            if verdict.swapped:
                scores[i] = min(scores[i], ORDER_CAP)
            elif verdict.conflict:
                scores[i] = min(scores[i], CONFLICT_CAP)
            elif verdict.score is not None and verdict.score > scores[i]:
                scores[i] = verdict.score

    def _cjk_cap(
        self, query: str, scores: dict[int, float], exact_ids: tuple[int, ...]
    ) -> tuple[int, ...]:
        """Names written in CJK characters on both sides are compared as written: a changed
        character is a change even when it reads the same ("华为"/"华伟"). Returns the exact
        names left."""
        if not cjk_text(query):
            return exact_ids
        changed: set[int] = set()
        raw = self._raw
        for i, sc in scores.items():
            if sc < MIN_SCORE:
                continue
            sim = cjk_similarity(query, raw[i])
            if sim is None or sim >= 1.0:
                continue
            scores[i] = min(sc, sim, CJK_CHANGE_CAP)
            changed.add(i)
        return tuple(i for i in exact_ids if i not in changed)

    def search(self, query: str, *, country: str | None = None, limit: int = 10) -> SearchResult:
        """Best records for ``query`` (one hit per record), optionally near ``country``.

        The country moves the score by a few points only: a strong name match stays at
        least a review match whatever the country, because list addresses are incomplete.
        """
        qtokens, spellings, foreign = self._query_tokens(query)
        if not qtokens or limit <= 0:
            return SearchResult(hits=[], family=None)
        forms, scores, used = self._score_forms(query, (qtokens, spellings, foreign))
        exact_ids = self._exact_names(query)
        camel = camel_split(query)
        if camel is not None:
            exact_ids += tuple(i for i in self._exact_names(camel) if i not in exact_ids)
        for i in exact_ids:
            # The listed name itself, legal form, spacing and punctuation aside.
            scores[i] = 1.0
        self._person_rescore(forms, scores, used)
        exact_ids = self._cjk_cap(query, scores, exact_ids)
        if abjad_words(query):
            # Read without its short vowels: at most a possible match, unless the listed
            # name is written in the same letters and is the query itself.
            for i in scores:
                if i not in exact_ids:
                    scores[i] = min(scores[i], ABJAD_CAP)
        qc = country.strip().upper() if country else None
        best: dict[int, tuple[float, float, int, bool | None]] = {}
        qletters = _letters(query)

        def as_listed(i: int) -> int:
            """2: the query spelt as this name; 1: an exact key of it; 0: neither."""
            return 0 if i not in exact_ids else 1 + (_letters(self._raw[i]) == qletters)

        # Ties go to the record known under more matching names: for "Huawei" that is
        # the parent company with its many aliases, not an affiliate.
        support: dict[int, int] = {}
        entry, ctry, sets = self._entry, self._ctry, self._country_sets
        # Only the top few hundred names can make it into the result.
        top = heapq.nlargest(max(limit * 20, 200), scores.items(), key=lambda kv: kv[1])
        for i, s in top:
            name_score = round(100.0 * s, 2)
            weak = name_score > WEAK_EVIDENCE_CAP - COUNTRY_BONUS and not self._strong_evidence(
                i, query, *forms[used.get(i, 0)].tokens3(), i in exact_ids
            )
            if weak:
                name_score = min(name_score, WEAK_EVIDENCE_CAP)
            cmatch: bool | None = None
            final = name_score
            if qc:
                cs = sets[ctry[i]]
                if cs:
                    cmatch = qc in cs
                    final = (
                        min(100.0, name_score + COUNTRY_BONUS)
                        if cmatch
                        else max(0.0, name_score - COUNTRY_PENALTY)
                    )
            if weak:
                final = min(final, WEAK_EVIDENCE_CAP)  # a country does not make it strong
            key = entry[i]
            support[key] = support.get(key, 0) + 1
            prev = best.get(key)
            # Among a record's names that score the same, the one the query spells as
            # listed (an exact key) is the evidence shown: "Huawei Technologies Co., Ltd."
            # for that query, not the alias "Huawei Technology".
            if (
                prev is None
                or (final, name_score) > (prev[0], prev[1])
                or ((final, name_score) == (prev[0], prev[1]) and as_listed(i) > as_listed(prev[2]))
            ):
                best[key] = (final, name_score, i, cmatch)
        src, primary = self._src, self._primary
        family = self._family(qtokens, spellings, foreign)
        # A bare family name ("Huawei") means the family: its parent, known under the most
        # names, comes first, not whichever affiliate has the shortest name.
        lead = support if family is not None and len(qtokens) == 1 else {}
        ranked = sorted(
            best.items(),
            key=lambda kv: (
                -lead.get(kv[0], 0),
                -kv[1][0],
                -kv[1][1],
                -support[kv[0]],
                src[kv[1][2]],
                -primary[kv[1][2]],
                kv[0],
            ),
        )[:limit]
        hits = [
            Hit(
                entry_key=key,
                matched_name=self._raw[i],
                score=round(final, 2),
                name_score=name_score,
                country_match=cmatch,
            )
            for key, (final, name_score, i, cmatch) in ranked
        ]
        return SearchResult(hits=hits, family=family)

    def search_many(
        self, queries: Sequence[tuple[str, str | None]], *, limit: int = 10
    ) -> list[SearchResult]:
        """Screen many ``(name, country)`` pairs; repeated pairs are computed once."""
        done: dict[tuple[str, str | None], SearchResult] = {}
        out: list[SearchResult] = []
        for q in queries:
            res = done.get(q)
            if res is None:
                res = done[q] = self.search(q[0], country=q[1], limit=limit)
            out.append(res)
        return out

    def is_anchor(self, word: str, *, loose: bool = False) -> bool:
        """Does ``word`` carry a token that identifies listed parties (not a place, legal form,
        business descriptor or stopword)? With ``loose``, any listed token that is not a legal
        form or stopword counts. The span linker starts its windows at such words."""
        vocab, core, generic = self._vocab, self._core, self._generic
        for t in tokens(normalize_name(word)):
            tid = vocab.get(t)
            if tid is not None and (core[tid] or (loose and not generic[tid])):
                return True
        return False
