"""Events passed between the workers of one server (the transport is siblings.py, beside it).

A worker with more answers queued than a sibling hands a new event to it instead of queueing
it; the sibling runs the event through its own app, Slack's signature checked again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.runtime.siblings import CountingExecutor, Siblings

log = logging.getLogger(__name__)

HANDED_OFF = "x-canweship-handed-off"  # set on events a sibling handed over: not passed on


def register(app: App, directory: Path, group: int, executor: CountingExecutor) -> None:
    """Join the workers of server `group` (their load table in `directory`); `executor` is the
    app's listener pool, whose queue is this worker's load. Without a table or socket (not
    Linux, an unusable data dir), log it and handle every event here."""
    try:
        siblings = Siblings(directory, group, lambda data: _dispatch(app, data))
    except (OSError, RuntimeError) as exc:
        log.warning("workers will not share the waiting (no hand-off): %s", exc)
        return
    executor.on_change = siblings.publish

    def hand_off(body: dict[str, Any], req: BoltRequest, next: Callable[[], Any]) -> Any:
        if body.get("type") != "event_callback" or HANDED_OFF in req.headers:
            return next()
        target = siblings.idler(executor.pending)
        if target is None:
            return next()
        data = json.dumps({"headers": req.headers, "body": req.raw_body}).encode()
        if not siblings.send(target, data):
            return next()
        return BoltResponse(status=200, body="")

    app.use(hand_off)


def _dispatch(app: App, data: bytes) -> None:
    """Run an event a sibling handed over through this app, Slack's signature checked again."""
    message = json.loads(data)
    headers = {**message["headers"], HANDED_OFF: ["1"]}
    app.dispatch(BoltRequest(body=message["body"], headers=headers))
