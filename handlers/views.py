"""Pure Block Kit builders, each returning (fallback text, blocks). No I/O here.

Everything that comes from a person or from the list is escaped: a question about "<!channel>"
must not ping anyone, and no one can forge a link through the bot.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.answers.ask import Answer
from bot.answers.screener import Outcome
from bot.answers.verdicts import Decision, Match, normalize_policy
from handlers.markup import escape_mrkdwn, escape_plain
from storage.csl import LIST_NAMES

Blocks = list[dict[str, Any]]

VERDICT_LABELS = {
    "prohibited": (":no_entry:", "Prohibited — do not ship"),
    "license_required": (":warning:", "License required"),
    "authorized": (":white_check_mark:", "Authorized"),
    "review": (":mag:", "Review needed — escalate to compliance"),
    "clear": (":large_green_circle:", "Clear"),
    "unavailable": (":grey_question:", "Unavailable — cannot screen right now"),
}
MAX_ALTERNATIVES = 5
_SECTION_LIMIT = 2900


def _cut(text: str, limit: int = _SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(text: str | None) -> str:
    return escape_mrkdwn(text or "")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, 2000)}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(escape_plain(text), 150)}}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(escape_plain(label), 75)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def _match_lines(m: Match) -> str:
    list_name = LIST_NAMES.get(m.source, m.source)
    alias = f" (matched as “{esc(m.matched_name)}”)" if m.matched_name != m.name else ""
    lines = [
        f"*{esc(m.name)}*{alias}",
        f"List: {esc(list_name)} ({esc(m.source)}) · record `{esc(m.entry_id)}` · "
        f"score {m.score:.0f}/100" + (f" · {esc(', '.join(m.countries))}" if m.countries else ""),
    ]
    if m.federal_register_notice:
        lines.append(f"Federal Register: {esc(m.federal_register_notice)}")
    if m.license_requirement:
        lines.append(f"License requirement: {esc(m.license_requirement)}")
    if m.source in ("EL", "MEU") or m.license_policy:
        flag = (
            ":no_entry_sign: "
            if normalize_policy(m.license_policy).startswith("presumption of denial")
            else ""
        )
        lines.append(
            f"Review policy: {flag}"
            f"{esc(m.license_policy or 'not stated in the list — see the entry')}"
        )
    return "\n".join(lines)


def _subject(outcome: Outcome) -> str:
    r = outcome.request
    parts = []
    if r.party:
        parts.append(f"*Party:* {esc(r.party)}")
    if outcome.decision.destination:
        parts.append(f"*Destination:* {esc(outcome.decision.destination.name)}")
    elif r.country:
        parts.append(f"*Destination:* {esc(r.country)}")
    if r.item:
        parts.append(f"*Item:* {esc(r.item)}")
    return " · ".join(parts) or "*Question:* " + esc(r.text)


def fallback_text(decision: Decision, party: str | None) -> str:
    _, label = VERDICT_LABELS[decision.verdict]
    top = decision.top
    text = f"{label}: {party or 'the shipment'}"
    if top is not None:
        text += f" — {top.name} ({LIST_NAMES.get(top.source, top.source)}"
        text += f", {top.federal_register_notice})" if top.federal_register_notice else ")"
    if decision.authorization:
        a = decision.authorization
        text += f" — authorized by {a['kind']} {a['reference']} until {a.get('expires')}"
    return escape_mrkdwn(text)


def _other_parties(answer: Answer) -> Blocks:
    """The parties screened besides the headline one, each with its verdict and best match."""
    lines = []
    for o in answer.outcomes[1:]:
        _, label = VERDICT_LABELS[o.decision.verdict]
        top = o.decision.top
        found = f" — {esc(top.name)} ({esc(top.source)}, score {top.score:.0f})" if top else ""
        lines.append(f"• “{esc(o.request.party or '')}”: *{esc(label)}*{found}")
    return [section("*Also screened*\n" + "\n".join(lines[:8]))] if lines else []


def answer_message(outcome: Outcome, answer: Answer | None = None) -> tuple[str, Blocks]:
    """The verdict with its evidence; for a question, exactly what was screened."""
    d = outcome.decision
    emoji, label = VERDICT_LABELS[d.verdict]
    subject = esc(answer.screened_line()) if answer is not None else _subject(outcome)
    blocks: Blocks = [header(f"{label}"), section(f"{emoji} {subject}")]
    reasons = d.reasons + d.notes
    if reasons:
        blocks.append(section("\n".join(f"• {esc(r)}" for r in reasons[:8])))
    if d.top is not None:
        blocks.append({"type": "divider"})
        blocks.append(section(":page_facing_up: *Matched record*\n" + _match_lines(d.top)))
        alternatives = d.matches[1 : 1 + MAX_ALTERNATIVES]
        if alternatives:
            blocks.append(
                section(
                    "*Other possible matches*\n"
                    + "\n".join(
                        f"• {esc(m.name)} — {esc(m.source)}, score {m.score:.0f}"
                        + (
                            f", {esc(m.federal_register_notice)}"
                            if m.federal_register_notice
                            else ""
                        )
                        for m in alternatives
                    )
                )
            )
    if answer is not None:
        blocks.extend(_other_parties(answer))
    if d.family is not None and d.family.count > 1:
        per = ", ".join(f"{esc(s)} {n}" for s, n in sorted(d.family.by_source.items()))
        blocks.append(
            section(f":busts_in_silhouette: *Family:* {d.family.count} listed records ({per})")
        )
    if d.authorization:
        a = d.authorization
        blocks.append(
            section(
                f":scroll: *Authorized by* {esc(a['kind'])} *{esc(a['reference'])}* — "
                f"{esc(a.get('activity') or '')}"
                + (f", until {esc(a['expires'])}" if a.get("expires") else "")
            )
        )
    stamp = outcome.at.strftime("%Y-%m-%d %H:%M UTC")
    ref = f" · audit #{outcome.audit_id}" if outcome.audit_id else ""
    blocks.append(
        context(
            f"List {esc(d.list_version or 'none')}, age {esc(d.list_age or 'unknown')} · "
            f"screened {stamp}{ref}"
        )
    )
    return fallback_text(d, outcome.request.party), blocks


USAGE = (
    "*Ask me in plain words*, in a DM or by mentioning me:\n"
    "• can we ship 200 routers to Huawei Technologies in Shenzhen?\n"
    "• ok to export EAR99 cables to Hikvision?\n"
    "• is Dahua on the list?\n"
    "*Or use* `/canweship`:\n"
    "• `/canweship screen NAME [--country CC] [--item TEXT]`\n"
    "• `/canweship status` — the list in use and its age\n"
    "• `/canweship deadlines` — upcoming expiries with days left\n"
    "• `/canweship extension list` — extensions on record (admins: `add`, `extend`, `remove`)\n"
    "• `/canweship license list` — license decisions on record (admins: `add`, `revoke`)\n"
    "• `/canweship counterparty list` — parties re-screened when the list changes\n"
    "• `/canweship cases` — open review cases (admins: `reviewers add @user`)\n"
    "• `/canweship owner list [PARTY]` — ownership on record (admins: `add`, `remove`)\n"
    "• `/canweship policy list` — the 50% rules' dates (admins: record a suspension)\n"
    "• `/canweship screen-file` — screen the CSV/XLSX list shared in this channel "
    "(or drop the file in a DM with me)\n"
    "• Admins: `admins`, `watch #channel`, `country set`, `audit export`\n"
    "• `/canweship help` — this message"
)


def help_message(problem: str | None = None) -> tuple[str, Blocks]:
    blocks: Blocks = []
    if problem:
        blocks.append(section(f":wave: {esc(problem)}"))
    blocks.append(section(USAGE))
    return "How to ask canweship", blocks


SCREEN_GUESS = "screen_guess"


def problem_message(problem: str, answer: Answer | None = None) -> tuple[str, Blocks]:
    """A question that could not be understood: what is missing, with an example. No verdict.

    When the bot has guesses (the words that could be the party), each is a button that
    screens it with the destination and item of the question.
    """
    text = f":thinking_face: {esc(problem)}"
    blocks: Blocks = [section(text)]
    if answer is not None and answer.guesses and answer.reading is not None:
        dest = answer.reading.destination
        item = answer.reading.question.item
        buttons = [
            button(
                f"Screen “{guess}”",
                SCREEN_GUESS,
                json.dumps(
                    {"party": guess, "country": dest.code if dest else None, "item": item},
                    ensure_ascii=False,
                )[:2000],
            )
            for guess in answer.guesses
        ]
        blocks.append({"type": "actions", "elements": buttons})
    blocks.append(context("No verdict was given."))
    return escape_mrkdwn(problem), blocks


def error_message(text: str) -> tuple[str, Blocks]:
    return escape_mrkdwn(text), [section(f":x: {esc(text)}")]


def render_answer(answer: Answer) -> tuple[str, Blocks]:
    if answer.kind == "answer" and answer.outcome is not None:
        return answer_message(answer.outcome, answer)
    if answer.kind == "help":
        return help_message(answer.problem)
    return problem_message(answer.problem or "I couldn't tell what to check.", answer)


def home_view(
    *,
    recent: list[dict[str, Any]],
    list_line: str,
    deadlines: list[str],
    now: datetime,
) -> dict[str, Any]:
    """The App Home tab: this user's recent questions, list status, upcoming deadlines."""
    blocks: Blocks = [header("canweship"), section(USAGE), {"type": "divider"}]
    blocks.append(section(f"*Screening list*\n{list_line}"))
    blocks.append({"type": "divider"})
    if recent:
        lines = [
            f"• {esc(r['verdict'])} — {esc(r['subject'])} ({esc(r['at'])})" for r in recent[:10]
        ]
        blocks.append(section("*Your recent questions*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Your recent questions*\nNone yet. Ask me something!"))
    blocks.append({"type": "divider"})
    blocks.append(
        section(
            "*Upcoming deadlines*\n"
            + ("\n".join(f"• {esc(d)}" for d in deadlines) if deadlines else "None on record.")
        )
    )
    blocks.append(context(f"Updated {now.strftime('%Y-%m-%d %H:%M UTC')}"))
    return {"type": "home", "blocks": blocks}


LATE_NOTE = "Late answer: you asked at {at} UTC and the bot restarted before it could answer."


def mark_late(reply: tuple[str, Blocks], received_at: datetime) -> tuple[str, Blocks]:
    """Say that this answer comes late (a sweeper answered a question whose process died)."""
    note = LATE_NOTE.format(at=received_at.strftime("%Y-%m-%d %H:%M"))
    text, blocks = reply
    return f"{note}\n{text}", [context(f":hourglass: {note}"), *blocks]
