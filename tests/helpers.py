"""Test helpers shared by modules: a canweship app driven by signed Slack payloads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from bot.localslack import wire
from bot.localslack.fake_api import Call, FakeSlackAPI
from bot.runtime.app import create_app
from bot.services import Services


class SlackDriver:
    """The app built on `svc`, talking to `fake`: sends signed slash commands, clicks, channel
    messages and modal submissions, each as `user` unless told, and returns what came back."""

    def __init__(
        self,
        svc: Services,
        fake: FakeSlackAPI,
        *,
        secret: str,
        user: str,
        channel: str | None = None,
        token: str = "xoxb-test",
        trigger_id: str | None = None,
    ) -> None:
        self.svc = svc
        self.fake = fake
        self.secret = secret
        self.user = user
        self.channel = channel
        self.trigger_id = trigger_id
        self.app = create_app(
            svc,
            client=WebClient(token=token, base_url=fake.url),
            signing_secret=secret,
            process_before_response=True,
        )

    def dispatch(self, payload: tuple[str, dict[str, str]]) -> BoltResponse:
        """Dispatch a built (body, headers) payload; Bolt must accept it (200)."""
        body, headers = payload
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        assert response.status == 200, response.body
        return response

    def command(self, text: str, user: str | None = None) -> str:
        """`/canweship text`: the one reply posted to its response_url."""
        self.fake.clear()
        self.dispatch(
            wire.slash_command(
                "/canweship",
                text,
                secret=self.secret,
                user_id=user or self.user,
                response_url=self.fake.response_url("c"),
            )
        )
        (reply,) = self.fake.calls("response_url")
        return reply.params["text"]

    def click(self, action_id: str, value: str, user: str | None = None) -> list[Call]:
        """Click a button in `channel`: every Slack call the click made."""
        self.fake.clear()
        self.dispatch(
            wire.block_actions(
                [wire.button(action_id, value)],
                secret=self.secret,
                user_id=user or self.user,
                channel_id=self.channel,
                response_url=self.fake.response_url("b"),
                trigger_id=self.trigger_id,
            )
        )
        return self.fake.calls()

    def say(
        self,
        text: str,
        *,
        channel: str | None = None,
        user: str = "U0ANNOUNCER",
        ts: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """Post `text` in a channel (`channel` unless told): the message event sent."""
        where = channel or self.channel or wire.CHANNEL_ID
        event = wire.channel_message(text, user=user, channel=where, ts=ts)
        self.dispatch(wire.event_callback(event, secret=self.secret, event_id=event_id))
        return event

    def submit(
        self,
        callback_id: str,
        values: dict[str, Any],
        metadata: str = "",
        user: str | None = None,
    ) -> tuple[BoltResponse, list[Call]]:
        """Submit a modal: Bolt's response (not checked: a refusal is a 200 with errors, or not)
        and every Slack call the submission made."""
        self.fake.clear()
        body, headers = wire.view_submission(
            callback_id,
            values,
            secret=self.secret,
            user_id=user or self.user,
            private_metadata=metadata,
        )
        return self.app.dispatch(BoltRequest(body=body, headers=headers)), self.fake.calls()


def bot_process_env(
    database_url: str, tmp_path: Path, fake: FakeSlackAPI, **settings: str
) -> dict[str, str]:
    """The environment of a `canweship serve` process under test: this one's without Slack,
    CANWESHIP_ or DATABASE settings, then the store, data folder, the fake Web API, one web
    worker, and `settings` (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, CANWESHIP_...)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "CANWESHIP_", "DATABASE"))
    }
    env.update(
        DATABASE_URL=database_url,
        CANWESHIP_DATA_DIR=str(tmp_path / "data"),
        SLACK_API_URL=fake.url,
        WEB_CONCURRENCY="1",
        **settings,
    )
    return env
