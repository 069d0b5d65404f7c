"""Screening engine core: name normalization and the in-memory name index.

No database and no Slack here: the store feeds :class:`IndexedName` rows to
:meth:`NameIndex.build` once per list version, and the decision engine reads
:class:`SearchResult` objects back.
"""

from bot.screening.index import (
    REVIEW_THRESHOLD,
    STRONG_THRESHOLD,
    FamilyMatch,
    Hit,
    IndexedName,
    NameIndex,
    SearchResult,
)
from bot.screening.normalize import NORMALIZER_VERSION, normalize_name

__all__ = [
    "NORMALIZER_VERSION",
    "REVIEW_THRESHOLD",
    "STRONG_THRESHOLD",
    "FamilyMatch",
    "Hit",
    "IndexedName",
    "NameIndex",
    "SearchResult",
    "normalize_name",
]
