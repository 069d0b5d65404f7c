"""A loopback stand-in for the Slack Web API that answers like Slack and records every call.

The bot talks to it through an unmodified `slack_sdk.WebClient(base_url=fake.url)`, so tests,
benchmarks and `canweship shell` observe exactly what the bot would send to Slack — including
`respond()` traffic (point payload `response_url`s at `fake.response_url()`) and file uploads.
Faults (`fail_next`, `delay`) reproduce rate limits and outages so retry paths are tested against
real HTTP, not mocks.

Run standalone for benchmarks: `python -m bot.localslack.fake_api --port 8901` prints each call
as a JSON line; another process can read `GET /_calls` and clear with `POST /_reset`
(`bot.localslack.remote`).

This module is the recorder (calls, faults, delays, waiting) and the entry point; the pieces live
beside it: `recording` (the `Call`/`PostedMessage` records), `http_server` (parsing and routing),
`web_methods` (chat, views, conversations, users) and `uploads` (the files upload flow).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

from bot.localslack import envelopes
from bot.localslack.http_server import handler_for
from bot.localslack.recording import POSTING_METHODS, Call, PostedMessage
from bot.localslack.uploads import FileUploads
from bot.localslack.web_methods import WebAPIMethods


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int | None
    remaining: int


class FakeSlackAPI(WebAPIMethods, FileUploads):
    """The Slack Web API on 127.0.0.1, in a daemon thread; use as a context manager.

    `url` goes to `WebClient(base_url=...)` or `SLACK_API_URL`. Calls with a token that does not
    start with `xoxb-` (a bot token) or `xwfp-` (a workflow step's token) get `invalid_auth`;
    methods it does not implement get `unknown_method`, so a new API call in the bot fails
    loudly here instead of silently passing.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = envelopes.TEAM_ID,
        bot_user_id: str = envelopes.BOT_USER_ID,
        bot_id: str = envelopes.BOT_ID,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.on_call = on_call
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._response_channels: dict[str, str | None] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._shared: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._open_dms: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._server = ThreadingHTTPServer((host, port), handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update_message,
            "chat.delete": lambda p: {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")},
            "chat.getPermalink": self._permalink,
            "reactions.add": lambda p: {"ok": True},
            "reactions.remove": lambda p: {"ok": True},
            "views.publish": self._view,
            "views.open": self._view,
            "views.update": self._view,
            "views.push": self._view,
            "conversations.open": self._open_conversation,
            "conversations.info": self._conversation_info,
            "conversations.history": self._history_with_files,
            "conversations.replies": self._replies_of,
            "users.info": self._user_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.info": self._files_info,
            "functions.completeSuccess": self._function_done,
            "functions.completeError": self._function_done,
        }

    def _history_with_files(self, p: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: the bot's messages (web_methods) and the messages that
        shared files (uploads) in the channel, newest first, after `oldest`, up to `limit`."""
        files = self._file_shares(p)
        own = self._history_of(p)
        if not own.get("ok"):
            return files
        oldest = float(p.get("oldest") or 0)
        shared = [m for m in files.get("messages", []) if float(m["ts"]) > oldest]
        messages = sorted([*own["messages"], *shared], key=lambda m: -float(m["ts"]))
        limit = int(p.get("limit") or 100)
        return {**own, "messages": messages[:limit], "has_more": len(messages) > limit}

    # ---- lifecycle --------------------------------------------------------------------------

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The Web API base URL, with the trailing slash slack_sdk expects."""
        return f"{self.root}/api/"

    def response_url(self, token: str = "x", *, channel: str | None = None) -> str:
        """A loopback `response_url` for payloads; its posts are recorded as method `response_url`.

        Give `channel` so `posted_messages()` can say where the response appeared, as Slack would.
        """
        with self._changed:
            self._response_channels[token] = channel
        return f"{self.root}/response_url/{quote(token, safe='')}"

    def start(self) -> FakeSlackAPI:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                # shutdown() waits for the poll loop; the stdlib's 0.5 s made every test slow.
                kwargs={"poll_interval": 0.05},
                name="fake-slack-api",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeSlackAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- inspection -------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def posted_messages(self, channel: str | None = None) -> list[PostedMessage]:
        """Messages the fake accepted from chat.postMessage/postEphemeral and response_url posts."""
        posted = []
        for call in self.calls():
            if call.method not in POSTING_METHODS or not call.ok:
                continue
            message = PostedMessage.from_call(call)
            if channel is None or message.channel == channel:
                posted.append(message)
        return posted

    def uploads(self) -> list[dict[str, Any]]:
        """Files completed via files.completeUploadExternal: id, filename, title, channel,
        thread_ts, initial_comment, data (text) and raw (the bytes as uploaded)."""
        with self._changed:
            return [dict(u) for u in self._uploads.values() if u.get("completed")]

    def wait_for(
        self,
        what: str | Callable[[Call], bool],
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until `count` calls match (a method name or a predicate); return the matches.

        Needed because Bolt may run listeners on worker threads: the call can arrive after
        `dispatch` returns. Raises `TimeoutError` listing what did arrive.
        """
        matches: Callable[[Call], bool] = (
            (lambda c: c.method == what) if isinstance(what, str) else what
        )
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if matches(c)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._changed.wait(remaining)
            if len(found) >= count:
                return found
            seen = (
                ", ".join(
                    f"{c.method}({c.status}{'' if c.ok else ' ' + str(c.error)})"
                    for c in self._calls
                )
                or "nothing"
            )
        label = what if isinstance(what, str) else getattr(what, "__name__", "predicate")
        raise TimeoutError(
            f"waited {timeout}s for {count} call(s) matching {label!r}, got {len(found)}; "
            f"calls seen: {seen}"
        )

    def clear(self) -> None:
        """Forget recorded calls (faults, delays and known users/channels are kept)."""
        with self._changed:
            self._calls.clear()
            self._changed.notify_all()

    def reset(self) -> None:
        """Forget calls, pending faults, delays and uploads."""
        with self._changed:
            self._calls.clear()
            self._faults.clear()
            self._delays.clear()
            self._uploads.clear()
            self._open_dms.clear()
            self._history.clear()
            self._changed.notify_all()

    # ---- configuration ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next `times` calls to `method` fail the way Slack fails.

        429 sends `Retry-After` (what slack_sdk's RateLimitErrorRetryHandler sleeps on); 5xx is an
        outage; `status=200` with `error="channel_not_found"` is an ordinary API error.
        """
        default_error = {429: "ratelimited"}.get(status, "internal_error")
        fault = _Fault(
            status, error or default_error, retry_after if status == 429 else None, times
        )
        with self._changed:
            self._faults.setdefault(method, deque()).append(fault)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call to `method` only after `seconds` (0 removes the delay)."""
        with self._changed:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def add_user(self, user_id: str, name: str, **fields: Any) -> None:
        """Teach users.info a user (e.g. `real_name`, `tz`, `is_admin`, `profile={...}`)."""
        with self._changed:
            self.users[user_id] = {"id": user_id, "name": name, **fields}

    def add_channel(self, channel_id: str, name: str, **fields: Any) -> None:
        with self._changed:
            self.channels[channel_id] = {"id": channel_id, "name": name, **fields}

    # ---- request handling (called from the server threads) ----------------------------------

    def handle(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], Any]:
        """Answer one call as Slack would and record it; returns (status, headers, body)."""
        with self._changed:
            wait = self._delays.get(method, 0.0)
            queue = self._faults.get(method)
            fault = queue[0] if queue else None
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()  # type: ignore[union-attr]
        if wait:
            time.sleep(wait)
        headers: dict[str, str] = {}
        if fault is not None:
            status, body = fault.status, {"ok": False, "error": fault.error}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        elif method == "response_url":
            status, body = 200, {"ok": True}
        elif method == "file_upload":
            status, body = 200, self._receive_upload(params)
        elif method not in self._methods:
            status, body = 200, {"ok": False, "error": "unknown_method"}
        elif not (token or "").startswith(("xoxb-", "xwfp-")):
            status, body = 200, {"ok": False, "error": "invalid_auth"}
        else:
            status, body = 200, self._methods[method](params)
        recorded = body if isinstance(body, dict) else {"ok": True, "body": body}
        call = Call(method, params, token, time.time(), status, recorded)
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(call)
        return status, headers, body

    def response_channel(self, token: str) -> str | None:
        with self._changed:
            return self._response_channels.get(token)


def main(argv: list[str] | None = None) -> int:
    """Serve the fake until interrupted, printing each call as a JSON line on stdout."""
    parser = argparse.ArgumentParser(prog="python -m bot.localslack.fake_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (see stderr)")
    parser.add_argument("--quiet", action="store_true", help="do not print calls")
    args = parser.parse_args(argv)

    lock = threading.Lock()

    def print_call(call: Call) -> None:
        with lock:
            sys.stdout.write(json.dumps(call.to_json()) + "\n")
            sys.stdout.flush()

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with FakeSlackAPI(
        host=args.host, port=args.port, on_call=None if args.quiet else print_call
    ) as fake:
        print(f"fake Slack Web API listening on {fake.url}", file=sys.stderr, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
