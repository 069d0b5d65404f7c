"""Read a field that names a destination: `--country`, a CSV column, a slash-command option."""

from __future__ import annotations

import re

import pycountry

from bot.screening.countries import resolve_destination


def country_code(value: str | None) -> str | None:
    """ISO code for a country field, or None when it names no place we know.

    A field that is just a code is a code, even one that is also an English word (DE, IN, NO);
    region codes such as UA-43 (Crimea) are kept; names and cities go through the question
    parser's resolver.
    """
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if re.fullmatch(r"[A-Z]{2}", code) and pycountry.countries.get(alpha_2=code):
        return code
    if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code) and pycountry.subdivisions.get(code=code):
        return code
    destination = resolve_destination(value.strip())
    return destination.code if destination else None
