"""Plain-text lines for cases and decisions, shared by the CLI and the Slack replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.reviews.apply import who


def age(opened_at: str, now: datetime) -> str:
    seconds = max(0, int((now - datetime.fromisoformat(opened_at)).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def case_line(c: dict[str, Any], now: datetime) -> str:
    place = f" ({c['country']})" if c.get("country") else ""
    records = ", ".join(
        f"{x['record']} {x['name']} {x['score']:.0f}" for x in c.get("candidates", [])
    )
    askers = ", ".join(who(u) for u in dict.fromkeys(c.get("askers", [])))
    note = f" — {c['note']}" if c.get("note") else ""
    return (
        f"case {c['case']} [{c['status']}] {c['party']}{place}, {age(c['opened_at'], now)} old, "
        f"asked by {askers or 'nobody'}: {records}{note}"
    )


def adjudication_line(a: dict[str, Any]) -> str:
    until = f" until {a['expires']}" if a.get("expires") else ""
    ended = f" ({a['ended_why']})" if a.get("ended_why") else ""
    return (
        f"#{a['id']} [{a['status']}] {a['party']} / {a['record']} {a['record_name']}: "
        f"{a['decision']} by {who(a['decided_by'])} on {a['decided_at'][:10]}{until}, "
        f"'{a['reason']}'{ended}"
    )
