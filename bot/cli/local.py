"""`canweship tick` and `scheduler` without a Slack token: show what would be posted.

A reminder printed on a terminal reached nobody, so local mode only reads: nothing is claimed
or marked sent, and a process with Slack credentials still posts every reminder shown here
(bot/deadlines/reminders.py `preview_due`). Every block of output says "(local, not sent to Slack)".
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from bot.cli.common import UsageError
from bot.config import Settings
from bot.deadlines.reminders import DueReminder, preview_due
from bot.localslack.render import LOCAL_MARK, Renderer
from bot.localslack.send import API_URL_FILE, SECRET_FILE
from bot.services import Services

NOT_SET = "CANWESHIP_ALERT_CHANNEL (not set: a real tick would leave it pending)"


def render_due(item: DueReminder, tz_name: str) -> str:
    """One due reminder, as it would appear in Slack, marked local."""
    # (lazy: a command loads only what it runs)
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


# ---- `canweship serve` without a token -----------------------------------------------------------

LOCAL_TOKEN = "xoxb-local-not-slack"  # the fake accepts any xoxb- token; Slack would refuse this


def is_loopback(url: str) -> bool:
    """True when the Web API URL is on this machine (a fake), never for Slack or GovSlack."""
    # (lazy: a command loads only what it runs)
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_mode(settings: Settings) -> str:
    """How to serve: `real`, `local` (start a fake Web API) or `local-fake` (SLACK_API_URL is one).

    Local only without a token. A signing secret with no token and Slack's own API URL looks like
    a deployment that lost its token: that is refused, not quietly answered into a fake.
    """
    if settings.slack_bot_token:
        return "real"
    if is_loopback(settings.slack_api_url):
        return "local-fake"
    if settings.slack_signing_secret:
        raise UsageError(
            "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: set the token for Slack, or "
            "unset the secret to try `serve` locally (README: Trying everything locally)"
        )
    if settings.slack_api_url != Settings.slack_api_url:
        raise UsageError(
            f"SLACK_BOT_TOKEN must be set to use the Web API at {settings.slack_api_url}"
        )
    return "local"


def prepare_local_serve(settings: Settings, mode: str, out: TextIO | None = None) -> dict[str, str]:
    """Start the fake Web API if needed; the environment the server must run with.

    The signature check stays on: without SLACK_SIGNING_SECRET a fresh random secret is made for
    this run, printed and written (mode 0600) to the data directory, so only someone who can read
    it here can send requests.
    """
    # (lazy: a command loads only what it runs)
    import secrets

    out = out or sys.stderr
    secret = settings.slack_signing_secret or secrets.token_hex(16)
    run_dir = settings.data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    secret_path = run_dir / SECRET_FILE
    secret_path.touch(mode=0o600)
    secret_path.chmod(0o600)
    secret_path.write_text(secret + "\n")
    api_url = settings.slack_api_url if mode == "local-fake" else _start_fake(out)
    (run_dir / API_URL_FILE).write_text(api_url + "\n")  # for response_urls (localslack/send.py)
    out.write(
        f"{LOCAL_MARK} SLACK_BOT_TOKEN is not set: serving in local mode. Replies go to the "
        f"fake Slack Web API at {api_url} and are printed here, not sent to Slack.\n"
        f"Signed requests only: the signing secret for this run is {secret} (also in "
        f"{secret_path}); unsigned or wrongly signed requests get 401.\n"
    )
    out.flush()
    return {
        "SLACK_BOT_TOKEN": LOCAL_TOKEN,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": api_url,
    }


def _start_fake(out: TextIO) -> str:
    """A fake Web API child that prints what is posted and exits with the server (local_api.py)."""
    # (lazy: a command loads only what it runs)
    import os
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = subprocess.Popen(
        [
            sys.executable, "-m", "bot.localslack.local_api",
            "--port", str(port), "--parent", str(os.getpid()),
        ],
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and child.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return f"http://127.0.0.1:{port}/api/"
        except OSError:
            time.sleep(0.05)
    child.kill()
    raise UsageError(f"could not start the local fake Slack Web API on port {port}")
