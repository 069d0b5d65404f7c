"""Answer a question typed by a person: read it, screen every party in it, or ask back.

Used by every conversational surface (DMs, mentions, `/canweship`, the local shell, `canweship
ask`). No Slack here: the text arrives plain, and the result is a plain object handlers render.

The path: the grammar (`bot.answers.questions`) parses the usual ways of asking; the reader
(`bot.answers.reading`) then reads the whole message against the list in use, finding every party
and place wherever they stand and the words it could not account for. Every party found is screened
and the answer is the strictest verdict among them. The bot never answers `clear` when it is
unsure: words left over that could be a party, or an embargoed country named anywhere in the
message, make it ask back or answer `review` at best.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.answers.questions import EXAMPLE_SHIP, Question, parse_question
from bot.answers.reading import Reading, read_message
from bot.answers.screener import Outcome, Requester, Screener, ScreeningRequest
from bot.answers.verdicts import (
    AUTHORIZED,
    CLEAR,
    LICENSE_REQUIRED,
    PROHIBITED,
    REVIEW,
    UNAVAILABLE,
    Decision,
)
from bot.screening.countries import Destination
from bot.screening.text import plain_text

ANSWER = "answer"
NOT_UNDERSTOOD = "not_understood"
HELP = "help"

# How strongly a verdict stops a shipment: the answer to a question is its strictest party's.
_RANK = {UNAVAILABLE: 6, PROHIBITED: 5, LICENSE_REQUIRED: 4, REVIEW: 3, AUTHORIZED: 1, CLEAR: 0}
# "and to Pakistan?", "what about Dahua?", "same for ZTE": a follow-up to the last question.
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|plus|ok\s+and|what\s+about|how\s+about|same\s+(?:for|with)|and\s+what\s+"
    r"about|and\s+for|then)\b",
    re.IGNORECASE,
)


@dataclass
class Answer:
    kind: str  # ANSWER | NOT_UNDERSTOOD | HELP
    question: Question
    outcome: Outcome | None = None  # the headline: the strictest party's answer
    problem: str | None = None
    reading: Reading | None = None
    #: One outcome per party screened, headline first.
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def verdict(self) -> str | None:
        """The answer's verdict; None when the bot asked back or gave help instead."""
        return self.outcome.decision.verdict if self.kind == ANSWER and self.outcome else None

    @property
    def guesses(self) -> tuple[str, ...]:
        return self.reading.guesses if self.reading and self.kind == NOT_UNDERSTOOD else ()

    def screened_line(self) -> str:
        """Exactly what was screened: “Acme GmbH” · destination Germany · item routers."""
        reading = self.reading
        parts: list[str] = []
        parties = [o.request.party for o in self.outcomes if o.request.party]
        if parties:
            parts.append("Screened " + ", ".join(f"“{p}”" for p in parties))
        else:
            parts.append("No party screened")
        dest = reading.destination if reading else None
        if dest is not None:
            parts.append(f"destination {dest.name}")
        item = reading.question.item if reading else None
        if item:
            parts.append(f"item {item}")
        return " · ".join(parts)

    def as_json(self) -> dict[str, Any]:
        """The `canweship ask --json` shape (DESIGN.md)."""
        reading = self.reading
        dest: Destination | None = reading.destination if reading else None
        policy = self.outcome.decision.destination if self.outcome else None
        reasons: list[str] = []
        if self.outcome is not None and self.kind == ANSWER:
            reasons = self.outcome.decision.reasons + self.outcome.decision.notes
        elif self.problem:
            reasons = [self.problem]
        return {
            "question": reading.question_text if reading else "",
            "understood": self.kind == ANSWER,
            "verdict": self.verdict,
            "parties": [{"screened": o.request.party, **o.as_json()} for o in self.outcomes],
            "destination": (
                {
                    "code": dest.code,
                    "name": dest.name,
                    "policy": policy.policy if policy else None,
                }
                if dest
                else None
            ),
            "item": reading.question.item if reading else None,
            "reasons": reasons,
            "screened": self.screened_line() if self.outcomes else None,
            "guesses": list(self.guesses),
        }


def request_for(question: Question, text: str) -> ScreeningRequest:
    return ScreeningRequest(
        party=question.party,
        country=question.destination.code if question.destination else None,
        item=question.item,
        purpose=question.purpose,
        text=text,
    )


def follow_up(reading: Reading, previous: Reading | None) -> Reading:
    """A follow-up reuses the item and the other half of the previous question."""
    if previous is None or not _FOLLOW_UP.match(reading.question_text):
        return reading
    q = reading.question
    parties = reading.parties or previous.parties
    destination = reading.destination or previous.destination
    item = q.item or previous.question.item
    purpose = q.purpose or previous.question.purpose
    question = Question(
        party=parties[0] if parties else None,
        item=item,
        destination=destination,
        quantity=q.quantity or previous.question.quantity,
        purpose=purpose,
        intent="ship" if item or previous.question.intent == "ship" else "lookup",
    )
    return Reading(
        question=question,
        parties=parties,
        destination=destination,
        other_places=reading.other_places,
        leftover=reading.leftover,
        minor=reading.minor,
        linked=reading.linked,
        question_text=reading.question_text,
        notes=[*reading.notes, "Follow-up: reusing the previous question in this thread."],
    )


