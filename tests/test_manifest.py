"""manifest.json asks for exactly the scopes and events the code uses."""

from __future__ import annotations

import json
import re

from handlers.messages import MESSAGE_CHANNEL_TYPES
from tests.conftest import REPO

# Web API methods the code may call → the bot scope each needs (None: no scope needed).
METHOD_SCOPES: dict[str, str | None] = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "chat_getPermalink": None,
    "views_publish": None,
    "views_open": None,
    "views_update": None,
    "reactions_add": "reactions:write",
    "conversations_open": "im:write",
    "files_upload_v2": "files:write",
    "files_info": "files:read",
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",  # (groups:/im:history in those, also granted)
    "users_info": "users:read",
    "auth_test": None,
}
# Events a listener subscribes to → the scope Slack requires for it.
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_home_opened": None,
    "file_shared": "files:read",
    "function_executed": None,
}


def _code() -> str:
    return "\n".join(
        p.read_text()
        for d in ("bot", "handlers")
        for p in (REPO / d).rglob("*.py")
        if "localslack" not in p.parts
    )


def used_methods() -> set[str]:
    return set(re.findall(r"client\.([a-z]+_[A-Za-z0-9_]+)\(", _code()))


def subscribed_events() -> set[str]:
    handlers = "\n".join(p.read_text() for p in (REPO / "handlers").glob("*.py"))
    events = set(re.findall(r'app\.event\("([a-z_]+)"\)', handlers))
    if "app.function(" in handlers:
        events.add("function_executed")  # Bolt's function listeners subscribe to it
    if "message" in events:
        events.remove("message")
        events |= {f"message.{t}" for t in MESSAGE_CHANNEL_TYPES}
    return events


def test_every_method_the_code_calls_is_known():
    assert used_methods() <= set(METHOD_SCOPES), used_methods() - set(METHOD_SCOPES)


def test_events_match_the_listeners():
    manifest = json.loads((REPO / "manifest.json").read_text())
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == subscribed_events()


def test_scopes_are_exactly_those_needed():
    manifest = json.loads((REPO / "manifest.json").read_text())
    needed = {METHOD_SCOPES[m] for m in used_methods()} | {
        EVENT_SCOPES[e] for e in subscribed_events()
    }
    handlers = "\n".join(p.read_text() for p in (REPO / "handlers").glob("*.py"))
    if 'app.command("/canweship")' in handlers or "app.message_shortcut(" in handlers:
        needed.add("commands")  # slash commands and shortcuts both need it
    if "url_private_download" in handlers:
        needed.add("files:read")  # downloading a shared file with the bot token
    needed.discard(None)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_the_slash_command_is_declared():
    manifest = json.loads((REPO / "manifest.json").read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/canweship"]


def test_the_message_shortcut_is_declared_with_the_listeners_callback_id():
    from handlers.shortcuts import SHORTCUT

    manifest = json.loads((REPO / "manifest.json").read_text())
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", SHORTCUT)
    assert shortcut["name"] == "Screen with canweship"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_the_workflow_step_is_declared_with_the_inputs_and_outputs_the_code_uses():
    import inspect

    from handlers import workflow

    manifest = json.loads((REPO / "manifest.json").read_text())
    step = manifest["functions"][workflow.FUNCTION]
    assert step["title"] == "Screen a party"
    inputs = step["input_parameters"]
    assert set(inputs["properties"]) == {"party_name", "country", "item"}
    assert inputs["required"] == ["party_name"]
    outputs = step["output_parameters"]["properties"]
    source = inspect.getsource(workflow)
    assert set(outputs) == {"verdict", "summary", "case_link"}
    assert all(f'"{name}"' in source for name in [*inputs["properties"], *outputs])
    # Custom steps run by this app's own server need these two settings.
    assert manifest["settings"]["function_runtime"] == "remote"
    assert manifest["settings"]["org_deploy_enabled"] is True
