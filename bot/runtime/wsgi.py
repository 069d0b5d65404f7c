"""WSGI entry point for HTTP mode (`canweship serve`, Procfile `web:`).

Routes: POST /slack/events (signature verified by Bolt), GET /healthz. Anything else is 404.

Under `canweship serve` each worker builds its services and the name index of the list in use
when granian imports this module, before the worker accepts a connection (`WARM_ON_IMPORT`,
set by the serve command); if the store cannot be read then, the worker starts anyway and keeps
trying in the background, and `/healthz` answers 503 with the reason until it is ready.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.answers.screener import list_status
from bot.runtime import intake
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
log = logging.getLogger(__name__)
#: Set (to "1") by `canweship serve` for its granian workers: warm before accepting traffic.
WARM_ON_IMPORT = "CANWESHIP_WARM_ON_IMPORT"


def _get() -> tuple[Services, SlackRequestHandler]:
    with _lock:
        if "handler" not in _state:
            services = build_services()
            services.screener.cache.beside = True  # a new list: no question waits for its index
            if not services.settings.slack_signing_secret:
                raise RuntimeError("HTTP mode needs SLACK_SIGNING_SECRET")
            _state["services"] = services
            app = create_app(services, hand_off_group=os.getppid())
            _state["handler"] = SlackRequestHandler(app)
            _warm_or_keep_trying(services)
            if os.environ.get(WARM_ON_IMPORT) == "1":  # a served worker, not a test's import
                intake.serve(services, app.client)
        return _state["services"], _state["handler"]


def _warm_or_keep_trying(services: Services) -> None:
    """Build the index here and now; if the store cannot be read, keep trying in the
    background (`/healthz` says why it is not ready meanwhile)."""
    try:
        services.warm()
        return
    except Exception as exc:
        log.warning("cannot build the name index yet, retrying in the background: %s", exc)

    def retry() -> None:
        delay = 1.0
        while True:
            time.sleep(delay)
            try:
                services.warm()
                return
            except Exception as exc:
                log.warning("cannot build the name index yet: %s", exc)
                delay = min(delay * 2, 15.0)

    threading.Thread(target=retry, name="index-warm-up", daemon=True).start()


def _json(start_response: Any, status: str, doc: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(doc).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def healthz(services: Services) -> tuple[str, dict[str, Any]]:
    """Ready when the store answers and this process has built the index of the list in use
    (503 with the reason until then); reports the list version (no secrets)."""

    reason = services.readiness()
    if reason is not None:
        return "503 Service Unavailable", {"ok": False, "error": "not ready", "reason": reason}
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        st = list_status(services.engine, services.settings)
    except Exception as exc:  # the store is down: not healthy
        return "503 Service Unavailable", {
            "ok": False,
            "error": type(exc).__name__,
            "reason": "the store cannot be read",
        }
    return "200 OK", {"ok": True, "list_version": st.version, "list_problem": st.problem}


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
        try:
            services, _ = _get()
        except Exception as exc:  # could not even start (the store was down at start)
            reason = "not started: the store cannot be read (see the log)"  # no URLs or secrets
            doc = {"ok": False, "error": type(exc).__name__, "reason": reason}
            return _json(start_response, "503 Service Unavailable", doc)
        status, doc = healthz(services)
        return _json(start_response, status, doc)
    services, handler = _get()
    return handler(environ, start_response)


if os.environ.get(WARM_ON_IMPORT) == "1":
    # A granian worker imports this module before it accepts connections: build now.
    try:
        _get()
    except Exception as exc:  # e.g. the store is down: the first request tries again
        log.warning("could not start the app yet: %s", exc)
