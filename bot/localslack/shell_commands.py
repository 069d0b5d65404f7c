"""The shell's `:` commands that send Slack payloads: `:say`, `:click`, `:home`, `:submit`,
`:upload` (share a file) and `:shortcut` (the message shortcut on a message).

Each builds the payload Slack itself would send (a plain channel `message`, a `block_actions`
click, an `app_home_opened` event) with the wire builders, so the listeners met in the shell are
the ones met in Slack. Parsing is here, dispatching stays in bot/localslack/shell.py.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

from bot.localslack import wire
from bot.localslack.render import ShownButton, initial_value

HELP = """Type a question as you would in a DM, e.g.  can we ship routers to Huawei in Shenzhen?
  /canweship ...      a slash command, e.g.  /canweship screen Hikvision --country CN
  :as U123            act as another Slack user (admins are set by CANWESHIP_ADMINS)
  :in C456            post in a channel (mentioning the bot); ':in dm' goes back to the DM
  :say #C456 TEXT     a plain message in channel C456, no mention: what a watched channel sees
                      (license announcements); in a channel, ':say TEXT' uses that channel
  :click N            press button N of what was shown last (buttons print as [N: label])
  :home               open the Home tab
  :upload FILE        share a CSV or .xlsx file: in the DM it is screened at once; in a
                      channel (':in C456') it is shared there, for /canweship screen-file
  :shortcut TEXT      use "Screen with canweship" on a message saying TEXT (here)
  :tick               run what the scheduler runs each tick: post review cases, outcomes, alerts
  :submit [f=v ...]   submit the modal shown last, inputs as shown unless given (f: [field])
  :help               this list
  :quit               leave (also :q, :exit, or end of input)"""

_CHANNEL = re.compile(r"#?([CG][A-Z0-9]{2,})")


_TYPED_REFERENCE = re.compile(r"(?<![<\w])([#@])([CGUW][A-Z0-9]{2,})\b")


def as_slack_client_sends(text: str) -> str:
    """`#C456` and `@U123` typed in the shell become `<#C456|c456>` and `<@U123>`.

    That is what Slack's client sends when a channel or person is picked from autocomplete (and
    what slash commands receive with `should_escape`, as in manifest.json); handlers read ids from
    those escapes, so without this `/canweship watch #C456` could not be tried.
    """

    def escape(found: re.Match[str]) -> str:
        sigil, ref = found.group(1), found.group(2)
        if sigil == "#" and ref[0] in "CG":
            return f"<#{ref}|{ref.lower()}>"
        if sigil == "@" and ref[0] in "UW":
            return f"<@{ref}>"
        return found.group(0)

    return _TYPED_REFERENCE.sub(escape, text)


class ShellUsage(ValueError):
    """A `:` command typed wrong; the message is the one line to print."""


def parse_say(arg: str, current: str | None) -> tuple[str, str]:
    """`#C456 TEXT` (or `TEXT` while `:in` a channel) → (channel, text)."""
    first, _, rest = arg.strip().partition(" ")
    found = _CHANNEL.fullmatch(first)
    if found:
        channel, text = found.group(1), rest.strip()
    elif current:
        channel, text = current, arg.strip()
    else:
        raise ShellUsage("usage: :say #C456 TEXT (a channel id, then the message)")
    if not text:
        raise ShellUsage(f"usage: :say #{channel} TEXT (the message is missing)")
    return channel, text


def say(channel: str, text: str, *, user: str, secret: str) -> tuple[wire.Body, wire.Headers]:
    """A plain `message` event in `channel` (not an app_mention)."""
    event = wire.channel_message(as_slack_client_sends(text), user=user, channel=channel)
    return wire.event_callback(event, secret=secret)


def read_upload(arg: str) -> tuple[str, bytes]:
    """`:upload FILE` → (file name, bytes); ShellUsage when there is no such file."""
    path = Path(os.path.expanduser(arg.strip().strip("\"'")))
    if not arg.strip():
        raise ShellUsage("usage: :upload FILE (a .csv or .xlsx file on this machine)")
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise ShellUsage(f"cannot read {path}: {exc.strerror or exc}") from None


def upload(
    fake: Any, name: str, content: bytes, *, user: str, channel: str, secret: str
) -> list[tuple[wire.Body, wire.Headers]]:
    """What Slack sends when `user` drops a file in `channel`: the `message` (subtype
    file_share) and, in the bot's DM, the `file_shared` event. The file is kept by the fake,
    which serves its download to the bot."""
    ts = wire.next_ts()
    file = fake.add_file(name, content, channel=channel, user=user, ts=ts)
    message = wire.file_share_message([file], user=user, channel=channel, ts=ts)
    payloads = [wire.event_callback(message, secret=secret)]
    if channel.startswith("D"):
        payloads.append(
            wire.event_callback(wire.file_shared(file["id"], user, channel), secret=secret)
        )
    return payloads


def shortcut(
    text: str, *, user: str, channel: str, secret: str, response_url: str
) -> tuple[wire.Body, wire.Headers]:
    """The message shortcut used on a message saying `text` (posted by `user` in `channel`)."""
    message = (
        wire.message_im(as_slack_client_sends(text), user=user, channel=channel)
        if channel.startswith("D")
        else wire.channel_message(as_slack_client_sends(text), user=user, channel=channel)
    )
    return wire.message_action(
        "screen_with_canweship",
        message,
        secret=secret,
        user_id=user,
        channel_id=channel,
        response_url=response_url,
    )


def pick(arg: str, shown: list[ShownButton]) -> ShownButton:
    """The button `:click N` means; ShellUsage says what can be clicked instead."""
    if not shown:
        raise ShellUsage("nothing to click: the last reply had no buttons")
    choices = f"1–{len(shown)}" if len(shown) > 1 else "1"
    if not re.fullmatch(r"\d{1,4}", arg.strip()) or not 1 <= int(arg) <= len(shown):
        raise ShellUsage(f"usage: :click N with N {choices} (the buttons shown last)")
    return shown[int(arg) - 1]


def click(
    button: ShownButton, *, user: str, secret: str, response_url: str
) -> tuple[wire.Body, wire.Headers]:
    """The `block_actions` payload Slack sends when `button` is pressed.

    In a message Slack sends the message, its channel and a `response_url`; in a view (Home tab,
    modal) it sends the view and no `response_url`.
    """
    action = wire.button(
        button.action_id, button.value, block_id=button.block_id, text=button.label
    )
    if button.view is not None:
        return wire.block_actions([action], secret=secret, user_id=user, view=button.view)
    message = dict(button.message or {})
    message["ts"] = message.get("ts") or wire.next_ts()
    message["user"] = wire.BOT_USER_ID
    return wire.block_actions(
        [action],
        secret=secret,
        user_id=user,
        channel_id=button.channel or wire.DM_CHANNEL_ID,
        message=message,
        response_url=response_url,
    )


def home(*, user: str, secret: str) -> tuple[wire.Body, wire.Headers]:
    """The user opens the app's Home tab."""
    # The bot's DM with a user is its Home; the fake names it "D" + the user id's tail.
    event = wire.app_home_opened(user=user, channel="D" + user[1:])
    return wire.event_callback(event, secret=secret)


