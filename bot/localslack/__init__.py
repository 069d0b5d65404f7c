"""A local stand-in for Slack: signed inbound payloads (`wire`), a recording Web API (`fake_api`).

One code path for tests, benchmarks and `canweship shell`: the shell types into `wire` builders,
dispatches to the real Bolt app, and prints what `FakeSlackAPI` recorded the bot posting.

`fake_api` is imported lazily so that `python -m bot.localslack.fake_api` does not find the module
already imported by its own package (runpy would warn and load it twice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.localslack import wire
from bot.localslack.recording import Call, PostedMessage

if TYPE_CHECKING:
    from bot.localslack.fake_api import FakeSlackAPI

__all__ = ["Call", "FakeSlackAPI", "PostedMessage", "wire"]


def __getattr__(name: str) -> Any:
    if name == "FakeSlackAPI":
        # (lazy, so that `python -m bot.localslack.fake_api` is not imported twice)
        from bot.localslack import fake_api

        return fake_api.FakeSlackAPI
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
