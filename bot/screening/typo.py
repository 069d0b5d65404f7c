"""Typo tables of the name index: which listed tokens a query token may stand for.

Typos are handled on the vocabulary, not on names: a symmetric-delete table (SymSpell,
edit distance 1) over the listed tokens, the raw spellings they come from ("limited",
"technologies") and their skeletons (:func:`~bot.screening.normalize.skeleton`, for
romanizations two or more edits apart) returns the candidate tokens of a query token with
a similarity; a 3-letter query token only finds the 4-letter words it is with an inner
letter dropped. ``_rescore`` then compares every query token with every token of the best
candidates, which also catches typos the tables miss (short tokens, a typo that spells
another listed word). :class:`~bot.screening.index.NameIndex` inherits these methods.
"""

from __future__ import annotations

import heapq
from array import array
from functools import lru_cache

from rapidfuzz.distance import OSA
from rigour.text import metaphone
from wordfreq import zipf_frequency

from bot.screening.normalize import normalize_name, skeleton
from bot.screening.words import (
    MIN_TOKEN_SIMILARITY,
    SKELETON_SIMILARITY,
    sound_keys,
    token_similarity,
)

__all__ = ["BETA", "MIN_TYPO_LEN", "TYPO_KEEP", "QueryToken", "TypoTables"]

MIN_TYPO_LEN = 4  # shorter tokens are not typo-corrected here (too ambiguous)
BETA = 0.5  # weight of listed-name tokens the query does not contain
TYPO_KEEP = 1.0  # a typo keeps 1 - TYPO_KEEP * (1 - similarity) of a token's weight
MIN_PHONETIC_CODE = 4  # shorter metaphone codes collide too often
PHONETIC_SIMILARITY = 0.8  # a sound-alike counts as much as a fair typo
RESCORE_TOP = 20  # best candidates rescored token by token (typos in any token)
RESCORE_MIN = 0.3  # candidates below this are not worth rescoring

RESCORE_GAP = 0.4  # ... nor those this far below the best candidate
RESCORE_SKIP = 0.98  # candidates this close to exact have nothing to gain
# A listed name word (not an English word) in at most NEAR_RARE_POSTINGS names and of at least
# NEAR_MIN_LEN letters also expands to its close spellings on the list (one edit, similarity
# >= NEAR_MIN_SIMILARITY), at most NEAR_KEEP of them.
NEAR_RARE_POSTINGS = 3
NEAR_MIN_LEN = 6
NEAR_MIN_SIMILARITY = 0.85
NEAR_KEEP = 3
NEAR_MAX_ZIPF = 3.0  # an English word this common ("centers", "match") is not a name

# A query token: its text, its weight when it matches nothing, its typo expansions, its
# other spellings (other readings of a Cyrillic word, the word as typed before a
# correction), which match as well as the text, and for a word read from Cyrillic its
# consonant-sound key (:func:`~bot.screening.normalize.sound_key`; "" otherwise): a listed
# token with that key ("treyd" and "trade") counts as a sound-alike.
QueryToken = tuple[str, float, dict[int, float], tuple[str, ...], str]


@lru_cache(maxsize=65536)
def _is_word(token: str) -> bool:
    return zipf_frequency(token, "en") >= NEAR_MAX_ZIPF


