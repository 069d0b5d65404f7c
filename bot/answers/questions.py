"""Turn what an employee types in Slack into a structured question.

People ask "can we ship 200 routers to Huawei Technologies in Shenzhen?", "is Dahua on the list",
or just paste a name. The screening and decision engines need the party, the destination and, for
licence scope, the item and its end use. This module pulls those out with a small, readable grammar
(no ML), so every answer can be explained and every miss reproduced in a test.

The grammar, in order of precedence:
  help/greeting          -> intent "help"
  check|screen|look up X -> intent "lookup" (or "ship" if X is itself a shipping question)
  is X on the list|what about X -> intent "lookup"
  ... VERB [ITEM] to TARGET [for PURPOSE] -> intent "ship" (VERB: ship, export, sell, send ...)
  a bare name            -> intent "lookup"
TARGET is "PARTY [in PLACE | (PLACE) | , PLACE]". Generic parties ("a distributor", "someone")
leave the party empty: a destination-only question is still answerable.

When the message cannot be used, `problem` says what is missing with an example to copy. Problems
never quote the user's text, so rendering them needs no escaping.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.answers import grammar as g
from bot.screening.countries import Destination, match_place, resolve_destination
from bot.screening.text import plain_text

#: A question longer than this (after markup is removed) is refused rather than guessed at.
MAX_QUESTION_CHARS = 1000
EXAMPLE_SHIP = "can we ship routers to Acme GmbH in Germany?"
EXAMPLE_LOOKUP = "is Acme GmbH on the list?"
INTENTS = ("ship", "lookup", "help", "unknown")
_I = re.IGNORECASE


@dataclass(frozen=True)
class Question:
    """What a message asks. `problem` is None when there is something to screen."""

    party: str | None = None
    item: str | None = None
    destination: Destination | None = None
    quantity: str | None = None
    purpose: str | None = None
    intent: str = "unknown"
    problem: str | None = None

    @property
    def understood(self) -> bool:
        """True when the engine can answer: a ship or lookup question with a party or place."""
        return self.problem is None and self.intent in ("ship", "lookup")


def _keep(ch: str) -> bool:
    """Drop emoji, symbols and variation selectors; they never belong to a name or a question."""
    return unicodedata.category(ch) not in {"So", "Sk", "Cs"} and not 0xFE00 <= ord(ch) <= 0xFE0F


def normalise_text(text: str) -> str:
    """Plain text without emoji or compatibility forms (full-width brackets become ASCII)."""
    text = re.sub(r":[a-z0-9_+'\-]+:", " ", plain_text(text, lines=True))
    text = unicodedata.normalize("NFKC", "".join(ch for ch in text if _keep(ch)))
    # Spaces collapse; a line break stays one ("End customer: X\nItem: GPUs": the item line
    # is not part of the name).
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _strip_trailing(text: str) -> str:
    """Drop closing filler ("ok?", "please", "asap") and a final full stop that ends a sentence."""
    for _ in range(10):
        text = text.rstrip(" ,;:?!…")
        m = g.TRAIL.search(text)
        if m is None:
            break
        text = text[: m.start()]
    if text.endswith("."):
        word = text[:-1].rsplit(maxsplit=1)[-1] if text[:-1].strip() else ""
        if "." not in word and word.lower() not in g.ABBREV:
            text = text[:-1].rstrip()
    return text


def _looks_like_name(text: str) -> bool:
    """Could this be a party name? Rejects markup, code, SQL and sentences, which are not."""
    words = text.split()
    return (
        0 < len(text) <= 150
        and len(words) <= 12
        and any(ch.isalpha() for ch in text)
        and not g.BAD_CHARS.search(text)
        and not g.SQL.search(text)
        and text.lower() not in g.ACK | g.HELP
    )


def _merge(first: Destination | None, second: Destination | None) -> Destination | None:
    """Two mentions of a place: keep the more specific one of the same country, else the first."""
    if first is None or second is None:
        return first or second
    finer = "-" in second.code or bool(second.region and not first.region)
    return second if first.country == second.country and finer else first


def _split_location(text: str) -> tuple[str, Destination | None]:
    """Cut "in Shenzhen", "(CN)" or ", China" off the end of a target, if it names a place."""
    dest: Destination | None = None
    for _ in range(3):
        found = None
        if text.endswith(")") and "(" in text:
            cut = text.rfind("(")
            found = match_place(text[cut + 1 : -1], in_parentheses=True)
            if found:
                text = text[:cut].rstrip()
        if found is None:
            for m in g.AT.finditer(text):
                found = match_place(text[m.end() :])
                if found:
                    text = text[: m.start()]
                    break
        if found is None and "," in text:
            cut = text.rfind(",")
            found = match_place(text[cut + 1 :])
            if found:
                text = text[:cut].rstrip()
        if found is None:
            break
        dest = _merge(dest, found)
    return text.strip(), dest


def _name_start(text: str) -> bool:
    """Does `text` start like a name: capital, digit, quote or a non-Latin script?"""
    head = text.lstrip(g.QUOTES + "'‘’")[:1]
    return bool(head) and (head.isupper() or head.isdigit() or not head.isascii())


def _plain_words(text: str) -> bool:
    """Are these descriptive words ("new", "Russian") rather than part of a name?"""
    return all(w.islower() or match_place(w) for w in text.split())


def _first_sentence(text: str) -> str:
    """Only the first sentence names the party: "Huawei? Also ZTE" is about Huawei."""
    for m in re.finditer(r"(?:[?!]+|(?<=\w)\.)\s+", text):
        head = text[: m.start()]
        word = head.rsplit(maxsplit=1)[-1] if head.strip() else ""
        abbreviation = word.lower() in g.ABBREV or "." in word  # "Co. Ltd", "S.A. Brazil"
        if "." not in m.group() or not abbreviation:
            return text[: m.start()]
    return text


def _target(text: str) -> tuple[str | None, Destination | None, str | None, bool]:
    """Party, destination, purpose and whether an unusable party name was given."""
    text = _strip_trailing(_first_sentence(text.strip()))
    purpose = None
    m = g.PURPOSE.search(text)
    if m and m.start() > 0:
        purpose, text = m.group("p").strip(), text[: m.start()]
    text, dest = _split_location(text.strip(" ,;:-–—"))
    text = re.sub(r"^(?:the|a|an)\s+", "", text).strip()
    if len(text) > 1 and text[0] in g.QUOTES + "'‘’" and text[-1] in g.QUOTES + "'‘’":
        text = text[1:-1].strip()
    text = text.strip(g.QUOTES).strip()
    whole = match_place(text)
    if whole:
        return None, _merge(dest, whole), purpose, False
    d = g.DESCRIPTOR.match(text)
    if d and _name_start(d.group("rest")) and _plain_words(d.group("adj")):
        for word in d.group("adj").split():
            dest = _merge(dest, match_place(word))
        text = d.group("rest").strip(g.QUOTES + " ")
    text = g.PEOPLE_TAIL.sub("", text) or text
    words = re.findall(r"[\w'’-]+", text)
    if all((w.islower() and w in g.GENERIC) or match_place(w) for w in words):
        # Only lower-case words are generic: "University of Tehran" is a name, "a university" not.
        for word in words:
            if not (word.islower() and word in g.GENERIC):
                dest = _merge(dest, match_place(word))
        return None, dest, purpose, False
    text = text.strip(" ,;:-–—")
    if not _looks_like_name(text):
        return None, dest, purpose, True
    return text, dest, purpose, False


def _item(text: str) -> tuple[str | None, str | None, str | None]:
    """Item, quantity and purpose from the words between the verb and the recipient."""
    text = re.sub(r"\s+from\s+.*$", "", text.strip(), flags=_I)
    purpose = None
    m = g.PURPOSE.search(text)
    if m and m.start() > 0:
        purpose = m.group("p").strip()
    q = g.QTY.match(text)
    quantity = None
    if q and q.group("q").strip() and q.group("rest"):
        quantity, text = re.sub(r"\s+of$", "", q.group("q").strip(), flags=_I), q.group("rest")
    text = re.sub(
        r"^(?:(?:some|a|an|the|our|these|those|this|that|any|more|additional)\s+)+",
        "",
        text,
        flags=_I,
    ).strip(" ,;:-")
    return (None if text.lower() in g.NOT_ITEM else text), quantity, purpose


def _problem(intent: str, party: str | None, dest: Destination | None, bad: bool) -> str | None:
    example = EXAMPLE_SHIP if intent == "ship" else EXAMPLE_LOOKUP
    if bad:
        return f"I couldn't read the party name. Try: {example}"
    if party or dest:
        return None
    if intent == "ship":
        return f"I couldn't tell who the party is or where it's going. Try: {EXAMPLE_SHIP}"
    return f"I couldn't tell which party to check. Try: {EXAMPLE_LOOKUP}"


def _lookup(text: str) -> Question:
    party, dest, purpose, bad = _target(text)
    problem = _problem("lookup", party, dest, bad)
    return Question(
        party=party, destination=dest, purpose=purpose, intent="lookup", problem=problem
    )


def _ship(text: str, verb: re.Match[str]) -> Question:
    pre, rest = text[: verb.start()].strip(), text[verb.end() :].strip()
    item_part, target_part = rest, ""
    to = g.TO.search(" " + rest)
    if to:
        item_part, target_part = rest[: max(to.start() - 1, 0)], rest[to.end() - 1 :]
    elif verb.group().lower().startswith(("suppl", "provid")) and " with " in rest:
        target_part, item_part = rest.split(" with ", 1)
    item, quantity, item_purpose = _item(item_part)
    party, dest, purpose, bad = _target(target_part) if target_part else (None, None, None, False)
    if party is None and dest is None and not bad and (p := g.PRE_PARTY.match(pre)):
        party, dest, purpose2, bad = _target(p.group("t"))
        purpose = purpose or purpose2
    purpose = purpose or item_purpose
    if dest is None:
        dest = resolve_destination(purpose or "")  # "... for use in Iran"
    problem = _problem("ship", party, dest, bad)
    return Question(
        party=party,
        item=item,
        destination=dest,
        quantity=quantity,
        purpose=purpose,
        intent="ship",
        problem=problem,
    )


def parse_question(text: str) -> Question:
    """Parse one Slack message (plain or still marked up) into a `Question`. Never raises."""
    try:
        return _parse(text if isinstance(text, str) else "")
    except Exception:  # a parser bug must not take the bot down: fail closed
        return Question(problem=f"I couldn't understand that. Try: {EXAMPLE_SHIP}")


def _parse(raw: str) -> Question:
    text = normalise_text(raw)
    if len(text) > MAX_QUESTION_CHARS:
        return Question(
            problem=f"That message is too long to read as one question "
            f"({len(raw):,} characters). Ask about one party at a time, "
            f"e.g.: {EXAMPLE_SHIP}"
        )
    bare = text.lower().strip(" .!?,")
    if not any(ch.isalnum() for ch in text):
        problem = f"I didn't find a question in that message. Try: {EXAMPLE_SHIP}"
        return Question(intent="help" if "?" in text else "unknown", problem=problem)
    help_problem = f"Ask me about a party or a shipment. Try: {EXAMPLE_SHIP} or: {EXAMPLE_LOOKUP}"
    if bare in g.HELP:
        return Question(intent="help", problem=help_problem)
    if bare in g.ACK:
        return Question(problem=f"Nothing to check there. Ask e.g.: {EXAMPLE_SHIP}")
    text = g.LEAD.sub("", text).strip()
    if not text or text.lower().strip(" .!?,") in g.HELP:
        greeted = re.match(g.GREETING, bare) is not None
        return Question(intent="help" if greeted else "unknown", problem=help_problem)
    if (m := g.IS_LISTED.match(text)) and not g.SHIP.search(m.group("t")):
        return _lookup(m.group("t"))
    text = _strip_trailing(text)
    if m := g.LOOKUP.match(text):
        target = re.sub(r"^(?:if|whether|that)\s+", "", m.group("t"), flags=_I)
        if (verb := g.SHIP.search(target)) and re.search(r"\b(?:can|may|could|we|i)\b", target, _I):
            return _ship(target, verb)
        return _lookup(g.LOOKUP_SUFFIX.sub("", target))
    if (m := g.ABOUT.match(text)) and not g.SHIP.search(m.group("t")):
        return _lookup(m.group("t"))
    if verb := g.SHIP.search(text):
        question = _ship(text, verb)
        if question.understood or not _looks_like_name(text) or g.FRAME.search(text):
            return question
    if _looks_like_name(text) and not g.FRAME.search(text):
        return _lookup(text)
    if g.HELP_RE.search(text):
        return Question(intent="help", problem=help_problem)
    return Question(
        problem=f"I couldn't tell what you're asking. Try: {EXAMPLE_SHIP} or: {EXAMPLE_LOOKUP}"
    )
