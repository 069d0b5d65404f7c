"""What the bot sent to the (fake) Slack Web API, as terminal text, with its buttons numbered.

The shell, `canweship tick` without a token and `canweship serve` in local mode all print what
would have appeared in Slack through this module, so a message looks the same wherever it is
tried. Rendering works call by call from the fake's log (not by comparing texts), so a reply that
happens to repeat an earlier one is printed again and an old reply is never printed twice.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from bot.localslack.recording import POSTING_METHODS, Call, PostedMessage, decode_json_field

LOCAL_MARK = "(local, not sent to Slack)"


@dataclass(frozen=True)
class ShownButton:
    """A button the shell printed, with what Slack would put in the `block_actions` payload."""

    number: int
    action_id: str
    value: str
    label: str
    block_id: str | None
    channel: str | None = None
    message: dict[str, Any] | None = None  # the message the button sits in
    view: dict[str, Any] | None = None  # or the Home tab / modal it sits in


@dataclass
class Renderer:
    """Renders messages and views, numbering their buttons from 1 for one batch of output.

    `numbered=False` where nothing can be clicked (a local tick prints and exits).
    """

    buttons: list[ShownButton] = field(default_factory=list)
    numbered: bool = True
    modal: dict[str, Any] | None = None  # the last modal opened, for the shell's `:submit`

    def blocks(
        self,
        blocks: list[dict[str, Any]],
        fallback: str,
        *,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
    ) -> str:
        """Block Kit as indented terminal text (mrkdwn entities decoded)."""

        def press(element: dict[str, Any], block: dict[str, Any]) -> str:
            label = element.get("text", {}).get("text", "")
            if element.get("type") != "button" or not self.numbered:
                return label
            shown = ShownButton(
                number=len(self.buttons) + 1,
                action_id=str(element.get("action_id", "")),
                value=str(element.get("value", "")),
                label=label,
                block_id=block.get("block_id"),
                channel=channel,
                message=message,
                view=view,
            )
            self.buttons.append(shown)
            return f"{shown.number}: {label}"

        lines: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "header":
                lines.append("== " + block["text"]["text"] + " ==")
            elif kind == "section":
                if block.get("text"):
                    lines.append(_unmrkdwn(block["text"]["text"]))
                accessory = block.get("accessory")
                if isinstance(accessory, dict) and accessory.get("type") == "button":
                    lines.append(f"[{press(accessory, block)}]")
            elif kind == "context":
                texts = (_unmrkdwn(e.get("text", "")) for e in block.get("elements", []))
                lines.append("  " + " ".join(texts))
            elif kind == "divider":
                lines.append("---")
            elif kind == "actions":
                labels = [press(e, block) for e in block.get("elements", [])]
                lines.append("[" + "] [".join(labels) + "]")
            elif kind == "input":
                label = block.get("label", {}).get("text", "")
                shown = initial_value(block.get("element") or {})
                optional = " (optional)" if block.get("optional") else ""
                lines.append(
                    f"[{block.get('block_id', '?')}] {label}{optional}: {shown or '(empty)'}"
                )
        if not lines:
            lines.append(_unmrkdwn(fallback))
        return "\n".join("  " + ln for text in lines for ln in text.splitlines())

    def message(self, posted: PostedMessage, *, channel: str | None = None) -> str:
        """A posted message with where it appeared; `channel` for response_url posts."""
        where = []
        if posted.method == "chat.postEphemeral" or posted.response_type == "ephemeral":
            where.append("only visible to you")
        if posted.method == "response_url":
            if posted.replace_original:
                where = ["replacing the message"]
            elif posted.response_type != "in_channel":
                where = ["only visible to you"]
        if posted.thread_ts:
            where.append("in thread")
        if posted.channel and posted.method != "response_url":
            where.insert(0, f"in {posted.channel}")
        label = f"canweship ({', '.join(where)})" if where else "canweship"
        target = channel or posted.channel
        message = {
            "type": "message",
            "ts": posted.ts,
            "text": posted.text or "",
            "blocks": posted.blocks or [],
            "user": "",
        }
        body = self.blocks(posted.blocks or [], posted.text or "", channel=target, message=message)
        return f"{label}:\n{body}"

    def call(self, call: Call) -> str | None:
        """One Web API call as the user would see its effect; None for calls nobody sees."""
        p = call.params
        if not call.ok:
            if call.method in (*POSTING_METHODS, "chat.update", "views.publish", "views.open"):
                return f"(Slack would have refused {call.method}: {call.error or call.status})"
            return None
        if call.method == "response_url" and str(p.get("delete_original")).lower() == "true":
            return "canweship (deleted the message)"
        if call.method in POSTING_METHODS:
            return self.message(PostedMessage.from_call(call))
        if call.method == "chat.update":
            update = PostedMessage.from_call(call)
            blocks = update.blocks or []
            message = {"type": "message", "ts": p.get("ts"), "text": update.text or ""}
            message["blocks"] = blocks
            body = self.blocks(blocks, update.text or "", channel=update.channel, message=message)
            return f"canweship (edited its message in {update.channel}):\n{body}"
        if call.method in ("views.publish", "views.open", "views.push", "views.update"):
            view = call.response.get("view") or decode_json_field(p.get("view")) or {}
            title = (view.get("title") or {}).get("text", "")
            head = "Home tab" if view.get("type") == "home" else f"modal “{title}”"
            body = self.blocks(view.get("blocks") or [], "", view=view)
            if view.get("type") == "modal":
                self.modal = view
            return f"canweship ({head}):\n{body}"
        if call.method == "files.completeUploadExternal":
            files = decode_json_field(p.get("files")) or []
            names = ", ".join(str(f.get("title") or f.get("id")) for f in files)
            comment = f" — {p['initial_comment']}" if p.get("initial_comment") else ""
            return f"canweship (file sent to {p.get('channel_id')}): {names}{comment}"
        return None


def initial_value(element: dict[str, Any]) -> str | None:
    """What an input shows before anyone types: its initial value, date or option."""
    option = element.get("initial_option") or {}
    return element.get("initial_value") or element.get("initial_date") or option.get("value")


def render_message(message: PostedMessage) -> str:
    """A posted message as the shell prints it (buttons numbered from 1)."""
    return Renderer().message(message)


def render_blocks(blocks: list[dict[str, Any]], fallback: str) -> str:
    """Block Kit as terminal text (buttons numbered from 1)."""
    return Renderer().blocks(blocks, fallback)


def _unmrkdwn(text: str) -> str:
    return html.unescape(text.replace("\u200d", ""))