def _deletes(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def _typo_likeness(typed: str, listed: str) -> int:
    """How typo-like the difference between two spellings is, from 0 to 3.

    People seldom get the first letter of a word wrong, rarely the last, and swapping two
    letters is the commonest slip: "Koyn" is likelier "Kony" than "Koon" or "Loyn".
    """
    return (
        (typed[:1] == listed[:1])
        + (typed[-1:] == listed[-1:])
        + (len(typed) == len(listed) and sorted(typed) == sorted(listed))
    )


class TypoTables:
    """Mixin: the typo dictionary of an index (filled by ``_build_typo_tables``)."""

    _vocab: dict[str, int]
    _tok_str: list[str]
    _generic: array
    _words: list[str]
    _word_tids: list[int | tuple[int, ...]]
    _word_is_skel: array
    _deletes: dict[str, int | tuple[int, ...]]
    _fuzzy_cache: dict[str, tuple[tuple[int, float], ...]]
    _phonetic: dict[str, tuple[int, ...]]
    _weight: array
    _post: list[array]
    _ntok: array
    _noff: array
    _nweight: array

    def _build_typo_tables(self, raw_words: set[str]) -> None:
        # Sound-alike keys: a word spelled by ear in another script ("korporeyshn",
        # "elektroniks", "interneshnl") has the metaphone code of the English word.
        phon: dict[str, list[int]] = {}
        for tid, t in enumerate(self._tok_str):
            if len(t) >= MIN_TYPO_LEN and t.isalpha() and not self._generic[tid]:
                code = metaphone(t)
                if len(code) >= MIN_PHONETIC_CODE:
                    phon.setdefault(code, []).append(tid)
        self._phonetic = {code: tuple(tids) for code, tids in phon.items() if len(tids) <= 8}
        vocab = self._vocab
        word_ids: dict[str, int] = {}

        def add_word(word: str, tids: tuple[int, ...], is_skel: bool) -> None:
            if len(word) < MIN_TYPO_LEN or word.isdigit():
                return
            wid = word_ids.get(word)
            if wid is None:
                wid = word_ids[word] = len(self._words)
                self._words.append(word)
                self._word_tids.append(tids[0] if len(tids) == 1 else tids)
                self._word_is_skel.append(1 if is_skel else 0)
            else:
                old = self._word_tids[wid]
                merged = tuple(dict.fromkeys(((old,) if isinstance(old, int) else old) + tids))
                self._word_tids[wid] = merged[0] if len(merged) == 1 else merged

        for tid, t in enumerate(self._tok_str):
            add_word(t, (tid,), False)
        for w in raw_words:
            if not w or w in vocab:
                continue
            norm = normalize_name(w)
            if " " in norm or norm == w:
                continue
            tid = vocab.get(norm)
            if tid is not None:
                add_word(w, (tid,), False)
        for tid, t in enumerate(self._tok_str):
            if not self._generic[tid]:
                add_word("~" + skeleton(t), (tid,), True)
        dels: dict[str, int | tuple[int, ...]] = {}
        for wid, w in enumerate(self._words):
            for d in (w, *_deletes(w)):
                prev = dels.get(d)
                if prev is None:
                    dels[d] = wid
                elif isinstance(prev, int):
                    if prev != wid:
                        dels[d] = (prev, wid)
                elif wid not in prev:
                    dels[d] = (*prev, wid)
        self._deletes = dels

    def _lookup(self, form: str, cap: float) -> dict[int, float]:
        """Token ids of dictionary words within one edit (or a swap) of ``form``."""
        found: dict[int, float] = {}
        wids: set[int] = set()
        for key in (form, *_deletes(form)):
            hit = self._deletes.get(key)
            if hit is not None:
                wids.update((hit,) if isinstance(hit, int) else hit)
        words, word_tids = self._words, self._word_tids
        for wid in wids:
            sim = min(cap, OSA.normalized_similarity(form, words[wid]))
            if sim < MIN_TOKEN_SIMILARITY:
                continue
            tids = word_tids[wid]
            for tid in (tids,) if isinstance(tids, int) else tids:
                if sim > found.get(tid, 0.0):
                    found[tid] = sim
        return found

    def _short_lookup(self, token: str) -> dict[int, float]:
        """Listed words of MIN_TYPO_LEN letters that ``token`` is with one inner letter
        dropped, the commonest typo in a short word ("Blt" for "Belt", "Tko" for "Tako");
        words that differ in their first or last letter are not considered."""
        found: dict[int, float] = {}
        hit = self._deletes.get(token)
        if hit is None:
            return found
        words, word_tids, is_skel = self._words, self._word_tids, self._word_is_skel
        for wid in (hit,) if isinstance(hit, int) else hit:
            word = words[wid]
            if len(word) != MIN_TYPO_LEN or is_skel[wid] or word[0] != token[0]:
                continue
            if word[-1] != token[-1]:
                continue
            sim = OSA.normalized_similarity(token, word)
            tids = word_tids[wid]
            for tid in (tids,) if isinstance(tids, int) else tids:
                if sim > found.get(tid, 0.0):
                    found[tid] = sim
        return found

    def _expand(self, token: str) -> tuple[tuple[int, float], ...]:
        """Vocabulary tokens a query token may stand for, with a similarity in (0, 1]."""
        tid = self._vocab.get(token)
        if tid is not None and (
            len(self._post[tid]) > NEAR_RARE_POSTINGS
            or len(token) < NEAR_MIN_LEN
            or not token.isalpha()
            or _is_word(token)
        ):
            return ((tid, 1.0),)
        cached = self._fuzzy_cache.get(token)
        if cached is not None:
            return cached
        found: dict[int, float] = {}
        if tid is not None:
            # A rare listed word ("haniya") also stands for its close spellings on the list
            # ("haniyeh"): whether one record spells a name the query's way must not hide
            # the records that spell it another way (their score is the same with or
            # without it).
            found = {
                t: sim
                for t, sim in self._lookup(token, 1.0).items()
                if sim >= NEAR_MIN_SIMILARITY and t != tid
            }
            near = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:NEAR_KEEP]
            best = ((tid, 1.0), *near)
            if len(self._fuzzy_cache) > 200_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[token] = best
            return best
        if len(token) == MIN_TYPO_LEN - 1 and token.isalpha():
            found = self._short_lookup(token)
        elif len(token) >= MIN_TYPO_LEN and not token.isdigit():
            found = self._lookup(token, 1.0)
            skel = "~" + skeleton(token)
            if len(skel) > MIN_TYPO_LEN:
                for tid2, sim in self._lookup(skel, SKELETON_SIMILARITY).items():
                    if sim > found.get(tid2, 0.0):
                        found[tid2] = sim
            if token.isalpha():
                code = metaphone(token)
                if len(code) >= MIN_PHONETIC_CODE:
                    for tid2 in self._phonetic.get(code, ()):
                        if found.get(tid2, 0.0) < PHONETIC_SIMILARITY:
                            found[tid2] = PHONETIC_SIMILARITY
        # Among equally similar words, keep the likelier typos (see _typo_likeness); then
        # the lower token id (the order of the list), not hash order, so that a query gets
        # the same expansions in every process.
        tok_str = self._tok_str
        best = tuple(
            sorted(
                found.items(),
                key=lambda kv: (-kv[1], -_typo_likeness(token, tok_str[kv[0]]), kv[0]),
            )[:4]
        )
        if len(self._fuzzy_cache) > 200_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[token] = best
        return best

    def _rescore(self, info: list[QueryToken], scores: dict[int, float]) -> None:
        """Rescore the best candidates token by token (in place).

        The candidate generation above only credits a query token for the listed tokens
        its typo tables return. Here every query token is compared with every token of
        the candidate name (:func:`token_similarity`: a misspelt "syf" still counts 0.75
        of "sayf"), tokens are paired one to one, best pairs first, and a paired query
        token weighs what the listed token it stands for weighs.
        """
        weight, tok_str, ntok, noff = self._weight, self._tok_str, self._ntok, self._noff
        nweight = self._nweight
        top = heapq.nlargest(RESCORE_TOP, scores.items(), key=lambda kv: kv[1])
        # Far behind a strong leader a candidate cannot come first: not worth the time.
        floor = max(RESCORE_MIN, top[0][1] - RESCORE_GAP) if top else RESCORE_MIN
        sims: list[dict[int, float]] = [{} for _ in info]
        for i, fast in top:
            if fast < floor:
                break
            if fast >= RESCORE_SKIP:
                continue
            name_tids = ntok[noff[i] : noff[i + 1]]
            pairs: list[tuple[float, int, int]] = []
            for qi, (q, _wq, exp, others, sound) in enumerate(info):
                cache = sims[qi]
                for tid in name_tids:
                    sim = cache.get(tid)
                    if sim is None:
                        tok = tok_str[tid]
                        sim = max(exp.get(tid, 0.0), token_similarity(q, tok))
                        for other in others:
                            sim = max(sim, token_similarity(other, tok))
                        if sound and sim < PHONETIC_SIMILARITY and sound in sound_keys(tok):
                            sim = PHONETIC_SIMILARITY
                        cache[tid] = sim
                    if sim > 0.0:
                        pairs.append((sim, qi, tid))
            pairs.sort(reverse=True)
            used_q: set[int] = set()
            used_n: set[int] = set()
            num = den = 0.0
            for sim, qi, tid in pairs:
                if qi in used_q or tid in used_n:
                    continue
                used_q.add(qi)
                used_n.add(tid)
                w = weight[tid]
                num += (1.0 + BETA) * w * (1.0 - TYPO_KEEP * (1.0 - sim))
                den += w
            den += sum(wq for qi, (_q, wq, *_rest) in enumerate(info) if qi not in used_q)
            den += BETA * nweight[i]
            if den > 0.0:
                s = min(1.0, num / den)
                if s > fast:
                    scores[i] = s
