"""`/canweship counterparty add|list|remove` (authorization is checked in commands.py).

Counterparties are re-screened whenever the list changes. Adding and removing them changes what
the company is warned about, so both are admin-only; listing is open to everyone.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.audit import Actor
from bot.counterparties import registry as cps
from bot.screening.country_field import country_code
from handlers.common import services
from handlers.slashcmd import SlashCommand
from handlers.views import error_message, esc, section

Reply = tuple[str, list[dict[str, Any]]]
USAGE = (
    "Usage: `/canweship counterparty add NAME [--country CC]`, `counterparty list`, "
    "`counterparty remove NAME`. To import a CSV (columns name, country) use "
    "`canweship counterparty import FILE.csv` on the bot's machine."
)
MUTATING = frozenset({"add", "remove", "import"})
LIST_LIMIT = 50


def _line(row: Any) -> str:
    place = f" ({esc(row.country)})" if row.country else ""
    verdict = esc(row.last_verdict or "not screened")
    match = (
        f" — {esc(row.last_source)} “{esc(row.last_entry_name)}” {row.last_score:.0f}"
        if row.last_source and row.last_score is not None
        else ""
    )
    return f"*{esc(row.name)}*{place} · {esc(', '.join(row.origins))} · {verdict}{match}"


def counterparty(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    action = cmd.words[0].lower() if cmd.words else "list"
    name = " ".join(cmd.words[1:]).strip()
    actor = Actor(user=command["user_id"], kind="slack", channel=command.get("channel_id"))
    unknown = set(cmd.options) - {"country"}
    if unknown:
        return error_message(f"Unknown option --{sorted(unknown)[0]}. {USAGE}")
    try:
        if action == "list":
            rows = cps.list_counterparties(svc.engine, limit=LIST_LIMIT)
            total = cps.count_counterparties(svc.engine)
            if not rows:
                return "No counterparties on record.", [section("No counterparties on record.")]
            more = (
                f"\n…and {total - len(rows):,} more (`canweship counterparty list`)."
                if total > len(rows)
                else ""
            )
            lines = [_line(r) for r in rows]
            return f"{total:,} counterparties on record", [
                section(
                    f"*Counterparties ({total:,})*\n" + "\n".join(f"• {ln}" for ln in lines) + more
                )
            ]
        if action == "import":
            return error_message(USAGE)
        if action not in MUTATING:
            return error_message(f"Unknown action “{action}”. {USAGE}")
        if not name:
            return error_message(f"Name the counterparty. {USAGE}")
        if action == "add":
            raw = cmd.opt("country")
            code = country_code(raw)
            if raw and code is None:
                return error_message(f"Unknown country “{raw}”. Use an ISO code such as DE.")
            row, created = cps.register(
                svc.engine, svc.screener, name=name, country=code, actor=actor
            )
            verb = "Added" if created else "Already on record"
            return f"{verb}: {esc(row.name)}", [
                section(f":white_check_mark: *{verb}:* {_line(row)}")
            ]
        row = cps.remove(svc.engine, name=name, actor=actor)
        return f"Removed: {esc(row.name)}", [
            section(f":white_check_mark: *Removed:* {esc(row.name)}")
        ]
    except cps.CounterpartyError as exc:
        return error_message(f"{exc}. Nothing was changed.")


def needs_admin(name: str, cmd: SlashCommand) -> str | None:
    """What the command would change (for the refusal message), or None if it only reads."""
    if name in SUBCOMMANDS and cmd.words and cmd.words[0].lower() in MUTATING:
        return "change the counterparty list"
    return None


SUBCOMMANDS = {"counterparty": counterparty, "counterparties": counterparty}
