"""`/canweship owner add|remove|list` and `/canweship policy [list|RULE STATE ...]`
(authorization is checked in commands.py: changes are for admins, listing is open)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltContext

from bot.audit import Actor
from bot.ownership import edges as own
from bot.ownership import rules
from bot.screening.normalize import normalize_name
from bot.upkeep.ownership import rescreen_owned
from handlers.common import services
from handlers.slashcmd import SlashCommand
from handlers.views import error_message, esc, section

Reply = tuple[str, list[dict[str, Any]]]
OWNER_USAGE = (
    'Usage: `/canweship owner add "OWNED" --owner "OWNER" --percent 60 [--cite TEXT] '
    '[--as-of YYYY-MM-DD] [--country CC]`, `owner remove "OWNED" --owner "OWNER"`, '
    "`owner list [PARTY]`. To import a CSV use `canweship ownership import FILE.csv`."
)
POLICY_USAGE = (
    "Usage: `/canweship policy list`, `/canweship policy affiliates-rule suspended --from "
    "YYYY-MM-DD --until YYYY-MM-DD --cite TEXT` (or `in-effect`; rules: "
    + ", ".join(rules.RULES)
    + ")"
)
LIST_LIMIT = 50


def _actor(command: dict[str, Any]) -> Actor:
    return Actor(user=command["user_id"], kind="slack", channel=command.get("channel_id"))


def _rescreen(context: BoltContext, key: str, why: str) -> str:
    svc = services(context)
    now = datetime.now(UTC)
    found = rescreen_owned(
        svc.engine,
        svc.settings,
        svc.screener,
        {normalize_name(key)},
        now=now,
        key=f"slack:{now.strftime('%Y%m%dT%H%M%S.%f')}:{normalize_name(key)[:60]}",
        why=why,
    )
    if not found.counterparties:
        return ""
    return (
        f"\n{found.counterparties} counterparties re-screened, {len(found.findings)} with a "
        "new or stricter answer."
    )


def owner(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    action = cmd.words[0].lower() if cmd.words else "list"
    name = " ".join(cmd.words[1:]).strip()
    allowed = {"add": {"owner", "percent", "cite", "as-of", "country"}, "remove": {"owner"}}
    unknown = set(cmd.options) - allowed.get(action, set())
    if unknown:
        return error_message(f"Unknown option --{sorted(unknown)[0]}. {OWNER_USAGE}")
    try:
        if action == "list":
            rows = own.list_ownership(svc.engine, name or None, limit=LIST_LIMIT)
            if not rows:
                text = "No ownership on record" + (f" for {name}." if name else ".")
                return text, [section(esc(text))]
            lines = [esc(own.edge_line(r)) for r in rows]
            plain = "; ".join(own.edge_line(r) for r in rows)
            return f"Ownership on record: {esc(plain)}", [
                section("*Ownership on record*\n" + "\n".join(f"• {ln}" for ln in lines))
            ]
        if action not in ("add", "remove"):
            return error_message(f"Unknown action “{action}”. {OWNER_USAGE}")
        if not name:
            return error_message(f"Name the owned party. {OWNER_USAGE}")
        if action == "remove":
            gone = own.remove_owner(
                svc.engine, owned=name, owner=cmd.opt("owner") or "", actor=_actor(command)
            )
            more = _rescreen(context, gone["owned"], f"owner removed: {gone['owned']}")
            text = f"Removed: {own.edge_line(gone)}"
        else:
            if cmd.opt("percent") is None:
                return error_message(f"Give the share with --percent (or 'unknown'). {OWNER_USAGE}")
            edge = own.edge_in(
                owned=name,
                owner=cmd.opt("owner"),
                percent=cmd.opt("percent"),
                country=cmd.opt("country"),
                cite=cmd.opt("cite"),
                as_of=cmd.opt("as-of"),
            )
            shown, state = own.add_owner(svc.engine, edge, actor=_actor(command))
            more = _rescreen(context, edge.owned, f"owner added: {edge.owner} → {edge.owned}")
            text = f"{state.capitalize()}: {own.edge_line(shown)}"
    except own.OwnershipError as exc:
        return error_message(f"{exc}. Nothing was changed.")
    return text + more, [section(f":white_check_mark: {esc(text)}{esc(more)}")]


def policy(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    svc = services(context)
    rule = cmd.words[0].lower() if cmd.words else "list"
    today = datetime.now(UTC).astimezone(svc.settings.tz).date()
    if rule == "list":
        periods = rules.list_periods(svc.engine)
        lines = [
            f"• #{p.id} `{p.rule}` {p.status.replace('_', ' ')} {p.span()} — {esc(p.cite)}"
            for p in periods
        ]
        now = [f"• {esc(line)}" for line in rules.describe_today(periods, today)]
        nxt = [f"• {esc(line)}" for line in rules.next_changes(periods, today)]
        text = esc(
            "The 50% rules: "
            + " | ".join(rules.describe_today(periods, today))
            + " | Periods: "
            + "; ".join(f"#{p.id} {p.rule} {p.status} {p.span()} ({p.cite})" for p in periods)
        )
        body = f"*Today ({today})*\n" + "\n".join(now)
        if nxt:
            body += "\n*Next change*\n" + "\n".join(nxt)
        return text, [section(body), section("*Periods on record*\n" + "\n".join(lines))]
    unknown = set(cmd.options) - {"from", "until", "cite", "note"}
    if unknown:
        return error_message(f"Unknown option --{sorted(unknown)[0]}. {POLICY_USAGE}")
    state = cmd.words[1].lower() if len(cmd.words) > 1 else ""
    try:
        period = rules.record_period(
            svc.engine,
            rule=rule,
            status=state,
            starts=cmd.opt("from"),
            ends=cmd.opt("until"),
            cite=cmd.opt("cite"),
            note=cmd.opt("note"),
            actor=_actor(command),
        )
    except rules.PolicyError as exc:
        return error_message(f"{exc}. Nothing was changed. {POLICY_USAGE}")
    text = (
        f"Recorded #{period.id}: {rules.RULES[period.rule]} "
        f"{period.status.replace('_', ' ')} {period.span()} ({period.cite})"
    )
    return text, [section(f":white_check_mark: {esc(text)}")]


def needs_admin(name: str, cmd: SlashCommand) -> str | None:
    """What the command would change (for the refusal message), or None if it only reads."""
    first = cmd.words[0].lower() if cmd.words else "list"
    if name in ("owner", "owners") and first in ("add", "remove"):
        return "change ownership on record"
    if name == "policy" and first != "list":
        return "change the 50% rules' dates"
    return None


SUBCOMMANDS = {"owner": owner, "owners": owner, "policy": policy}
