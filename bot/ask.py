"""Answer a question typed by a person: parse it, screen it, or say what is missing.

Used by every conversational surface (DMs, mentions, `/canweship`, the local shell). No Slack here:
markup is already plain text helpers away, and the result is a plain object handlers render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.decision import CLEAR
from bot.questions import EXAMPLE_SHIP, Question, parse_question
from bot.screening_service import Outcome, Requester, Screener, ScreeningRequest
from bot.slackmarkup import to_plain_text

ANSWER = "answer"
NOT_UNDERSTOOD = "not_understood"
HELP = "help"


@dataclass
class Answer:
    kind: str  # ANSWER | NOT_UNDERSTOOD | HELP
    question: Question
    outcome: Outcome | None = None
    problem: str | None = None


def request_for(question: Question, text: str) -> ScreeningRequest:
    return ScreeningRequest(
        party=question.party,
        country=question.destination.code if question.destination else None,
        item=question.item,
        purpose=question.purpose,
        text=text,
    )


def ask(
    screener: Screener, text: str, requester: Requester, *, now: datetime | None = None
) -> Answer:
    """One question in, one answer out: a verdict with evidence, or what is missing."""
    plain = to_plain_text(text or "")
    question = parse_question(plain)
    if question.intent == "help":
        return Answer(kind=HELP, question=question, problem=question.problem)
    if not question.understood:
        return Answer(
            kind=NOT_UNDERSTOOD,
            question=question,
            problem=question.problem or f"I couldn't tell what to check. Try: {EXAMPLE_SHIP}",
        )
    request = request_for(question, plain)
    if question.party is None:
        # A destination alone decides only when the destination itself is restricted.
        outcome = screener.screen(request, requester, now=now, audit=False)
        if outcome.decision.verdict == CLEAR:
            place = question.destination.name if question.destination else "there"
            return Answer(
                kind=NOT_UNDERSTOOD,
                question=question,
                problem=(
                    f"{place} has no destination restriction on record, but I need the party's "
                    "name to screen it. Try: can we ship laptops to Acme GmbH in "
                    f"{place}?"
                ),
            )
    outcome = screener.screen(request, requester, now=now)
    return Answer(kind=ANSWER, question=question, outcome=outcome)
