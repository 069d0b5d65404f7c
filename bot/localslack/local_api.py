"""The fake Slack Web API that `canweship serve` starts when there is no Slack token.

It prints what the bot posts (rendered as the shell renders it, marked "(local, not sent to
Slack)") on the server's own output, records every call (`GET /_calls` on its root, as
bot/localslack/fake_api.py serves), and exits when the server that started it is gone, so a
stopped server leaves nothing behind.

    python -m bot.localslack.local_api --port 8901 --parent PID
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from bot.localslack.fake_api import FakeSlackAPI
from bot.localslack.recording import Call
from bot.localslack.render import LOCAL_MARK, Renderer

PARENT_POLL_SECONDS = 0.5
_print_lock = threading.Lock()  # calls arrive on the fake's server threads


def print_call(call: Call) -> None:
    """Print what a call made visible (messages, views, files, refusals); other calls are quiet."""
    text = Renderer(numbered=False).call(call)
    if text is None:
        return
    head, _, body = text.partition("\n")
    with _print_lock:
        head = f"{head.removesuffix(':')} {LOCAL_MARK}" + (":" if head.endswith(":") else "")
        sys.stdout.write(head + "\n" + (body + "\n" if body else ""))
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.localslack.local_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parent", type=int, help="exit when this process is no longer ours")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with FakeSlackAPI(host=args.host, port=args.port, on_call=print_call):
        while not stop.wait(PARENT_POLL_SECONDS):
            if args.parent is not None and os.getppid() != args.parent:
                break  # the server exited (we were re-parented): nobody is left to answer
    return 0


if __name__ == "__main__":
    sys.exit(main())
