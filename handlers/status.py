"""Plain-language list status for Slack surfaces."""

from __future__ import annotations

from bot.answers.screener import list_status
from bot.lists.status import human_age
from bot.services import Services


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
