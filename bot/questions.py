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

from bot.countries import Destination, match_place, resolve_destination
from bot.slackmarkup import to_plain_text

#: A question longer than this (after markup is removed) is refused rather than guessed at.
MAX_QUESTION_CHARS = 1000
EXAMPLE_SHIP = "can we ship routers to Acme GmbH in Germany?"
EXAMPLE_LOOKUP = "is Acme GmbH on the list?"
INTENTS = ("ship", "lookup", "help", "unknown")


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


_I = re.IGNORECASE


def _words(text: str, sep: str = " ") -> set[str]:
    """A vocabulary written as one string: long word lists read better that way."""
    return set(text.split(sep))


# Whole messages that ask for usage, and acknowledgements that ask nothing. "|"-separated.
_HELP = _words(
    "help|?|hi|hello|hey|hiya|yo|usage|commands|menu|start|info|how does this work|what can you do|"
    "what do you do|how do i use this|help me|help please|hi there|hello there|hey there|"
    "good morning|morning|h",
    "|",
)
_ACK = _words(
    "thanks|thank you|thx|ty|ok|okay|k|cool|great|nice|got it|perfect|awesome|yes|no|yep|nope|"
    "sure|lol|bye|cheers|test|testing|ping|thanks a lot|many thanks|thank you very much|"
    "ok thanks",
    "|",
)
_GREETING = r"(?:hi|hey|hello|yo|hiya|good\s+(?:morning|afternoon|evening))"
_LEAD = re.compile(
    rf"^(?:(?:@\S+|{_GREETING}(?:\s+(?:team|all|folks|everyone|guys|there|bot|y'all))?|quick\s+"
    r"question|question|qq|sorry|also|ok|okay|um|hmm|please|pls|plz)\b[\s,:;!.\-–—]*)+",
    _I,
)
_TRAIL = re.compile(
    r"(?:[\s,;:]*(?:[?!…]+|\b(?:ok|okay|fine|allowed|permitted|possible|legal|please|pls|plz|"
    r"thanks|thank you|thx|asap|today|tomorrow|now|right|or not|next (?:week|month)|this (?:week|"
    r"month)|is (?:that|this|it) (?:ok|okay|allowed|fine)|any (?:issues?|problems?)))\s*)+$",
    _I,
)
_ABBREV = _words(
    "ltd inc co corp llc plc jsc pjsc ojsc cjsc ag sa nv bv kg oy ab as spa srl bhd pte pty intl "
    "mfg bros jr sr st dept est ltda cia sdn"
)
_LOOKUP = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+|please\s+)?(?:check|screen|look\s*up|lookup|search|"
    r"find|verify|vet|query|run(?:\s+an?)?\s+(?:check|screening|search))(?:\s+(?:on|for|up))?"
    r"(?:\s*[:\-–—]\s*|\s+)(?P<t>\S.*)$",
    _I,
)
# Case-sensitive on purpose: "check Acme Restricted Ltd" keeps its capitalised "Restricted".
_LOOKUP_SUFFIX = re.compile(
    r"\s+(?:(?:is|are)\s+)?(?:(?:on|in|against)\s+(?:the|a|any|our)?\s*(?:[\w-]++\s+){0,4}?"
    r"(?i:lists?|sdn|csl)|listed|sanctioned|restricted|blocked|banned|denied|flagged|for me|please)"
    r"\b.*$"
)
_IS_LISTED = re.compile(
    r"^(?:is|are|was)\s+(?!(?:it|this|that|there|we|i|they)\b)(?P<t>.+?)\s+(?:(?:on|in)\s+(?:the|a|any|our)?\s*(?:[\w-]++\s+){0,4}?"
    r"(?:lists?|sdn|csl)|(?:still\s+)?(?:listed|sanctioned|restricted|blocked|banned|denied|"
    r"debarred|embargoed|blacklisted|flagged|designated)|an?\s+(?:restricted|denied|sanctioned|"
    r"listed|blocked|entity|sdn)\b|ok|okay|allowed|clean|clear|safe|fine|a problem|an issue)\b",
    _I,
)
_ABOUT = re.compile(
    r"^(?:(?:what|how)\s+about|any(?:thing)?\s+(?:hits?\s+|matches\s+|results?\s+)?(?:on|for)|"
    r"who\s+(?:is|are)|tell\s+me\s+about|info\s+on|status\s+of|can\s+(?:we|i)\s+"
    r"(?:do\s+business|work|deal|trade|partner|transact|engage)\s+with)\s+(?P<t>\S.*)$",
    _I,
)
_SHIP = re.compile(
    r"\b(?:re-?)?(?:ship(?:s|ped|ping|ments?)?|export(?:s|ed|ing)?|sell(?:s|ing)?|sold|send(?:s|"
    r"ing)?|sent|suppl(?:y|ies|ied|ying)|deliver(?:s|ed|ing|y|ies)?|provid(?:e|es|ed|ing)|"
    r"transfer(?:s|red|ring)?|releas(?:e|es|ed|ing)|mail(?:s|ed|ing)?)\b",
    _I,
)
_PRE_PARTY = re.compile(
    r"^(?:is|are)\s+(?P<t>.+?)\s+(?:ok|okay|allowed|fine|safe|cleared|approved|good)\b", _I
)
_TO = re.compile(r"(?<!\bup)(?<!\bclose)(?<!\bdue)(?<!\baccording)\s+(?:to|into)\s+(?!be\b)", _I)
_PURPOSE = re.compile(
    r"(?:^|\s+)(?P<p>(?:(?:for\s+use|to\s+be\s+used|intended|used|destined)\s+(?:for|in|by|with|as|"
    r"on)|for\s+(?![A-Z])|in\s+order\s+to|to\s+(?:support|maintain|repair|service|build|upgrade|"
    r"replace|fix|run|operate|use|help|keep|power|equip|develop|make|produce|test|be)\b).*)$",
)
_AT = re.compile(
    r"\s+(?:(?:which|that|who)\s+(?:is|are)\s+)?(?:(?:based|located|headquartered|registered|"
    r"incorporated)\s+)?(?:in|at|from)\s+",
    _I,
)
_QTY = re.compile(
    r"^(?P<q>(?:(?:up\s+to|about|around|approx(?:imately|\.)?|roughly|over|under|more\s+than|"
    r"less\s+than|at\s+least|at\s+most)\s+)?(?:\d[\d,.]*\s*(?:k|m|x)?|a\s+(?:few|couple|dozen|hundred|thousand|pair|batch)|"
    r"several|dozens|hundreds|thousands|one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
    r"twenty|fifty|hundred|thousand)\b(?:\s+of\b)?(?:\s*(?:pallets?|box(?:es)?|units?|pcs|pieces?|"
    r"cases?|crates?|containers?|cartons?|kgs?|kilos?|lbs?|pounds|tons?|tonnes?|sets?|lots?|"
    r"reels?|rolls?|spools?|packs?|packages?|truckloads?|bags?|drums?|meters?|metres?|licen[cs]es?"
    r"|seats?)\b(?:\s+of\b)?)?)\s*(?P<rest>.*)$",
    _I,
)
_DESCRIPTOR = re.compile(
    r"^(?:(?:a|an|the|our|their|my|this|that|some)\s+)?(?P<adj>(?:[\w'-]++\s+){0,2}?)"
    r"(?P<noun>company|firm|customer|client|distributor|reseller|partner|supplier|vendor|buyer|"
    r"university|institute|entity|group|manufacturer|subsidiary|affiliate|contractor|bank|"
    r"operator|startup)\s+(?:(?:called|named|known\s+as)\s+|[,:]\s*)?(?P<rest>[^\s\w]*\w.*)$"
)
_GENERIC = _words(
    "a an the some any our their my your this that these those new existing potential prospective "
    "local foreign overseas big small large major certain one of state owned state-owned private "
    "government military end user users end-user end-users enduser distributor distributors "
    "reseller resellers dealer dealers customer customers client clients buyer buyers company "
    "companies firm firms business businesses entity entities party parties someone somebody "
    "anyone anybody person people individual individuals partner partners university "
    "universities hospital hospitals school schools lab labs laboratory institute research "
    "center centre agency ministry army navy vendor vendors supplier suppliers importer importers "
    "integrator integrators oem oems manufacturer manufacturers factory factories plant office "
    "subsidiary subsidiaries branch affiliate affiliates contractor contractors there them him "
    "her it us you me somewhere anywhere country countries guy guys folks team startup retailer "
    "retailers wholesaler wholesalers shop store operator carrier bank friend contact agent "
    "broker national nationals student students researcher researchers engineer engineers "
    "based located"
)
_NOT_ITEM = {"it", "them", "this", "that", "these", "those", "stuff", "something", "anything", ""}
_BAD_CHARS = re.compile(r"[<>{}\[\]\\|;=*^~$%#@`]|--|/\*|\*/|://")
_SQL = re.compile(
    r"\b(?:select|insert|update|delete|drop|union|alter|exec)\b\s+\S*\s*\b(?:"
    r"from|table|into|set|all|database|select)\b",
    _I,
)
# "Huawei engineers", "Huawei's subsidiary": the party is Huawei.
_PEOPLE_TAIL = re.compile(
    r"(?:'s|’s)?(?:\s+(?:engineers|employees|staff|people|team|folks|guys|researchers|students|"
    r"nationals|personnel|reps|representatives|office|offices|subsidiary|subsidiaries|branch))+$"
)
_HELP_RE = re.compile(
    r"\b(?:what (?:can|do) (?:you|i) do|how (?:does this|do i use)|usage|commands|instructions)\b",
    _I,
)
_FRAME = re.compile(
    r"\b(?:can|could|may|might|should|would|will|we|i|is|are|am|ok|okay|allowed|what|how|why|who|"
    r"when|where|do|does|did|to|you|me|my|our|us|please|help|hi|hello|thanks|thank)\b",
    _I,
)
_QUOTES = '"“”«»「」„'


