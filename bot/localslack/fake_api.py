"""A loopback stand-in for the Slack Web API that answers like Slack and records every call.

The bot talks to it through an unmodified `slack_sdk.WebClient(base_url=fake.url)`, so tests,
benchmarks and `canweship shell` observe exactly what the bot would send to Slack — including
`respond()` traffic (point payload `response_url`s at `fake.response_url()`) and file uploads.
Faults (`fail_next`, `delay`) reproduce rate limits and outages so retry paths are tested against
real HTTP, not mocks.

Run standalone for benchmarks: `python -m bot.localslack.fake_api --port 8901` prints each call
as a JSON line; another process can read `GET /_calls` and clear with `POST /_reset`.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import json
import signal
import sys
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from bot.localslack import wire

POSTING_METHODS = ("chat.postMessage", "chat.postEphemeral", "response_url")
_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass(frozen=True)
class Call:
    """One request the fake received, as the bot sent it (`params` are not decoded further)."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when Slack would have accepted the call (no fault, no `ok: false`)."""
        return self.status == 200 and self.response.get("ok", False) is True

    @property
    def error(self) -> str | None:
        return self.response.get("error")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        return cls(**data)


@dataclass(frozen=True)
class PostedMessage:
    """A message the bot made visible to a user, with form-encoded `blocks` already decoded."""

    method: str
    channel: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    ts: str | None = None
    user: str | None = None  # recipient of an ephemeral message
    response_type: str | None = None  # response_url posts: "ephemeral" or "in_channel"
    replace_original: bool = False
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int | None
    remaining: int


