"""Word-level helpers of the name index: common-word correction and token similarity.

Legal forms span several words ("Joint Stock Company", "Obshchestvo s Ogranichennoi
Otvetstvennostyu") and are recognised only when every word is spelt right, so one typo
("Joit Stock Company") or a Cyrillic spelling ("Джойнт Сток Компани") leaves three unknown
words that weigh as much as a rare surname. Before normalizing, the index therefore
corrects query words that the list never uses to the *common* words of the list: the
words absorbed into legal forms, the business words of the abbreviation table and the
words found in many names. Correcting to a common word can only lower a query's weight
on that word, so it cannot make an unrelated name look like a listed one.

Words read from Cyrillic are spelt by ear, not mistyped: they are also corrected to a
common word with the same consonant sounds (:func:`sound_key`: "Сайенс" is "science",
"Рисерч" "research"), but not away from a listed word they read as ("Стил" is "steel").

Token similarity (used to rescore the best candidates) is the larger of the edit
similarity of the two spellings and of their skeletons (:func:`skeleton`), the latter
capped below an exact match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from rapidfuzz.distance import OSA
from rigour.names.org_types import remove_org_types
from rigour.text import metaphone

from bot.screening.normalize import ABBREVIATIONS, normalize_name, skeleton, sound_key

__all__ = ["MIN_SOUND_KEY", "CommonWords", "sound_keys", "token_similarity"]

SKELETON_SIMILARITY = 0.9  # same skeleton ("khamenei"/"hamenei"), different spelling
MIN_TOKEN_SIMILARITY = 0.74  # below this two tokens are different words
COMMON_MIN_NAMES = 25  # a word in this many names is common (a city, "research", ...)
LEGAL_MIN_NAMES = 5  # a word absorbed into a legal form this often is a legal-form word
# Words of legal forms, whatever the list: rigour recognises the phrases, the index only
# needs their words to correct them ("Joit Stock", "Ogranichennoi Otvatstvennostyu").
LEGAL_WORDS = frozenset(
    [
        "joint",
        "stock",
        "company",
        "limited",
        "liability",
        "public",
        "open",
        "closed",
        "private",
        "corporation",
        "incorporated",
        "partnership",
        "obshchestvo",
        "ogranichennoi",
        "otvetstvennostyu",
        "aktsionernoe",
        "otkrytoe",
        "zakrytoe",
        "publichnoe",
        "tovarystvo",
        "aktsionerne",
        "sociedad",
        "anonima",
    ]
)
RARE_NAMES = 2  # a listed word in at most this many names may still be a misspelling
RARE_RATIO = 20  # ... of a common word used this many times more often
# A Cyrillic word spelt by ear matches a common word on its consonant-sound key
# (:func:`sound_key`). Keys of fewer sounds than MIN_SOUND_KEY say too little on their own:
# they ("Cn" for china, "nd" for and) also need this much edit similarity, one letter or
# sound in three, and match nothing in the token rescoring.
MIN_SOUND_KEY = 3
SOUND_SHORT_MIN_SIMILARITY = 0.6
FOREIGN_MAX_LENGTH_CHANGE = 2  # letters a Cyrillic word's correction may gain or lose


@lru_cache(maxsize=200_000)
def _skel(token: str) -> str:
    return skeleton(token)


# Canonical abbreviation -> the long words it stands for ("tech" -> "technologies", ...):
# a misspelt long form ("tecnologies", "teknolodzhis") is compared with those.
LONG_FORMS: dict[str, tuple[str, ...]] = {}
for _long, _short in ABBREVIATIONS.items():
    LONG_FORMS[_short] = (*LONG_FORMS.get(_short, ()), _long)


@lru_cache(maxsize=200_000)
def sound_keys(token: str) -> frozenset[str]:
    """Sound keys of a normalized token and of the long forms it stands for ("trading":
    "trade", "traders", ...), so that "treyd" sounds like the token of "Trade"."""
    return frozenset(sound_key(w) for w in (token, *LONG_FORMS.get(token, ())) if w.isalpha())


def token_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalized tokens; 0 when they are different words."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 3:
        return 0.0
    longs = LONG_FORMS.get(b)
    if longs and len(a) > len(b) + 2:
        return max(_similarity(a, b), *(_similarity(a, x) for x in longs))
    return _similarity(a, b)


def _similarity(a: str, b: str) -> float:
    sim = OSA.normalized_similarity(a, b)
    sa, sb = _skel(a), _skel(b)
    if sa == sb and len(sa) >= 3:
        sim = max(sim, SKELETON_SIMILARITY)
    elif min(len(sa), len(sb)) >= 5:
        sim = max(sim, min(SKELETON_SIMILARITY, OSA.normalized_similarity(sa, sb)))
    if sim < SKELETON_SIMILARITY and min(len(a), len(b)) >= 4 and _sounds_alike(a, b):
        sim = SKELETON_SIMILARITY
    return sim if sim >= MIN_TOKEN_SIMILARITY else 0.0


@lru_cache(maxsize=65536)
def _metaphone(word: str) -> str:
    return metaphone(word) if word.isalpha() else ""


def _sounds_alike(a: str, b: str) -> bool:
    """Same metaphone code (5+ sounds): "korporeyshn" and "corporation"."""
    code = _metaphone(a)
    return len(code) >= 5 and code == _metaphone(b)


def _reads_as(word: str, other: str) -> bool:
    """``word`` is another spelling of ``other`` (same skeleton or consonant sounds)."""
    return word == other or _skel(word) == _skel(other) or sound_key(word) == sound_key(other)


def _deletes(word: str) -> tuple[str, ...]:
    return (word, *(word[:i] + word[i + 1 :] for i in range(len(word))))


def _delete_table(words: list[str]) -> dict[str, list[int]]:
    """Symmetric-delete table: each word and each word minus one letter -> word indices."""
    table: dict[str, list[int]] = {}
    for k, w in enumerate(words):
        for d in _deletes(w):
            table.setdefault(d, []).append(k)
    return table


def _nearest(word: str, words: list[str], table: dict[str, list[int]]) -> int | None:
    """Index of the first of ``words`` within one edit (or a swap) of ``word``."""
    found = {k for d in _deletes(word) for k in table.get(d, ())}
    best = min(found, default=None, key=lambda k: (OSA.distance(word, words[k]), k))
    return best if best is not None and OSA.distance(word, words[best]) <= 1 else None


class CommonWords:
    """Spelling correction of query words to the common words of one list."""

    def __init__(self, known: dict[str, int], common: Iterable[str], legal: Iterable[str]) -> None:
        # Raw word -> number of names using it. A known word is only corrected when it is
        # rare (RARE_NAMES) and its correction is far more frequent: "Stok" in one name.
        self.known = known
        self.legal = frozenset(legal)
        words = sorted(set(common) | self.legal)
        self._words = words
        self._by_word = frozenset(words)
        self._skels = [_skel(w) for w in words]
        self._by_skel: dict[str, str] = {}
        for w, s in zip(words, self._skels, strict=True):
            self._by_skel.setdefault(s, w)
        self._near_words = _delete_table(words)
        self._near_skels = _delete_table(self._skels)
        self._by_sound: dict[str, list[str]] = {}
        for w in words:
            if len(w) >= 3 and w.isalpha():
                self._by_sound.setdefault(sound_key(w), []).append(w)
        # Skeletons of the other words the list uses in more than RARE_NAMES names ("steel"):
        # a Cyrillic query word that reads as one of them is that word, not a misspelt
        # common word (rarer listed words may still be corrected, as in _correct).
        self._listed_skels = frozenset(
            _skel(w)
            for w, n in known.items()
            if n > RARE_NAMES and w not in self._by_word and len(w) >= 3
        )
        self._cache: dict[str, str] = {}
        self._foreign_cache: dict[str, str] = {}
        self._spelt_cache: dict[str, str] = {}
        self._is_generic: Callable[[str], bool] = lambda _t: False

    @classmethod
    def build(
        cls, words: Counter[str], absorbed: Counter[str], is_generic: Callable[[str], bool]
    ) -> CommonWords:
        """``words``: raw word -> names using it; ``absorbed``: same for the words a legal
        form swallowed ("joint", "obshchestvo"); ``is_generic``: legal form or stopword."""
        common = {w for w, n in words.items() if n >= COMMON_MIN_NAMES and not w.isdigit()}
        common.update(w for w in ABBREVIATIONS if w.isalpha())
        legal = {w for w, n in absorbed.items() if n >= LEGAL_MIN_NAMES} | LEGAL_WORDS
        legal.update(
            w
            for w, n in words.items()
            if n >= LEGAL_MIN_NAMES
            and len(w) >= 3
            and w.isalpha()
            and not remove_org_types(normalize_name(w)).strip()
        )
        self = cls(dict(words), common, legal)
        self._is_generic = is_generic
        return self

    def _correct(self, word: str) -> str:
        if word in self._by_word or not word.isalpha():
            return word
        seen = self.known.get(word, 0)
        if seen > RARE_NAMES or len(word) < 2:
            return word
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        best = self._lookup(word)
        if (seen or len(word) < 3) and (
            best not in self.legal or self.known.get(best, 0) < RARE_RATIO * max(seen, 1)
        ):
            best = "?" + best  # only in a legal-form context, see correct()
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[word] = best
        return best

    def correct_foreign(self, word: str) -> str:
        """``_correct`` for a word read from Cyrillic (spelt by ear, not mistyped).

        When no common word is within an edit, an English word spelt by sound ("sayens",
        "riserch", "korporeyshn") is matched on its consonant-sound key. But a word that
        reads as a word of more than RARE_NAMES listed names (same skeleton: "stil" for
        "steel", "khussayn" for "hussain") is not corrected to a word of another skeleton
        ("sti", "hassan"): that would lose the party's own word ("kompani" still becomes
        "company", which has its skeleton). Nor is a word corrected to one much shorter or
        longer ("shakh" is not "sa"): spelling by ear keeps the length of a word.
        """
        if word in self._by_word or not word.isalpha():
            return word
        if self.known.get(word, 0) > RARE_NAMES or len(word) < 2:
            return word
        hit = self._foreign_cache.get(word)
        if hit is not None:
            return hit
        best = self._correct(word)
        if best.lstrip("?") == word:
            sound = self._sound_lookup(word)
            if sound is not None:
                best = best[: len(best) - len(word)] + sound  # keeps a leading "?"
        target = best.lstrip("?")
        if target != word and (
            abs(len(target) - len(word)) > FOREIGN_MAX_LENGTH_CHANGE
            or (_skel(word) in self._listed_skels and _skel(target) != _skel(word))
        ):
            best = word
        if len(self._foreign_cache) > 100_000:
            self._foreign_cache.clear()
        self._foreign_cache[word] = best
        return best

    def spelt_common(self, word: str) -> str | None:
        """The common word a word read from Cyrillic spells, even when the list uses the
        word itself: "elektronik" (Turkish and Russian names) is also "electronic",
        "tekhnolodzhi" also "technology". Only same-skeleton and sound-key matches of three
        sounds or more count here, not a one-edit neighbour ("bion" is not "bin")."""
        if word in self._by_word or len(word) < 4 or not word.isalpha():
            return None
        hit = self._spelt_cache.get(word)
        if hit is not None:
            return hit or None
        found = self._by_skel.get(_skel(word))
        if found is None and len(sound_key(word)) >= MIN_SOUND_KEY:
            found = self._sound_lookup(word)
        if len(self._spelt_cache) > 100_000:
            self._spelt_cache.clear()
        self._spelt_cache[word] = found or ""
        return found

    def _sound_lookup(self, word: str) -> str | None:
        key = sound_key(word)
        found = self._by_sound.get(key) if len(key) >= 2 else None
        if not found:
            return None
        best = max(found, key=lambda w: (OSA.normalized_similarity(word, w), w))
        if len(key) < MIN_SOUND_KEY and (
            OSA.normalized_similarity(word, best) < SOUND_SHORT_MIN_SIMILARITY
        ):
            return None
        return best

    def _lookup(self, word: str) -> str:
        best = word
        sk = _skel(word)
        exact_skel = self._by_skel.get(sk) if len(sk) >= 2 else None
        if exact_skel is not None and len(exact_skel) < 4 and len(word) > len(exact_skel) + 1:
            exact_skel = None  # "shah" (skeleton "sa") is a name, not a misspelt "S.A."
        if exact_skel is not None:
            best = exact_skel
        else:
            k = _nearest(word, self._words, self._near_words)
            if k is not None and (len(word) >= 4 or len(self._words[k]) >= 4):
                best = self._words[k]
            elif len(sk) >= 6:
                k = _nearest(sk, self._skels, self._near_skels)
                if k is not None:
                    best = self._words[k]
        return best

    def correct(self, prepared: str) -> str:
        """Correct the words of a :func:`~bot.screening.normalize.prepare`-d query.

        Legal-form words are always corrected. Other common words only when the query
        keeps a word of its own: "Belectric GmbH" must not become "Electric GmbH".
        """
        return " ".join(self.correct_words(prepared.split()))

    def correct_words(
        self, words: list[str], foreign: frozenset[str] | set[str] = frozenset()
    ) -> list[str]:
        """:meth:`correct` word by word; ``foreign`` words were read from Cyrillic."""
        fixed = [self.correct_foreign(w) if w in foreign else self._correct(w) for w in words]
        if fixed == words:
            return words
        # A listed (rare) or very short word is corrected only next to a legal-form word:
        # "Joint Stok Company", "Ko Ltd", never "Stok" or "Ko" on their own.
        legal = self.legal
        for k, f in enumerate(fixed):
            if f.startswith("?"):
                near = (fixed[k - 1] if k else "", fixed[k + 1] if k + 1 < len(fixed) else "")
                fixed[k] = f[1:] if any(x in legal for x in near) else words[k]
        anchored = any(
            f == w
            and w not in self._by_word
            and not w.isdigit()
            and not self._is_generic(normalize_name(w))
            for w, f in zip(words, fixed, strict=True)
        )
        if not anchored:
            # A Cyrillic word spelt by ear ("Сайенс") is not a misspelling: its reading
            # ("science", same skeleton or sound key) stands even in a query of common
            # words only, as the English spelling would.
            fixed = [
                f if f in legal or (w in foreign and _reads_as(w, f)) else w
                for w, f in zip(words, fixed, strict=True)
            ]
        return fixed
