"""What the fake Web API recorded: each `Call` as the bot sent it, and the messages users saw.

Kept apart from the server so renderers and benchmarks can read recordings (`GET /_calls` from
another process) without importing the HTTP machinery.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

POSTING_METHODS = ("chat.postMessage", "chat.postEphemeral", "response_url")


@dataclass(frozen=True)
class Call:
    """One request the fake received, as the bot sent it (`params` are not decoded further)."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when Slack would have accepted the call (no fault, no `ok: false`)."""
        return self.status == 200 and self.response.get("ok", False) is True

    @property
    def error(self) -> str | None:
        return self.response.get("error")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        return cls(**data)


@dataclass(frozen=True)
class PostedMessage:
    """A message the bot made visible to a user, with form-encoded `blocks` already decoded."""

    method: str
    channel: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    ts: str | None = None
    user: str | None = None  # recipient of an ephemeral message
    response_type: str | None = None  # response_url posts: "ephemeral" or "in_channel"
    replace_original: bool = False
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_call(cls, call: Call) -> PostedMessage:
        """The message a posting `call` made visible, read from its params and Slack's answer."""
        p = call.params
        return cls(
            method=call.method,
            channel=p.get("channel") or call.response.get("channel"),
            text=p.get("text"),
            blocks=decode_json_field(p.get("blocks")),
            thread_ts=p.get("thread_ts") or None,
            ts=call.response.get("ts") or call.response.get("message_ts"),
            user=p.get("user"),
            response_type=p.get("response_type"),
            replace_original=_truthy(p.get("replace_original")),
            params=p,
        )


def decode_json_field(value: Any) -> Any:
    """Form bodies carry `blocks`/`view`/`files` as JSON text; JSON bodies carry them as objects."""
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))
