"""A loopback HTTP server that serves a CSL JSON file the way data.trade.gov does, or fails the
ways a download can fail: 500, too slow, cut short, a tenth of the records, gzip."""

from __future__ import annotations

import contextlib
import copy
import gzip
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import FIXTURE_LIST

LAST_MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"


def demo_doc() -> dict[str, Any]:
    return json.loads(FIXTURE_LIST.read_text())


def el_record(list_id: str, name: str, *, cite: str = "99 FR 12345", country: str = "AE") -> dict:
    """An Entity List record shaped like the official JSON."""
    record = copy.deepcopy(demo_doc()["results"][0])
    record.update(
        id=list_id,
        name=name,
        alt_names=[],
        federal_register_notice=cite,
        addresses=[{"address": "Jebel Ali", "city": "Dubai", "country": country}],
    )
    return record


class CslServer:
    """`mode` is one of ok, 500, slow, truncated, tenth, garbage; `gzip` compresses the body."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.gzip = False
        self.slow_seconds = 1.5
        self.requests: list[dict[str, str]] = []
        self.serve(demo_doc())
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/consolidated.json"

    def serve(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.body = json.dumps(doc).encode()
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def response(self) -> bytes:
        if self.mode == "tenth":
            results = self.doc["results"]
            return json.dumps(
                {**self.doc, "results": results[: max(1, len(results) // 10)]}
            ).encode()
        if self.mode == "garbage":
            return b"<html>Service temporarily unavailable</html>"
        return self.body

    def __enter__(self) -> CslServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: CslServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            # A client that gave up (the timeout test) leaves nothing to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._get()

        def _get(self) -> None:
            server.requests.append(dict(self.headers.items()))
            mode = server.mode
            if mode == "500":
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if mode == "slow":
                time.sleep(server.slow_seconds)
            if self.headers.get("If-None-Match") == server.etag and mode == "ok":
                self.send_response(304)
                self.send_header("ETag", server.etag)
                self.end_headers()
                return
            body = server.response()
            if server.gzip:
                body = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if mode in ("ok", "slow"):
                self.send_header("ETag", server.etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            if server.gzip:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if mode == "truncated":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler
