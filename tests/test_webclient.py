"""The keep-alive WebClient: one connection per thread, urlopen's errors, retries unchanged."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.localslack import FakeSlackAPI
from bot.runtime.app import make_client
from bot.runtime.webclient import KeepAliveWebClient


class Recorder:
    """A loopback HTTP/1.1 server that records (client port, path) for every request."""

    def __init__(self, *, drop_after_each: bool = False, statuses: list[int] | None = None):
        self.requests: list[tuple[int, str, dict[str, Any]]] = []
        self.drop_after_each = drop_after_each
        self.statuses = list(statuses or [])
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw.startswith(b"{") else {}
                recorder.requests.append((self.client_address[1], self.path, body))
                status = recorder.statuses.pop(0) if recorder.statuses else 200
                data = json.dumps({"ok": status == 200, "ts": "1.000001"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)
                # Like a server whose keep-alive timeout ran out: gone without saying so.
                self.close_connection = recorder.drop_after_each

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def connections(self) -> set[int]:
        return {port for port, _, _ in self.requests}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with Recorder() as server:
        yield server


def test_calls_from_one_thread_share_one_connection(recorder):
    client = make_client("xoxb-test", recorder.url)
    assert isinstance(client, KeepAliveWebClient)
    for n in range(5):
        assert client.chat_postMessage(channel="C1", text=f"answer {n}")["ok"] is True
    assert [body["text"] for _, _, body in recorder.requests] == [f"answer {n}" for n in range(5)]
    assert {path for _, path, _ in recorder.requests} == {"/api/chat.postMessage"}
    assert len(recorder.connections) == 1


def test_each_thread_has_its_own_connection(recorder):
    client = make_client("xoxb-test", recorder.url)

    def post_twice() -> None:
        client.chat_postMessage(channel="C1", text="a")
        client.chat_postMessage(channel="C1", text="b")

    threads = [threading.Thread(target=post_twice) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(recorder.requests) == 6
    assert len(recorder.connections) == 3


def test_a_connection_the_server_dropped_is_replaced_and_nothing_is_sent_twice():
    with Recorder(drop_after_each=True) as server:
        client = make_client("xoxb-test", server.url)
        for n in range(3):
            assert client.chat_postMessage(channel="C1", text=f"m{n}")["ok"] is True
        assert [body["text"] for _, _, body in server.requests] == ["m0", "m1", "m2"]
        assert len(server.connections) == 3


def test_rate_limits_and_server_errors_are_retried_as_before():
    with Recorder(statuses=[429, 500, 200]) as server:
        client = make_client("xoxb-test", server.url)
        assert client.chat_postMessage(channel="C1", text="once")["ok"] is True
        assert [body["text"] for _, _, body in server.requests] == ["once"] * 3


def test_an_api_error_is_a_slack_api_error_not_a_transport_error():
    with FakeSlackAPI() as fake:
        fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
        client = make_client("xoxb-test", fake.url)
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C404", text="x")
        assert raised.value.response["error"] == "channel_not_found"
        assert client.chat_postMessage(channel="C1", text="next")["ok"] is True


def test_an_unreachable_api_raises_after_the_retries():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = KeepAliveWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/")
    with pytest.raises(Exception) as raised:
        client.chat_postMessage(channel="C1", text="x")
    assert "refused" in str(raised.value).lower()


def test_bolt_listeners_answer_over_the_keep_alive_client(recorder, tmp_path):
    """Bolt makes a plain WebClient per request; the app swaps in the keep-alive one."""
    from slack_bolt import BoltRequest

    from bot.config import Settings
    from bot.localslack import wire
    from bot.runtime.app import create_app
    from bot.runtime.wiring import build_services

    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "CANWESHIP_DATA_DIR": str(tmp_path / "data"),
    }
    svc = build_services(Settings.from_env(env=env))
    app = create_app(
        svc,
        client=make_client("xoxb-test", recorder.url),
        signing_secret="s3cret",
        process_before_response=True,
    )
    for text in ("help", "help"):
        body, headers = wire.event_callback(wire.message_im(text), secret="s3cret")
        assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
    calls = recorder.requests
    posted = [(port, body) for port, path, body in calls if path.endswith("postMessage")]
    assert [body["channel"] for _, body in posted] == ["D0LOCALUSER"] * 2
    assert len({port for port, _ in posted}) == 1, recorder.requests
