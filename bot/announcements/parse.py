"""Recognise announcements of our company's BIS license decisions in chat messages.

The bot watches channels where people announce that BIS (the US Commerce Department) granted,
denied, returned or revoked one of our license applications, and turns those messages into records.
A false record is worse than a missed one, so the parser is deliberately conservative:

* ``None`` for anything that is not an announcement of our own decision: questions, plans and
  hopes, negations, pending status, jokes, news about other companies, policy talk.
* ``"clear"`` only when a decision word and exactly one license/application number sit close
  together with nothing casting doubt; the bot records it at once and offers Undo.
* ``"uncertain"`` otherwise (no number, hedged wording, several numbers, conflicting decisions,
  unreadable dates ...); the bot asks "Record this?" and shows ``reasons``.

Number pattern accepted (see ``patterns.NUMBER``): ``D`` + 6 or 7 digits is a license,
``Z`` + 6 or 7 digits an application control number, optionally written with a hyphen
(``D-123456``), in any case; stored upper-case without the hyphen.

Pure Python: no Slack, no database. Rules are regular expressions with names, not a model, so a
compliance officer can read why a message was (not) recorded.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from dataclasses import dataclass

from bot.announcements import fields
from bot.announcements import patterns as pat

__all__ = ["Announcement", "parse_announcement"]

# How many words may separate the decision word from the number for a "clear" record.
MAX_WORDS_BETWEEN = 12
# At most this many decision words are examined: real announcements have one or two, and the cap
# keeps a 40,000-character paste fast. Beyond it the message can only be "uncertain".
MAX_DECISION_WORDS = 25
# How much text before a decision word is read for negation and hypotheticals.
_BEFORE_WINDOW = 80
# Nouns between a number and a decision that show something else was decided ("the D1234567
# invoice was approved").
_OTHER_OBJECT = re.compile(
    r"\b(?:paperwork|invoice|po|purchase\s+order|ticket|pr|pull\s+request|expense\w*|report"
    r"|form|draft|shipment|order|quote|budget|pto|vacation|timesheet|payment|refund|claim"
    r"|contract|amendment)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[;:—–(]|\bbut\b|\bso\b", re.IGNORECASE)


@dataclass(frozen=True)
class Announcement:
    """One recognised license decision, with how sure the parser is and why."""

    decision: str  # "granted" | "denied" | "returned" | "revoked"
    number: str | None  # "D1234567", "Z123456": upper-case, no hyphen
    number_kind: str | None  # "license" | "application" | None
    party: str | None  # as written, without surrounding punctuation/brackets
    scope: str | None  # items/activities covered
    destination: str | None  # country text if stated
    valid_until: dt.date | None
    valid_from: dt.date | None
    conditions: tuple[str, ...]
    confidence: str  # "clear" | "uncertain"
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Number:
    value: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class _Decision:
    kind: str  # granted | denied | returned | revoked
    strong: bool
    word: str
    start: int
    end: int
    doubts: tuple[str, ...]


class _Sentences:
    """Sentence spans of a message, with per-sentence facts computed once (keeps long input
    fast: a 40,000-character message may hold thousands of decision words in one sentence)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] = [0]
        for m in pat.SENTENCE_BREAK.finditer(text):
            if m.group(0) == "." and _ends_with_abbreviation(text, m.start()):
                continue
            self.starts.append(m.end())
        self._facts: dict[int, tuple[bool, bool, bool, bool]] = {}

    def span(self, position: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, position) - 1
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.starts[index], end

    def facts(self, position: int) -> tuple[bool, bool, bool, bool]:
        """(is a question, is hedged, names a license, tells of the past or of someone else's
        words) for the sentence holding `position`."""
        start, end = self.span(position)
        if start not in self._facts:
            sentence = self.text[start:end]
            question = "?" in sentence or bool(pat.QUESTION_START.match(sentence))
            hedged = bool(pat.HEDGE.search(sentence))
            licensed = bool(pat.LICENSE_NOUN.search(sentence))
            self._facts[start] = (question, hedged, licensed, bool(pat.HISTORIC.search(sentence)))
        return self._facts[start]


