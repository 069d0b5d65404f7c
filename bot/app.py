"""The Bolt app factory: one app for HTTP mode, Socket Mode and the local shell."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import handlers
from bot.services import Services
from bot.siblings import CountingExecutor, Siblings
from bot.webclient import KeepAliveWebClient

log = logging.getLogger(__name__)


def make_client(token: str | None, base_url: str) -> WebClient:
    """A Web API client that rides out rate limits and Slack's own hiccups."""
    return KeepAliveWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def create_app(
    services: Services,
    *,
    client: WebClient | None = None,
    signing_secret: str | None = None,
    process_before_response: bool = False,
    hand_off_group: int | None = None,
) -> App:
    """The app. With `hand_off_group` (the workers of one HTTP server; its main process id), a
    worker with more answers queued than a sibling passes new events to it (bot/siblings.py)."""
    settings = services.settings
    executor = CountingExecutor(LISTENER_THREADS) if hand_off_group is not None else None
    client = client or make_client(settings.slack_bot_token, settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=signing_secret or settings.slack_signing_secret or "",
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=process_before_response,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("slack_bolt"),
        listener_executor=executor,
    )

    def inject_services(context: BoltContext, next: Callable[[], Any]) -> Any:
        context["services"] = services
        if not isinstance(context.client, KeepAliveWebClient):
            # Bolt builds a plain WebClient per request; answer over kept-alive connections.
            context["client"] = KeepAliveWebClient.like(context.client)
        return next()

    app.use(inject_services)
    if hand_off_group is not None and executor is not None:
        try:
            siblings = Siblings(
                settings.data_dir / "run",
                hand_off_group,
                lambda data: _dispatch_handed_off(app, data),
            )
        except (OSError, RuntimeError) as exc:  # not Linux, a read-only data dir...
            log.warning("workers will not share the waiting (no hand-off): %s", exc)
        else:
            executor.on_change = siblings.publish
            app.use(_hand_off(siblings, executor))
    handlers.register(app)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error in a listener: %s", error, exc_info=error)

    return app


LISTENER_THREADS = 5  # Bolt's default
_HANDED_OFF = "x-canweship-handed-off"


def _hand_off(siblings: Siblings, executor: CountingExecutor) -> Callable[..., Any]:
    """Middleware: pass an event to a less busy sibling worker instead of queueing it here."""

    def hand_off(body: dict[str, Any], req: BoltRequest, next: Callable[[], Any]) -> Any:
        if body.get("type") != "event_callback" or _HANDED_OFF in req.headers:
            return next()
        target = siblings.idler(executor.pending)
        if target is None:
            return next()
        data = json.dumps({"headers": req.headers, "body": req.raw_body}).encode()
        if not siblings.send(target, data):
            return next()
        return BoltResponse(status=200, body="")

    return hand_off


def _dispatch_handed_off(app: App, data: bytes) -> None:
    """Run an event a sibling handed over through this app, Slack's signature checked again."""
    message = json.loads(data)
    headers = {**message["headers"], _HANDED_OFF: ["1"]}
    app.dispatch(BoltRequest(body=message["body"], headers=headers))
