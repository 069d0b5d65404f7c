"""Split the text of a `/canweship ...` command into a sub-command, words and options.

Slack passes the text as typed, with smart quotes from some clients and `&amp;`-style entities.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from handlers.markup import to_plain_text

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class CommandSyntaxError(ValueError):
    """The command text cannot be split (e.g. an unclosed quote)."""


@dataclass
class SlashCommand:
    name: str  # first word, lower-case; "" when the text is empty
    words: list[str] = field(default_factory=list)  # positional words after the name
    options: dict[str, list[str]] = field(default_factory=dict)  # --key value (repeatable)
    rest: str = ""  # the text after the name, as typed (for natural-language questions)
    raw: str = ""

    def opt(self, key: str) -> str | None:
        """The last value given for --key, or None."""
        values = self.options.get(key)
        return values[-1] if values else None

    def opts(self, key: str) -> list[str]:
        """Every value given for a repeatable --key."""
        return list(self.options.get(key, []))


def parse_command(text: str, *, flags: frozenset[str] = frozenset()) -> SlashCommand:
    """`screen "Acme GmbH" --country DE` → name "screen", words ["Acme GmbH"], options."""
    plain = to_plain_text(text or "").translate(_SMART_QUOTES).strip()
    head, _, rest = plain.partition(" ")
    try:
        tokens = shlex.split(rest)
    except ValueError as exc:
        raise CommandSyntaxError(
            f"I couldn't read that command: {exc} (check your quotes)"
        ) from exc
    words: list[str] = []
    options: dict[str, list[str]] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2:
            key, eq, value = token[2:].partition("=")
            key = key.lower()
            if eq:
                options.setdefault(key, []).append(value)
            elif key in flags:
                options.setdefault(key, []).append("true")
            elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
                options.setdefault(key, []).append(tokens[i + 1])
                i += 1
            else:
                raise CommandSyntaxError(f'--{key} needs a value, e.g. --{key} "..."')
        else:
            words.append(token)
        i += 1
    return SlashCommand(
        name=head.lower(), words=words, options=options, rest=rest.strip(), raw=plain
    )
