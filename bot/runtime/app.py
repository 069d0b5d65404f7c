"""The Bolt app factory: one app for HTTP mode, Socket Mode and the local shell."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import handlers
from bot.runtime import hand_off, intake
from bot.runtime.siblings import CountingExecutor
from bot.runtime.webclient import KeepAliveWebClient
from bot.services import Services

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
    worker with more answers queued than a sibling passes new events to it
    (bot/runtime/siblings.py)."""
    settings = services.settings
    # Bolt's own pool and size (5 threads), counted: its queue is what the hand-off balances.
    executor = CountingExecutor(5) if hand_off_group is not None else None
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
    intake.register(app, services)  # before the hand-off: the receiving worker writes it
    if hand_off_group is not None and executor is not None:
        hand_off.register(app, settings.data_dir / "run", hand_off_group, executor)
    handlers.register(app)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error in a listener: %s", error, exc_info=error)

    return app
