"""Slack message markup in and out.

Slack sends messages with its own markup: mentions as `<@U123>`, links as `<url|label>`, the three
HTML entities escaped, and mrkdwn formatting around words. The parser and the screening engine want
the words the person typed, so `to_plain_text` turns that markup back into plain text.

The other direction matters as much: whatever a user typed is echoed back in the bot's answers
("Screened *Acme & Sons*..."). `escape_mrkdwn` makes such text inert, so a party name cannot ping a
channel or forge a link in a message that carries the bot's authority.

Nothing here imports Slack; all functions are pure and never raise on any string. The engine
never sees Slack markup: handlers (and `canweship ask`, which answers as a DM would) turn it into
plain text here first.
"""

from __future__ import annotations

import re

from bot.screening.text import MAX_INPUT_CHARS, clean_chars, collapse, is_noise

# A Slack "angle bracket" token. Only shapes Slack itself produces are treated as markup, so a
# literal `<script>` that reached us unescaped stays visible (and is rejected by the parser).
_TOKEN = re.compile(
    r"<(?P<body>(?:[@#!][^<>\s|]*|(?:https?|mailto|tel|ftp|slack|sms)\:[^<>\s|]*)(?:\|[^<>]*)?)>",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```")
_INLINE_CODE = re.compile(r"`([^`]*)`")
# *bold*, _italic_, ~strike~ only when the marker hugs words (not `2 * 3 * 4`, not snake_case).
_EMPHASIS = [
    re.compile(rf"(?<![\w{m}]){re.escape(m)}(?=\S)([^{m}\n]*?\S){re.escape(m)}(?![\w{m}])")
    for m in "*_~"
]
_WS = re.compile(r"\s+")
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_ZWJ = "\u200d"


def _drop_noise(text: str) -> str:
    """`text` without control and format characters (a joiner we put in ourselves stays).

    Printable text (the usual case: no tabs, newlines or invisible characters) has none, and
    `str.isprintable` checks that in C; only the rest is filtered character by character.
    """
    if text.isprintable():
        return text
    return "".join(ch for ch in text if not is_noise(ch) or ch == _ZWJ)


def _render_token(body: str) -> str:
    target, _, label = body.partition("|")
    head = target[:1]
    if head == "@":
        return " "  # a user mention: the bot itself or a colleague; not part of the question
    if head == "#":
        return "#" + (label or target[1:])
    if head == "!":
        keyword = target[1:].split("^", 1)[0]
        if keyword in {"channel", "here", "everyone"}:
            return "@" + keyword
        return label or ("@" + keyword if keyword else "")
    if label:
        return label
    if target.lower().startswith("mailto:"):
        return target[len("mailto:") :]
    return target


def mentions(text: str) -> list[str]:
    """The user ids mentioned in `text` (`<@U123>` and `<@U123|bob>`), in order, without repeats.

    The handler needs them to tell "@canweship is Huawei listed?" (addressed to the bot) from a
    message that only names a colleague.
    """
    if not isinstance(text, str):
        return []
    found: list[str] = []
    for match in _TOKEN.finditer(text[:MAX_INPUT_CHARS]):
        body = match.group("body")
        if body.startswith("@"):
            user = body[1:].split("|", 1)[0]
            if user and user not in found:
                found.append(user)
    return found


def to_plain_text(text: str, *, lines: bool = False) -> str:
    """Turn a Slack message's markup into the plain words the person typed.

    Mentions are dropped (see `mentions`), channel and link tokens become their labels, broadcast
    tokens become inert `@channel`-style words, entities are unescaped, code and emphasis markers
    are removed, control characters dropped and whitespace collapsed to single spaces (line breaks
    kept, one per break, with ``lines``). The input is capped at `MAX_INPUT_CHARS` first. Never
    raises.
    """
    if not isinstance(text, str):
        return ""
    text = text[:MAX_INPUT_CHARS]
    text = clean_chars(text, lines=lines)
    text = _TOKEN.sub(lambda m: _render_token(m.group("body")), text)
    # Entities last-but-one: `&lt;` stands for a literal `<` the user typed, not for markup.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _FENCE.sub(" ", text)
    text = _INLINE_CODE.sub(r"\1", text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    return collapse(text, lines=lines)


def escape_mrkdwn(text: str) -> str:
    """Make user-supplied text safe to embed in a `mrkdwn` field or a message's `text`.

    Escapes `&`, `<` and `>` (so `<!channel>` cannot ping and `<https://evil|bank>` cannot forge a
    link) and puts a zero-width joiner after the `@` of a spelled-out `@channel`, `@here` or
    `@everyone` in case a client or a later formatter links them. Control characters are dropped.
    Formatting characters (`*`, `_`, `~`) are left alone: at worst they change emphasis.
    """
    if not isinstance(text, str):
        return ""
    text = _drop_noise(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _ZWJ, text)


def escape_plain(text: str) -> str:
    """Make user-supplied text safe for a Block Kit `plain_text` object.

    `plain_text` is not parsed for `<...>` tokens or mrkdwn, and entities are not decoded, so
    escaping `&<>` there would show `&amp;` to the reader. Only control characters are dropped and
    spelled-out broadcast words neutralised, as in `escape_mrkdwn`.
    """
    if not isinstance(text, str):
        return ""
    text = _drop_noise(text)
    return _BROADCAST.sub("@" + _ZWJ, text)
