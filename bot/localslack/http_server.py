"""The HTTP side of the fake Web API: body parsing and the request handler class.

The handler only routes: `/api/<method>`, `/response_url/<token>` and `/upload/v1/<file id>` go to
`api.handle`, `/files-pri/...` (a file's `url_private_download`) to `api.download`; `/_calls`,
`/_reset`, `/_fail` and `/_delay` are the control endpoints another
process uses (see `bot.localslack.remote`). What Slack would answer lives in `fake_api` and the
method modules.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.localslack.recording import Call


class RecordingAPI(Protocol):
    """What the handler needs from `FakeSlackAPI` (a protocol: this module does not import it)."""

    def calls(self, method: str | None = None) -> list[Call]: ...

    def reset(self) -> None: ...

    def fail_next(self, method: str, **kwargs: Any) -> None: ...

    def delay(self, method: str, seconds: float) -> None: ...

    def handle(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], Any]: ...

    def response_channel(self, token: str) -> str | None: ...

    def download(self, file_id: str, token: str | None) -> tuple[int, dict[str, str], Any]: ...


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
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


def handler_for(api: RecordingAPI) -> type[BaseHTTPRequestHandler]:
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
            if isinstance(body, bytes):
                data = body
                content_type = (headers or {}).pop("Content-Type", "application/octet-stream")
            elif isinstance(body, str):
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
                params = {**query, **parse_body(raw, self.headers.get("Content-Type") or "")}
                auth = self.headers.get("Authorization") or ""
                token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
                self._send(*self._swap(api.handle(path[5:], params, token)))
            elif path.startswith("/response_url/"):
                params = parse_body(raw, self.headers.get("Content-Type") or "")
                channel = api.response_channel(unquote(path[len("/response_url/") :]))
                if channel and "channel" not in params:
                    params["channel"] = channel
                self._send(*self._swap(api.handle("response_url", params, None)))
            elif path.startswith("/upload/v1/"):
                params = {
                    "file_id": path.rsplit("/", 1)[-1],
                    "size": len(raw),
                    "data": raw.decode("utf-8", "replace"),
                    "raw": raw,  # kept by the upload, not recorded with the call
                }
                self._send(*self._swap(api.handle("file_upload", params, None)))
            elif path.startswith("/files-pri/"):
                # url_private_download: /files-pri/<team>-<file id>/download/<name>
                file_id = path.split("/")[2].rsplit("-", 1)[-1]
                auth = self.headers.get("Authorization") or ""
                token = auth[7:] if auth.startswith("Bearer ") else None
                self._send(*self._swap(api.download(file_id, token)))
            else:
                self._send(404, {"ok": False, "error": "not_found"})

        @staticmethod
        def _swap(result: tuple[int, dict[str, str], Any]) -> tuple[int, Any, dict[str, str]]:
            status, headers, body = result
            return status, body, headers

    return Handler
