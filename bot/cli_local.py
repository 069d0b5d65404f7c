"""`canweship tick` and `scheduler` without a Slack token: show what would be posted.

A reminder printed on a terminal reached nobody, so local mode only reads: nothing is claimed
or marked sent, and a process with Slack credentials still posts every reminder shown here
(bot/reminders.py `preview_due`). Every block of output says "(local, not sent to Slack)".
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from bot.localslack.render import LOCAL_MARK, Renderer
from bot.reminders import DueReminder, preview_due
from bot.services import Services

NOT_SET = "CANWESHIP_ALERT_CHANNEL (not set: a real tick would leave it pending)"


def render_due(item: DueReminder, tz_name: str) -> str:
    """One due reminder, as it would appear in Slack, marked local."""
    from handlers.reminders import reminder_message

    text, blocks = reminder_message(item.notice, tz_name)
    where = f"in {item.channel or NOT_SET}" + (", in thread" if item.thread_ts else "")
    return f"canweship ({where}) {LOCAL_MARK}:\n" + Renderer(numbered=False).blocks(blocks, text)


def local_tick(services: Services, out: TextIO, *, shown: set[int] | None = None) -> int:
    """Print the reminders due now (those not in `shown`, which is updated); return how many."""
    settings = services.settings
    due = preview_due(services.engine, settings=settings)
    fresh = [d for d in due if shown is None or d.notice.reminder_id not in shown]
    for item in fresh:
        out.write(render_due(item, settings.timezone) + "\n")
        if shown is not None:
            shown.add(item.notice.reminder_id)
    out.flush()
    return len(fresh)


def banner(command: str) -> str:
    return (
        f"{LOCAL_MARK} SLACK_BOT_TOKEN is not set, so `canweship {command}` only shows what it "
        "would post; nothing is marked sent, and a process with Slack credentials still posts it."
    )


def cmd_local_tick(services: Services) -> int:
    print(banner("tick"), file=sys.stderr)
    count = local_tick(services, sys.stdout)
    print(f"{count} reminder(s) due, 0 posted {LOCAL_MARK}; they stay pending")
    return 0


def cmd_local_scheduler(services: Services, *, stop: threading.Event | None = None) -> int:
    """Every tick interval, print reminders that fell due since the last look (each once)."""
    stop = stop or threading.Event()
    interval = max(1.0, services.settings.tick_interval.total_seconds())
    print(banner("scheduler"), file=sys.stderr)
    print(
        f"scheduler {services.instance_id} {LOCAL_MARK}: looking every {interval:g}s; "
        "list sync and list alerts run only with Slack credentials",
        file=sys.stderr,
    )
    shown: set[int] = set()
    try:
        while True:
            local_tick(services, sys.stdout, shown=shown)
            if stop.wait(interval):
                return 0
    except KeyboardInterrupt:
        return 0
