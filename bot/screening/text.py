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


def clean_chars(text: str, *, lines: bool = False) -> str:
    """Drop invisible characters; control characters (tabs, newlines, NUL...) become spaces.

    With ``lines``, every line break (CR LF, U+2028, NEL, form feed...) becomes one ``\n``.
    """
    if lines:
        text = _LINE_BREAK.sub("\n", text)
    if text.isprintable():
        return text
    # Windows-1252 text read as Latin-1 carries its quotes and dashes as C1 controls
    # ("Xi\x92an" for "Xi’an", in list files and pasted text alike): read them as meant.
    text = text.translate(_CP1252_AS_C1)
    if text.isprintable():  # none of either: skip the per-character pass
        return text
    return "".join(
        " " if unicodedata.category(ch) == "Cc" and not (lines and ch == "\n") else ch
        for ch in text
        if not is_noise(ch)
    )


def _cp1252_as_c1() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x80, 0xA0):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue  # (five codes cp1252 leaves undefined stay controls)
    table.pop(0x85, None)  # NEL is a line break (above)
    return table


_CP1252_AS_C1 = _cp1252_as_c1()
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")
_LINE_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r" ?\n[\s]*")


def collapse(text: str, *, lines: bool = False) -> str:
    """Runs of white space as one space; with ``lines``, line breaks stay (one per break)."""
    if not lines:
        return _WS.sub(" ", text).strip()
    return _BLANK_LINES.sub("\n", _LINE_SPACE.sub(" ", text)).strip()


def plain_text(text: str, *, lines: bool = False) -> str:
    """`text` capped at MAX_INPUT_CHARS, without invisible characters, spaces collapsed (line
    breaks kept, one per break, with ``lines``: a message's lines are read apart)."""
    if not isinstance(text, str):
        return ""
    return collapse(clean_chars(text[:MAX_INPUT_CHARS], lines=lines), lines=lines)