def decode_json_field(value: Any) -> Any:
    """Form bodies carry `blocks`/`view`/`files` as JSON text; JSON bodies carry them as objects."""
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Read whichever encoding slack_sdk chose: JSON, url-encoded form, or multipart."""
    if not raw:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" or (not kind and raw.lstrip()[:1] == b"{"):
        data = json.loads(raw.decode("utf-8"))
        return data if isinstance(data, dict) else {"_json": data}
    if kind == "multipart/form-data":
        header = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
        parts: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename:
                parts[str(name)] = {"filename": filename, "size": len(payload)}
            else:
                parts[str(name)] = payload.decode("utf-8", "replace")
        return parts
    if kind in ("application/x-www-form-urlencoded", ""):
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return {"_raw": raw.decode("utf-8", "replace")}


class FakeSlackAPI:
    """The Slack Web API on 127.0.0.1, in a daemon thread; use as a context manager.

    `url` goes to `WebClient(base_url=...)` or `SLACK_API_URL`. Calls with a token that does not
    start with `xoxb-` get `invalid_auth`; methods it does not implement get `unknown_method`, so
    a new API call in the bot fails loudly here instead of silently passing.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = wire.TEAM_ID,
        bot_user_id: str = wire.BOT_USER_ID,
        bot_id: str = wire.BOT_ID,
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
        self._open_dms: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
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
            "users.info": self._user_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

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
            p = call.params
            message = PostedMessage(
                method=call.method,
                channel=p.get("channel") or call.response.get("channel"),
                text=p.get("text"),
                blocks=decode_json_field(p.get("blocks")),
                thread_ts=p.get("thread_ts") or None,
                ts=call.response.get("ts") or call.response.get("message_ts"),
                user=p.get("user"),
                response_type=p.get("response_type"),
                replace_original=_truthy(p.get("replace_original")),
                params=p,
            )
            if channel is None or message.channel == channel:
                posted.append(message)
        return posted

    def uploads(self) -> list[dict[str, Any]]:
        """Files completed via files.completeUploadExternal: id, filename, title, channel, data."""
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
        elif not (token or "").startswith("xoxb-"):
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

    # ---- Web API methods ---------------------------------------------------------------------

    def _dm_for(self, users: str) -> str:
        ids = sorted(u.strip() for u in users.split(",") if u.strip())
        if len(ids) == 1:
            return "D" + ids[0][1:]
        return "G" + "".join(i[1:4] for i in ids).upper()

    def _resolve(self, channel: str) -> str:
        # Posting to a user id lands in the bot's DM with that user; Slack answers with the D id.
        return self._dm_for(channel) if channel[:1] in ("U", "W") else channel

    def _bot_message(self, p: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": wire.API_APP_ID,
            "text": p.get("text", ""),
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "metadata"):
            if p.get(key):
                message[key] = decode_json_field(p[key])
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        return message

    def _message_error(self, p: dict[str, Any]) -> dict[str, Any] | None:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not any(p.get(k) for k in ("text", "blocks", "attachments", "markdown_text")):
            return {"ok": False, "error": "no_text"}
        return None

    def _auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{wire.TEAM_DOMAIN}.slack.com/",
            "team": "canweship (local)",
            "user": "canweship",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        if error := self._message_error(p):
            return error
        ts = wire.next_ts()
        channel = self._resolve(str(p["channel"]))
        return {"ok": True, "channel": channel, "ts": ts, "message": self._bot_message(p, ts)}

    def _post_ephemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if error := self._message_error(p):
            return error
        if not p.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": wire.next_ts()}

    def _update_message(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        message = self._bot_message(p, str(p["ts"]))
        return {
            "ok": True,
            "channel": p["channel"],
            "ts": p["ts"],
            "text": message["text"],
            "message": message,
        }

    def _permalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel", "")), str(p.get("message_ts", ""))
        link = f"https://{wire.TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _view(self, p: dict[str, Any]) -> dict[str, Any]:
        view = decode_json_field(p.get("view"))
        if not isinstance(view, dict) or "type" not in view:
            return {"ok": False, "error": "invalid_arguments"}
        view_id = str(p.get("view_id") or wire.new_id("V"))
        return {
            "ok": True,
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{view_id}",
                "private_metadata": "",
                "callback_id": "",
                "external_id": str(p.get("external_id") or ""),
                "root_view_id": view_id,
                "app_id": wire.API_APP_ID,
                "bot_id": self.bot_id,
                **view,
            },
        }

    def _open_conversation(self, p: dict[str, Any]) -> dict[str, Any]:
        users = p.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users and not p.get("channel"):
            return {"ok": False, "error": "users_list_not_supplied"}
        channel = str(p.get("channel") or self._dm_for(str(users)))
        with self._changed:
            already = channel in self._open_dms
            self._open_dms.add(channel)
        return {"ok": True, "no_op": already, "already_open": already, "channel": {"id": channel}}

    def _conversation_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        known = self.channels.get(channel, {})
        info = {
            "id": channel,
            "name": known.get("name", channel.lower()),
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": channel.startswith("D"),
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "is_member": True,
            "created": 1700000000,
            **known,
        }
        return {"ok": True, "channel": info}

    def _user_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = str(p.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        known = self.users.get(user_id, {})
        name = known.get("name", user_id.lower())
        real_name = known.get("real_name", name)
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": "America/New_York",
            "tz_label": "Eastern Standard Time",
            "tz_offset": -18000,
            "is_admin": False,
            "is_owner": False,
            "is_bot": user_id == self.bot_user_id,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": f"{name}@{wire.TEAM_DOMAIN}.example",
            },
            **known,
        }
        return {"ok": True, "user": user}

    def _get_upload_url(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not p.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = wire.new_id("F")
        with self._changed:
            self._uploads[file_id] = {
                "id": file_id,
                "filename": p["filename"],
                "length": int(p["length"]),
                "data": None,
            }
        return {"ok": True, "upload_url": f"{self.root}/upload/v1/{file_id}", "file_id": file_id}

    def _receive_upload(self, params: dict[str, Any]) -> str:
        with self._changed:
            upload = self._uploads.get(params["file_id"])
            if upload is not None:
                upload["data"] = params["data"]
        return f"OK - {params['size']}"

    def _complete_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        files = decode_json_field(p.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        with self._changed:
            for item in files:
                upload = self._uploads.get(str(item.get("id")))
                if upload is None or upload["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
                title = item.get("title") or upload["filename"]
                upload.update(
                    completed=True,
                    title=title,
                    channel=p.get("channel_id"),
                    thread_ts=p.get("thread_ts"),
                    initial_comment=p.get("initial_comment"),
                )
                done.append(
                    {
                        "id": upload["id"],
                        "name": upload["filename"],
                        "title": title,
                        "size": len(upload["data"]),
                        "user": self.bot_user_id,
                        "created": int(time.time()),
                    }
                )
        return {"ok": True, "files": done}


def _handler_for(api: FakeSlackAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlackAPI/1"
        # Keep-alive, as Slack's servers do; every response carries Content-Length. An idle
        # connection is closed after `timeout` seconds.
        protocol_version = "HTTP/1.1"
        timeout = 30
        disable_nagle_algorithm = True  # small responses go out at once (no delayed-ACK stall)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # tests and the shell print calls themselves; per-request logs are noise

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            if isinstance(body, str):
                data, content_type = body.encode(), "text/plain; charset=utf-8"
            else:
                data, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path, query = url.path, dict(parse_qsl(url.query, keep_blank_values=True))
            if path == "/_calls":
                found = api.calls(query.get("method") or None)
                self._send(200, [c.to_json() for c in found])
            elif path == "/_reset" and self.command == "POST":
                api.reset()
                self._send(200, {"ok": True})
            elif path == "/_fail" and self.command == "POST":
                api.fail_next(**json.loads(raw or b"{}"))
                self._send(200, {"ok": True})
            elif path == "/_delay" and self.command == "POST":
                api.delay(**json.loads(raw or b"{}"))
                self._send(200, {"ok": True})
            elif path.startswith("/api/"):
                params = {**query, **_parse_body(raw, self.headers.get("Content-Type") or "")}
                auth = self.headers.get("Authorization") or ""
                token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
                self._send(*self._swap(api.handle(path[5:], params, token)))
            elif path.startswith("/response_url/"):
                params = _parse_body(raw, self.headers.get("Content-Type") or "")
                channel = api.response_channel(unquote(path[len("/response_url/") :]))
                if channel and "channel" not in params:
                    params["channel"] = channel
                self._send(*self._swap(api.handle("response_url", params, None)))
            elif path.startswith("/upload/v1/"):
                params = {
                    "file_id": path.rsplit("/", 1)[-1],
                    "size": len(raw),
                    "data": raw.decode("utf-8", "replace"),
                }
                self._send(*self._swap(api.handle("file_upload", params, None)))
            else:
                self._send(404, {"ok": False, "error": "not_found"})

        @staticmethod
        def _swap(result: tuple[int, dict[str, str], Any]) -> tuple[int, Any, dict[str, str]]:
            status, headers, body = result
            return status, body, headers

    return Handler


# ---- other processes ---------------------------------------------------------------------------


def fetch_calls(root: str, method: str | None = None, timeout: float = 5.0) -> list[Call]:
    """Read a standalone fake's calls over HTTP (`root`: `http://host:port` or its `/api/` url)."""
    url = root.removesuffix("/").removesuffix("/api") + "/_calls"
    if method:
        url += f"?method={quote(method)}"
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return [Call.from_json(item) for item in json.loads(resp.read())]


def reset_remote(root: str, timeout: float = 5.0) -> None:
    """Clear a standalone fake's calls and faults between benchmark runs."""
    url = root.removesuffix("/").removesuffix("/api") + "/_reset"
    request = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=timeout):
        pass


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