def submit(
    view: dict[str, Any], arg: str, *, user: str, secret: str
) -> tuple[wire.Body, wire.Headers]:
    """The `view_submission` for the modal shown last: its inputs as shown, `block=value` changed.

    Slack's client will not submit an empty required input, and neither does this: ShellUsage
    names it. Unknown field names are refused rather than ignored, so a typo cannot pass unseen.
    """
    try:
        words = shlex.split(arg)
    except ValueError as exc:
        raise ShellUsage(f"usage: :submit field=value ... ({exc})") from None
    inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
    names = ", ".join(str(b.get("block_id")) for b in inputs) or "none"
    given: dict[str, str] = {}
    for word in words:
        name, eq, value = word.partition("=")
        if not eq or name not in {b.get("block_id") for b in inputs}:
            raise ShellUsage(f"usage: :submit field=value ... with fields {names}")
        given[name] = value
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in inputs:
        element = block.get("element") or {}
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        value = given.get(block_id, initial_value(element))
        if not value and not block.get("optional"):
            raise ShellUsage(f"“{block_id}” is required: :submit {block_id}=...")
        values[block_id] = {action_id: _state(element, value or None)}
    return wire.view_submission(
        str(view.get("callback_id", "")),
        values,
        secret=secret,
        user_id=user,
        private_metadata=str(view.get("private_metadata", "")),
        view_id=view.get("id"),
        blocks=view.get("blocks"),
    )


def _state(element: dict[str, Any], value: str | None) -> dict[str, Any]:
    """Slack's typed state of one input element holding `value`."""
    kind = element.get("type", "plain_text_input")
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "static_select":
        options = {o.get("value"): o for o in element.get("options") or []}
        if value is not None and value not in options:
            raise ShellUsage(f"pick one of: {', '.join(str(v) for v in options)}")
        return {"type": kind, "selected_option": options.get(value)}
    return {"type": kind, "value": value}
