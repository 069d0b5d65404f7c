"""Which party a decision is about, and which content of the listed record it was made on."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from bot.screening.clean import clean_party
from bot.screening.index import _is_generic
from bot.screening.normalize import normalize_name, tokens
from bot.screening.places import place_tokens

DECISIONS = ("not-match", "match", "license-check")


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    return frozenset(place_tokens())


@lru_cache(maxsize=8192)
def party_key(party: str | None, country: str | None) -> str:
    """Normalised name plus country: legal forms and place words aside, so "ACME GmbH" and
    "Acme GmbH, Munich" (both in DE) meet. No country is a country of its own: a decision
    made for the German Acme never answers for an Acme whose country was not given."""
    text = clean_party(party or "").text or (party or "")
    words = tokens(normalize_name(text))
    core = [w for w in words if not _is_generic(w) and w not in _places()] or list(words)
    place = (country or "").split("-")[0].upper()
    return f"{' '.join(core)}|{place}"


def record_key(source: str, record_id: str) -> str:
    return f"{source}:{record_id}"


def parse_record(text: str) -> tuple[str, str]:
    """'EL:demo-el-0001' -> ('EL', 'demo-el-0001'); ValueError for other shapes."""
    source, sep, record_id = (text or "").partition(":")
    if not sep or not source.strip() or not record_id.strip():
        raise ValueError(f"'{text}' is not a record: give SOURCE:ID, e.g. EL:demo-el-0001")
    return source.strip().upper(), record_id.strip()


def fingerprint(entry: Any) -> str:
    """sha256 of what a reviewer judged: names, addresses, list and license fields. A new
    alias, a new address or a move to another list changes it; remarks and URLs do not."""
    content = {
        "source": entry.source,
        "name": entry.name,
        "alt_names": sorted(entry.alt_names or []),
        "addresses": sorted(json.dumps(a, sort_keys=True) for a in entry.addresses or []),
        "countries": sorted(entry.countries or []),
        "license_requirement": entry.license_requirement,
        "license_policy": entry.license_policy,
        "end_date": entry.end_date,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