def _ends_with_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z]+)\.?$", text[max(0, dot - 12) : dot])
    return bool(word) and word.group(1).lower() in pat.ABBREVIATIONS


def _clean(text: str) -> str:
    """Normalise invisible differences (NBSP, zero-width, CR) that would defeat the patterns."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return re.sub(r"[\u00a0\u2007\u202f\t]", " ", text)


def _find_numbers(text: str) -> list[_Number]:
    found = []
    for m in pat.NUMBER.finditer(text):
        letter = m.group("letter").upper()
        kind = "license" if letter == "D" else "application"
        found.append(_Number(letter + m.group("digits"), kind, m.start(), m.end()))
    return found


def _find_decisions(text: str, sentences: _Sentences) -> list[_Decision]:
    """Decision words that are asserted: not negated, asked about, planned or hoped for."""
    found = []
    for m in itertools.islice(pat.DECISION.finditer(text), MAX_DECISION_WORDS):
        group = m.lastgroup or ""
        kind, strength = group.split("_")
        sentence_start, sentence_end = sentences.span(m.start())
        before = text[max(sentence_start, m.start() - _BEFORE_WINDOW) : m.start()]
        after = text[m.end() : min(sentence_end, m.end() + 60)]
        if pat.NEGATION_BEFORE.search(before):
            continue
        question, hedged, _, historic = sentences.facts(m.start())
        if question:
            continue
        clause = _CLAUSE_BREAK.split(before)[-1]
        if pat.HYPOTHETICAL_BEFORE.search(clause) or pat.FUTURE_AFTER.match(after):
            continue
        doubts = []
        if hedged:
            doubts.append("the wording is hedged")
        if pat.APPROVED_BY_OTHER.match(after):
            doubts.append(f"'{m.group(0)} by ...' names someone other than BIS")
        if pat.INTERNAL_SUBJECT_BEFORE.search(before):
            doubts.append("someone inside the company may be the one who decided")
        obj = pat.OBJECT_AFTER.match(after)
        if obj and obj.group("noun").lower() not in pat.WORDS_AFTER_DECISION:
            doubts.append(f"'{m.group(0)} {obj.group('noun')}' may be about something else")
        if pat.ARTICLE_BEFORE.search(before):
            doubts.append(f"'{m.group(0)}' describes something rather than announcing a decision")
        if historic:
            doubts.append("it reads as a past event, a plan or second-hand speech")
        if strength != "strong":
            doubts.append(f"'{m.group(0)}' alone is not a definite decision word")
        found.append(
            _Decision(kind, strength == "strong", m.group(0), m.start(), m.end(), tuple(doubts))
        )
    return found


def _other_company(text: str) -> str | None:
    """Name of another company whose license the message is about, if any."""
    for pattern in (pat.OTHER_POSSESSIVE, pat.OTHER_RECIPIENT, pat.OTHER_SUBJECT):
        for m in pattern.finditer(text):
            name = m.groupdict().get("name")
            if name is None:
                return m.group("their")
            if name.split()[0].lower().rstrip(".,:") not in pat.NOT_OTHER_COMPANY:
                return name
    return None


def _words_between(text: str, a: tuple[int, int], b: tuple[int, int]) -> int:
    lo, hi = (a[1], b[0]) if a[0] < b[0] else (b[1], a[0])
    return len(text[lo:hi].split()) if hi > lo else 0


def parse_announcement(text: str, *, today: dt.date | None = None) -> Announcement | None:
    """Read one chat message; return the license decision it announces, or None.

    `today` resolves dates written without a year ("valid until Nov 20") and defaults to the
    current date. Never raises on any string; runs in time linear in the message length.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    today = today or dt.date.today()
    text = _clean(text)

    # Messages that are about some other license, whatever words they contain.
    if pat.PERSONAL_LICENSE.search(text) or pat.NEWS.search(text):
        return None

    sentences = _Sentences(text)
    decisions = _find_decisions(text, sentences)
    if not decisions:
        return None
    numbers = _find_numbers(text)
    doubts: list[str] = []
    reasons: list[str] = []

    other = _other_company(text)
    owned = bool(pat.OWNERSHIP.search(text))
    if not numbers:
        # Without a number the words alone must make it plausible that this is our license.
        decisions = [d for d in decisions if d.strong and _near_license_noun(d, sentences)]
        if not decisions or other or pat.JOKE.search(text):
            return None
        general = pat.PLURAL_LICENSES.search(text) or pat.POLICY.search(text)
        if general and not owned:
            return None
        if any("not a license" in r or "BIS" in r or "inside" in r for r in decisions[0].doubts):
            return None
        doubts.append("no license or application number")
    else:
        if other:
            doubts.append(f"it may be about {other}'s license, not ours")
        if pat.JOKE.search(text):
            doubts.append("it reads like a joke")

    decision, number = _pick(decisions, numbers)
    doubts.extend(decision.doubts)
    kinds = sorted({d.kind for d in decisions})
    if len(kinds) > 1:
        doubts.append(f"the message mentions several decisions ({', '.join(kinds)})")
    if sum(1 for _ in itertools.islice(pat.DECISION.finditer(text), MAX_DECISION_WORDS + 1)) > (
        MAX_DECISION_WORDS
    ):
        doubts.append(f"more than {MAX_DECISION_WORDS} decision words; only the first were read")
    distinct = sorted({n.value for n in numbers})
    if len(distinct) > 1:
        doubts.append(f"several numbers are mentioned ({', '.join(distinct)})")
    if number is not None:
        gap = _words_between(text, (decision.start, decision.end), (number.start, number.end))
        if gap > MAX_WORDS_BETWEEN:
            doubts.append(f"'{decision.word}' is {gap} words away from {number.value}")
        lo, hi = sorted((decision.start, number.start))
        other_object = _OTHER_OBJECT.search(text, lo, hi)
        if other_object:
            doubts.append(f"'{other_object.group(0)}' may be what was {decision.word}")
    if pat.PENDING.search(text):
        doubts.append("the message also says something is still pending")

    party = fields.extract_party(text, (number.start, number.end) if number else None)
    validity = fields.extract_validity(text, today)
    doubts.extend(validity.doubts)
    scope = fields.extract_scope(text, party.end if party else None)

    valid_from = validity.valid_from
    if decision.kind != "granted" and valid_from is not None:
        # "revoked ... effective 2024-05-01" dates the decision, not the start of a validity.
        reasons.append(f"effective {valid_from} read as the date of the decision, not stored")
        valid_from = None
    reasons.append(f"'{decision.word}' means {decision.kind}")
    if number is not None:
        reasons.append(f"{number.kind} number {number.value}")
    if party is not None:
        reasons.append(f"party: {party.name}")
    if validity.valid_until and validity.valid_until < today:
        reasons.append(f"note: validity ended on {validity.valid_until}")
    if not owned and number is not None:
        reasons.append("assumed ours because it carries a license/application number")
    return Announcement(
        decision=decision.kind,
        number=number.value if number else None,
        number_kind=number.kind if number else None,
        party=party.name if party else None,
        scope=scope,
        destination=fields.extract_destination(text),
        valid_until=validity.valid_until,
        valid_from=valid_from,
        conditions=fields.extract_conditions(text),
        confidence="uncertain" if doubts else "clear",
        reasons=tuple(doubts + reasons),
    )


def _near_license_noun(decision: _Decision, sentences: _Sentences) -> bool:
    """A numberless decision counts only if "license"/"application" is in the same sentence."""
    return sentences.facts(decision.start)[2]


def _pick(decisions: list[_Decision], numbers: list[_Number]) -> tuple[_Decision, _Number | None]:
    """The decision to report (strong before weak, then the first) and the number closest to it."""
    decision = next((d for d in decisions if d.strong), decisions[0])
    if not numbers:
        return decision, None

    def distance(n: _Number) -> int:
        return min(abs(n.start - decision.end), abs(decision.start - n.end))

    return decision, min(numbers, key=distance)
