"""WSGI entry point for HTTP mode (`canweship serve`, Procfile `web:`).

Routes: POST /slack/events (signature verified by Bolt), GET /healthz. Anything else is 404.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.answers.screener import list_status
from bot.runtime.app import create_app
from bot.runtime.wiring import build_services
from bot.services import Services

# Writers to the SQLite store take turns on one lock, and every statement releases the GIL while
# SQLite works. Under load the thread holding the lock then waits a full switch interval (5 ms by
# default) for the GIL each time, while every other writer waits for it: 1 ms keeps that convoy
# short (benchmarks/README.md, "Slack answer latency").
sys.setswitchinterval(0.001)
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _get() -> tuple[Services, SlackRequestHandler]:
    with _lock:
        if "handler" not in _state:
            services = build_services()
            if not services.settings.slack_signing_secret:
                raise RuntimeError("HTTP mode needs SLACK_SIGNING_SECRET")
            _state["services"] = services
            _state["handler"] = SlackRequestHandler(
                create_app(services, hand_off_group=os.getppid())
            )
            services.warm_up()
        return _state["services"], _state["handler"]


def _json(start_response: Any, status: str, doc: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(doc).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def healthz(services: Services) -> tuple[str, dict[str, Any]]:
    """Ready when the store answers; reports the list version (no secrets)."""

    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        st = list_status(services.engine, services.settings)
    except Exception as exc:  # the store is down: not healthy
        return "503 Service Unavailable", {"ok": False, "error": type(exc).__name__}
    return "200 OK", {"ok": True, "list_version": st.version, "list_problem": st.problem}


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    services, handler = _get()
    path = environ.get("PATH_INFO", "")
    if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
        status, doc = healthz(services)
        return _json(start_response, status, doc)
    return handler(environ, start_response)
