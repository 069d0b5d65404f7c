"""Which owners could a listed name be? A cheap, typo-tolerant filter for re-screening an
import's many owners at once (bot/upkeep/ownership.py), so only those are searched in the list.

An owner passes when its distinctive words (legal forms and stopwords aside) are words of listed
names, or one edit away from one (single deletions on both sides, as SymSpell does: a typo, a
dropped or swapped letter): all of them, or all but one of four or more. A strong match (90+)
leaves little of the name unmatched, so an owner that fails this is not looked up. Answers never
use it: they look every owner up.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.screening.index import _is_generic
from bot.screening.normalize import normalize_name, tokens

MIN_TYPO_LENGTH = 5  # shorter words are matched exactly only


def _deletes(word: str) -> set[str]:
    if len(word) < MIN_TYPO_LENGTH:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _words(normalized: str) -> list[str]:
    return [t for t in tokens(normalized) if not _is_generic(t)]


class ListedWords:
    """The distinctive words of the listed names, and their one-deletion forms."""

    def __init__(self, normalized_names: Iterable[str]) -> None:
        self.words: set[str] = set()
        self.deletes: set[str] = set()
        for name in normalized_names:
            for w in _words(name):
                if w not in self.words:
                    self.words.add(w)
                    self.deletes |= _deletes(w)

    def _near(self, w: str) -> bool:
        if w in self.words or w in self.deletes:
            return True
        return any(d in self.words or d in self.deletes for d in _deletes(w))

    def could_be(self, name: str) -> bool:
        """Could `name` strongly match a listed name? Its distinctive words must be listed
        words or one edit away: all of them, or all but one of a name of four or more (a
        strong match leaves little unmatched; a place or qualifier may be new)."""
        words = _words(normalize_name(name))
        if not words:
            return True  # nothing distinctive to go by: look it up
        misses = sum(not self._near(w) for w in words)
        return misses == 0 or (len(words) >= 4 and misses == 1)
