"""A Slack WebClient that keeps its HTTP connections open between calls.

slack_sdk's WebClient opens a new TCP (and TLS) connection for every Web API call through
`urllib.request.urlopen`. An answer is one `chat.postMessage`, so under load that handshake is a
good part of the bot's own work. This client sends the same requests over one kept-alive
`http.client` connection per thread and host, and otherwise behaves like urlopen: a non-2xx status
raises `HTTPError` and a network failure raises `URLError`, so slack_sdk's retry handlers (rate
limits, server errors, connection errors) work unchanged. A proxy setting falls back to urlopen.

A kept-alive connection the server has meanwhile closed fails on its next use before any response
arrives; that request is re-sent once on a fresh connection. Connections idle longer than
`IDLE_SECONDS` are not reused at all, well under the idle timeouts servers use, so that case stays
rare: a re-send could only double a message if the server had processed the request and then
dropped the connection without answering.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

IDLE_SECONDS = 5.0
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


# Connections are per thread, shared by every client on that thread: Bolt makes a client per
# request, and a listener thread answers many requests in turn.
_local = threading.local()


class KeepAliveWebClient(WebClient):
    """WebClient over persistent per-thread HTTP connections (see the module docstring)."""

    @classmethod
    def like(cls, client: WebClient) -> KeepAliveWebClient:
        """A keep-alive twin of `client`: same token, base URL, timeout, TLS and retries."""
        return cls(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=dict(client.headers),
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=list(client.retry_handlers or []),
        )

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https") or not parts.hostname:
            return super()._perform_urllib_http_request_internal(url, req)
        key = (parts.scheme, parts.hostname, parts.port)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        for attempt in (1, 2):
            conn, reused = self._connection(key)
            try:
                conn.request(req.get_method(), path, body=req.data, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except _STALE as exc:
                conn.close()
                if reused and attempt == 1:
                    continue  # the server closed the idle connection: send again, fresh
                raise URLError(exc) from exc
            except OSError as exc:  # refused, unreachable, timed out: as urlopen reports them
                conn.close()
                raise URLError(exc) from exc
            except BaseException:
                conn.close()
                raise
            if resp.will_close:
                conn.close()
            else:
                self._pool()[key] = (conn, time.monotonic())
            if not 200 <= resp.status < 300:
                raise HTTPError(url, resp.status, resp.reason, resp.headers, io.BytesIO(body))
            if resp.headers.get_content_type() == "application/gzip":
                return {"status": resp.status, "headers": resp.headers, "body": body}
            charset = resp.headers.get_content_charset() or "utf-8"
            return {"status": resp.status, "headers": resp.headers, "body": body.decode(charset)}
        raise AssertionError("unreachable")  # pragma: no cover

    def _pool(self) -> dict[tuple[str, str, int | None], tuple[http.client.HTTPConnection, float]]:
        pool = getattr(_local, "pool", None)
        if pool is None:
            pool = _local.pool = {}
        return pool

    def _connection(
        self, key: tuple[str, str, int | None]
    ) -> tuple[http.client.HTTPConnection, bool]:
        """(connection, reused): this thread's idle connection to the host, or a new one."""
        pool = self._pool()
        found = pool.pop(key, None)
        if found is not None:
            conn, last_used = found
            if time.monotonic() - last_used < IDLE_SECONDS and conn.sock is not None:
                return conn, True
            conn.close()
        scheme, host, port = key
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=self.ssl
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        conn.connect()
        # A request is small and waits for its answer: send it at once, as urllib3 does.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, False