def ask(
    screener: Screener,
    text: str,
    requester: Requester,
    *,
    now: datetime | None = None,
    previous: Reading | None = None,
) -> Answer:
    """One question in, one answer out: a verdict with evidence, or what is missing."""
    now = now or datetime.now(UTC)
    plain = plain_text(text or "", lines=True)
    question = parse_question(plain)
    if question.intent == "help" and not any(ch.isalnum() for ch in plain):
        return Answer(kind=HELP, question=question, problem=question.problem)
    reading = read_message(plain, question, screener.linker(now) if plain.strip() else None)
    reading = follow_up(reading, previous)
    question = reading.question
    if question.intent == "help" and not reading.parties and not reading.linked:
        return Answer(kind=HELP, question=question, problem=question.problem, reading=reading)
    if not reading.parties and reading.destination is None:
        return Answer(
            kind=NOT_UNDERSTOOD,
            question=question,
            problem=_not_understood(question, reading),
            reading=reading,
        )
    country = reading.destination.code if reading.destination else None
    # Words that could be a party are screened too: a listed name there must not go unseen.
    screened: list[str | None] = list(reading.parties)
    screened += [w for w in (*reading.leftover, *reading.minor) if w not in screened]
    screened = screened or [None]
    requests = [
        ScreeningRequest(
            party=p, country=country, item=question.item, purpose=question.purpose, text=plain
        )
        for p in screened
    ]
    decisions = screener.decide_all(requests, now)
    decided = list(zip(requests, decisions, strict=True))
    _elsewhere(screener, reading, decisions, now)
    _fragments(reading, requests, decisions)
    headline = max(decisions, key=lambda d: _RANK.get(d.verdict, 0)).verdict

    if reading.parties == () and headline in (CLEAR, UNAVAILABLE) and not reading.leftover:
        place = reading.destination.name if reading.destination else "there"
        return Answer(
            kind=NOT_UNDERSTOOD,
            question=question,
            reading=reading,
            problem=(
                f"{place} has no destination restriction on record, but I need the party's "
                f"name to screen it. Try: can we ship laptops to Acme GmbH in {place}?"
            ),
        )
    if not reading.understood and headline in (CLEAR, AUTHORIZED):
        return Answer(
            kind=NOT_UNDERSTOOD,
            question=question,
            reading=reading,
            problem=_ask_back(reading),
        )
    outcomes = screener.record(decided, requester, now)
    outcomes.sort(key=lambda o: -_RANK.get(o.decision.verdict, 0))
    return Answer(
        kind=ANSWER, question=question, outcome=outcomes[0], reading=reading, outcomes=outcomes
    )


def _fragments(
    reading: Reading, requests: list[ScreeningRequest], decisions: list[Decision]
) -> None:
    """A listed one-word name or acronym inside a longer name is at most `review`: the longer
    name is screened beside it, and the one word alone does not make it that party."""
    for request, d in zip(requests, decisions, strict=True):
        if request.party in reading.fragments and _RANK.get(d.verdict, 0) > _RANK[REVIEW]:
            d.reasons.insert(
                0,
                f"“{request.party}” is a listed name written inside a longer name; review "
                "whether the party is that listed party.",
            )
            d.verdict = REVIEW


def _elsewhere(
    screener: Screener, reading: Reading, decisions: list[Decision], now: datetime
) -> None:
    """A restricted country named elsewhere in the message caps every answer at `review`."""
    for place in reading.other_places:
        policy = screener.destination_policy(place.code, now)
        if policy is None or policy.policy == "none":
            continue
        why = (
            f"The message also names {place.name} ({policy.reason}); I can't tell whether it is "
            "the destination, so this is not a clearance. Ask again naming the destination."
        )
        for d in decisions:
            d.reasons.append(why)
            if _RANK.get(d.verdict, 0) < _RANK[REVIEW]:
                d.verdict = REVIEW


def _not_understood(question: Question, reading: Reading) -> str:
    if question.problem:
        return question.problem
    return f"I couldn't tell what to check. Try: {EXAMPLE_SHIP}"


def _ask_back(reading: Reading) -> str:
    parts = ", ".join(f"“{p}”" for p in reading.parties) or "nothing"
    left = ", ".join(f"“{w}”" for w in reading.leftover)
    return (
        f"I'm not sure I read your question right, so this is not a clearance. I screened "
        f"{parts}, but {left} could also be a party. Tell me which one to check, e.g.: "
        f"{EXAMPLE_SHIP}"
    )