def _keep(ch: str) -> bool:
    """Drop emoji, symbols and variation selectors; they never belong to a name or a question."""
    return unicodedata.category(ch) not in {"So", "Sk", "Cs"} and not 0xFE00 <= ord(ch) <= 0xFE0F


def _normalise(text: str) -> str:
    """Plain text without emoji or compatibility forms (full-width brackets become ASCII)."""
    text = re.sub(r":[a-z0-9_+'\-]+:", " ", to_plain_text(text))
    text = unicodedata.normalize("NFKC", "".join(ch for ch in text if _keep(ch)))
    return " ".join(text.split())


def _strip_trailing(text: str) -> str:
    """Drop closing filler ("ok?", "please", "asap") and a final full stop that ends a sentence."""
    text = _TRAIL.sub("", text).rstrip(" ,;:")
    last = re.search(r"([\w.]+)\.$", text)
    if last and "." not in last.group(1) and last.group(1).lower() not in _ABBREV:
        text = text[:-1].rstrip()
    return text


def _looks_like_name(text: str) -> bool:
    """Could this be a party name? Rejects markup, code, SQL and sentences, which are not."""
    words = text.split()
    return (
        0 < len(text) <= 150
        and len(words) <= 12
        and any(ch.isalpha() for ch in text)
        and not _BAD_CHARS.search(text)
        and not _SQL.search(text)
        and text.lower() not in _ACK | _HELP
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
            for m in _AT.finditer(text):
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
    head = text.lstrip(_QUOTES + "'‘’")[:1]
    return bool(head) and (head.isupper() or head.isdigit() or not head.isascii())


def _plain_words(text: str) -> bool:
    """Are these descriptive words ("new", "Russian") rather than part of a name?"""
    return all(w.islower() or match_place(w) for w in text.split())


def _first_sentence(text: str) -> str:
    """Only the first sentence names the party: "Huawei? Also ZTE" is about Huawei."""
    for m in re.finditer(r"(?:[?!]+|(?<=\w)\.)\s+", text):
        word = (re.findall(r"[\w.]+$", text[: m.start()]) or [""])[0]
        abbreviation = word.lower() in _ABBREV or "." in word  # "Co. Ltd", "S.A. Brazil"
        if "." not in m.group() or not abbreviation:
            return text[: m.start()]
    return text


def _target(text: str) -> tuple[str | None, Destination | None, str | None, bool]:
    """Party, destination, purpose and whether an unusable party name was given."""
    text = _strip_trailing(_first_sentence(text.strip()))
    purpose = None
    m = _PURPOSE.search(text)
    if m and m.start() > 0:
        purpose, text = m.group("p").strip(), text[: m.start()]
    text, dest = _split_location(text.strip(" ,;:-–—"))
    text = re.sub(r"^(?:the|a|an)\s+", "", text).strip()
    if len(text) > 1 and text[0] in _QUOTES + "'‘’" and text[-1] in _QUOTES + "'‘’":
        text = text[1:-1].strip()
    text = text.strip(_QUOTES).strip()
    whole = match_place(text)
    if whole:
        return None, _merge(dest, whole), purpose, False
    d = _DESCRIPTOR.match(text)
    if d and _name_start(d.group("rest")) and _plain_words(d.group("adj")):
        for word in d.group("adj").split():
            dest = _merge(dest, match_place(word))
        text = d.group("rest").strip(_QUOTES + " ")
    text = _PEOPLE_TAIL.sub("", text) or text
    words = re.findall(r"[\w'’-]+", text)
    if all((w.islower() and w in _GENERIC) or match_place(w) for w in words):
        # Only lower-case words are generic: "University of Tehran" is a name, "a university" not.
        for word in words:
            if not (word.islower() and word in _GENERIC):
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
    m = _PURPOSE.search(text)
    if m and m.start() > 0:
        purpose = m.group("p").strip()
    q = _QTY.match(text)
    quantity = None
    if q and q.group("q").strip() and q.group("rest"):
        quantity, text = re.sub(r"\s+of$", "", q.group("q").strip(), flags=_I), q.group("rest")
    text = re.sub(
        r"^(?:(?:some|a|an|the|our|these|those|this|that|any|more|additional)\s+)+",
        "",
        text,
        flags=_I,
    ).strip(" ,;:-")
    return (None if text.lower() in _NOT_ITEM else text), quantity, purpose


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
    to = _TO.search(" " + rest)
    if to:
        item_part, target_part = rest[: max(to.start() - 1, 0)], rest[to.end() - 1 :]
    elif verb.group().lower().startswith(("suppl", "provid")) and " with " in rest:
        target_part, item_part = rest.split(" with ", 1)
    item, quantity, item_purpose = _item(item_part)
    party, dest, purpose, bad = _target(target_part) if target_part else (None, None, None, False)
    if party is None and dest is None and not bad and (p := _PRE_PARTY.match(pre)):
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
    text = _normalise(raw)
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
    if bare in _HELP:
        return Question(intent="help", problem=help_problem)
    if bare in _ACK:
        return Question(problem=f"Nothing to check there. Ask e.g.: {EXAMPLE_SHIP}")
    text = _LEAD.sub("", text).strip()
    if not text or text.lower().strip(" .!?,") in _HELP:
        greeted = re.match(_GREETING, bare) is not None
        return Question(intent="help" if greeted else "unknown", problem=help_problem)
    if m := _IS_LISTED.match(text):
        return _lookup(m.group("t"))
    text = _strip_trailing(text)
    if m := _LOOKUP.match(text):
        target = re.sub(r"^(?:if|whether|that)\s+", "", m.group("t"), flags=_I)
        if (verb := _SHIP.search(target)) and re.search(r"\b(?:can|may|could|we|i)\b", target, _I):
            return _ship(target, verb)
        return _lookup(_LOOKUP_SUFFIX.sub("", target))
    if m := _ABOUT.match(text):
        return _lookup(m.group("t"))
    if verb := _SHIP.search(text):
        question = _ship(text, verb)
        if question.understood or not _looks_like_name(text) or _FRAME.search(text):
            return question
    if _looks_like_name(text) and not _FRAME.search(text):
        return _lookup(text)
    if _HELP_RE.search(text):
        return Question(intent="help", problem=help_problem)
    return Question(
        problem=f"I couldn't tell what you're asking. Try: {EXAMPLE_SHIP} or: {EXAMPLE_LOOKUP}"
    )
