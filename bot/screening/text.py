"""Plain text as the engine takes it: capped, invisible characters dropped, spaces collapsed.

Slack's own markup (mentions, `<url|label>` links, entities, mrkdwn) is turned into plain text
by the Slack side (handlers/markup.py) before anything reaches the engine; this module only
makes any string safe to read. Pure; never raises on any string.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest input the engine looks at. Slack allows 40,000 characters; a question is far shorter,
#: and capping first keeps every regex below linear in a small bound.
MAX_INPUT_CHARS = 4000

_WS = re.compile(r"\s+")


def is_noise(ch: str) -> bool:
    """Format, surrogate and private-use characters (bidi overrides, zero-width joiners).

    They are invisible, so they can only hide text from a reader or split a name the screening
    engine should see whole.
    """
    return unicodedata.category(ch) in {"Cf", "Cs", "Co"}


def clean_chars(text: str) -> str:
    """Drop invisible characters; control characters (tabs, newlines, NUL...) become spaces."""
    if text.isprintable():  # none of either: skip the per-character pass
        return text
    return "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in text if not is_noise(ch)
    )


def plain_text(text: str) -> str:
    """`text` capped at MAX_INPUT_CHARS, without invisible characters, spaces collapsed."""
    if not isinstance(text, str):
        return ""
    return _WS.sub(" ", clean_chars(text[:MAX_INPUT_CHARS])).strip()
