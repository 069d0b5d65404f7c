"""Plain-language list status for Slack surfaces."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.answers.screener import list_status
from bot.lists.status import human_age
from bot.ownership.rules import describe_today, list_periods, next_changes
from bot.services import Services
from handlers.markup import escape_mrkdwn


def list_status_line(svc: Services) -> str:
    st = list_status(svc.engine, svc.settings)
    if st.snapshot is None:
        return (
            ":grey_question: No list loaded — every answer is `unavailable` "
            "until an admin imports one."
        )
    snap = st.snapshot
    sources = ", ".join(f"{s} {n:,}" for s, n in sorted(snap.counts.items()))
    flag = " :warning: *stale*" if st.stale else ""
    return (
        f"{snap.version}: {snap.record_count:,} records ({sources}), age {human_age(st.age)}{flag}"
    )


def rules_status_lines(svc: Services) -> list[str]:
    """Which 50% rules are in effect today, and the next change of each (mrkdwn-escaped)."""
    today = datetime.now(UTC).astimezone(svc.settings.tz).date()
    periods = list_periods(svc.engine)
    lines = describe_today(periods, today) + [f"Next: {n}" for n in next_changes(periods, today)]
    return [escape_mrkdwn(line) for line in lines]
