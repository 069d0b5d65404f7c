"""`canweship run`, `serve` and `shell`: the ways to start the bot."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli.common import UsageError
from bot.config import Settings

FIXTURE = "storage/fixtures/demo_csl.json"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser(
        "run",
        help="the bot: Socket Mode with SLACK_APP_TOKEN, HTTP with SLACK_SIGNING_SECRET, "
        "else the local shell",
    )
    run.set_defaults(handler=cmd_run)
    serve = sub.add_parser(
        "serve",
        help="HTTP mode on /slack/events (+ GET /healthz), granian; without SLACK_BOT_TOKEN, "
        "local mode (replies printed, not sent to Slack)",
    )
    serve.add_argument("--port", type=int, help="default $PORT or 3000")
    serve.add_argument("--host", help="default 0.0.0.0; 127.0.0.1 in local mode (no token)")
    serve.add_argument("--workers", type=int, help="default $WEB_CONCURRENCY or 2")
    serve.set_defaults(handler=cmd_serve)
    shell = sub.add_parser("shell", help="try the bot locally: typed lines become Slack payloads")
    shell.set_defaults(handler=cmd_shell)


def _require(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, n.lower())]
    if missing:
        raise UsageError(f"{' and '.join(missing)} must be set for this mode (see .env.example)")


def cmd_serve(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.cli.local import prepare_local_serve, serve_mode
    from bot.runtime.store import open_runtime

    settings = Settings.from_env()
    mode = serve_mode(settings)
    if mode == "real":
        _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    else:  # no token: a local fake Web API, a signing secret still required (bot/cli/local.py)
        os.environ.update(prepare_local_serve(settings, mode))
    # A local run answers only this machine unless told otherwise: it is for trying, not serving.
    host = args.host or ("0.0.0.0" if mode == "real" else "127.0.0.1")
    open_runtime(settings)  # migrate once here, not in every worker
    port = args.port or settings.port
    workers = args.workers or settings.web_concurrency
    # granian: a production HTTP server written in Rust, running the WSGI app on a pool of
    # blocking threads per worker process. It parses and answers HTTP outside the GIL, which
    # leaves more of each core to the bot than a Python server (benchmarks/README.md).
    argv = [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(settings.web_threads),
        "--no-ws",
        "--respawn-failed-workers",
        "--workers-kill-timeout", "20",
        "--access-log" if settings.access_log else "--no-access-log",
        "bot.runtime.wsgi:application",
    ]  # fmt: skip
    # Each worker builds the name index before it accepts traffic (bot/runtime/wsgi.py).
    os.environ["CANWESHIP_WARM_ON_IMPORT"] = "1"
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def cmd_shell(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.localslack.shell import run_shell
    from bot.runtime.wiring import build_services

    services = build_services()
    _load_demo_if_empty(services)
    return run_shell(services)


def _load_demo_if_empty(services) -> None:  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from pathlib import Path

    from bot.screening.normalize import NORMALIZER_VERSION, normalize_name
    from storage.db import session_scope
    from storage.importer import apply_list, current_snapshot, load_list

    with session_scope(services.engine) as session:
        if current_snapshot(session) is not None:
            return
    fixture = Path(__file__).resolve().parents[2] / FIXTURE
    normalize, version = normalize_name, NORMALIZER_VERSION
    apply_list(
        engine=services.engine,
        parsed=load_list(str(fixture)),
        origin=str(fixture),
        normalize=normalize,
        normalizer_version=version,
        actor="system",
    )
    print(
        "The store was empty, so the bundled demo list was loaded (11 real public entries: "
        "Huawei, Hikvision, Dahua, ZTE Kangxun and a few others). It is NOT a screening list: "
        "load the official one with `canweship import <file or URL>`.",
        file=sys.stderr,
    )


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.slack_app_token:
        _require(settings, "SLACK_BOT_TOKEN")
        return _socket_mode(settings)
    if settings.slack_signing_secret:
        return cmd_serve(argparse.Namespace(port=None, host=None, workers=None))
    print(
        f"No Slack credentials set: starting the local shell on the store at "
        f"{_location(settings)}. Set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or "
        "SLACK_SIGNING_SECRET (HTTP mode) to connect to Slack.",
        file=sys.stderr,
    )
    return cmd_shell(args)


def _location(settings: Settings) -> str:
    # (lazy: a command loads only what it runs)
    from storage.db import describe_location

    return describe_location(settings.database_url)


def _socket_mode(settings: Settings) -> int:
    # (lazy: a command loads only what it runs)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime.app import create_app
    from bot.runtime.wiring import build_services

    services = build_services(settings)
    services.screener.cache.beside = True  # a new list: no question waits for its index
    services.warm()  # the name index is built before Slack sends the first question
    app = create_app(services)
    if settings.alert_channel:
        # This process ticks reminders too; claims keep delivery exactly-once alongside others.
        from bot.runtime.scheduler import build_scheduler
        from handlers.reminders import SlackNotifier

        notifier = SlackNotifier(app.client, settings.timezone)
        build_scheduler(services, notifier, blocking=False).start()
    else:
        print(
            "CANWESHIP_ALERT_CHANNEL is not set: this process will not post reminders.",
            file=sys.stderr,
        )
    # (lazy: a command loads only what it runs)
    import signal

    from bot.runtime import intake

    intake.serve(services, app.client)  # the sweeper, and the graceful stop at exit

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)  # stop receiving, finish or give back what is held
    handler = SocketModeHandler(app, settings.slack_app_token)
    try:
        handler.start()
    finally:
        handler.close()
    return 0
