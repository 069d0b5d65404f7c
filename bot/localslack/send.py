"""Send one signed Slack request to a locally running `canweship serve` (local mode).

    python -m bot.localslack.send "is Huawei on the list?"          # a DM
    python -m bot.localslack.send "/canweship status"               # a slash command
    python -m bot.localslack.send --channel C0LIC "BIS approved license D1234567 for ..."

The request is built and signed by bot/localslack/wire.py exactly as Slack sends it, with the
secret `serve` wrote to the data directory (or SLACK_SIGNING_SECRET); the reply is printed by
the server (local mode), not here. Prints the HTTP status; exit 0 on 200.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bot.config import Settings
from bot.localslack import wire

# Where a local `canweship serve` leaves its signing secret and the fake API's address in the
# run directory (written by bot/cli/local.py, read here to sign and answer like Slack).
SECRET_FILE = "local-signing-secret"
API_URL_FILE = "local-api-url"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.localslack.send", description=__doc__)
    parser.add_argument("text", help="a DM, a channel message (--channel), or /canweship ...")
    parser.add_argument("--url", help="the server (default http://127.0.0.1:$PORT, PORT 3000)")
    parser.add_argument("--user", default=wire.USER_ID, help="the Slack user id sending it")
    parser.add_argument("--channel", help="post as a plain message in this channel id")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    run_dir = settings.data_dir / "run"
    secret = settings.slack_signing_secret or _read(run_dir / SECRET_FILE)
    if not secret:
        print(f"no signing secret: start `canweship serve` first ({run_dir / SECRET_FILE})")
        return 2
    url = (args.url or f"http://127.0.0.1:{os.environ.get('PORT', '3000')}").rstrip("/")
    if args.text.startswith("/"):
        command, _, text = args.text.partition(" ")
        api = _read(run_dir / API_URL_FILE) or "http://127.0.0.1:9/api/"
        root = api.removesuffix("/").removesuffix("/api")
        body, headers = wire.slash_command(
            command,
            text,
            secret=secret,
            user_id=args.user,
            channel_id=args.channel or wire.DM_CHANNEL_ID,
            response_url=f"{root}/response_url/send",
        )
    elif args.channel:
        event = wire.channel_message(args.text, user=args.user, channel=args.channel)
        body, headers = wire.event_callback(event, secret=secret)
    else:
        event = wire.message_im(args.text, user=args.user, channel="D" + args.user[1:])
        body, headers = wire.event_callback(event, secret=secret)
    request = urllib.request.Request(
        url + "/slack/events", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        print(f"cannot reach {url}: {exc.reason}")
        return 1
    print(f"HTTP {status}")
    return 0 if status == 200 else 1


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
