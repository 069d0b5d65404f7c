"""`canweship shell`: try the bot without a Slack workspace.

Each typed line becomes a real, signed Slack payload (a DM, a mention in a channel, or a
`/canweship` slash command) dispatched to the same Bolt app that serves Slack; its Web API client
talks to a loopback fake that records the calls, and what the bot would have posted is printed.
"""

from __future__ import annotations

import html
import re
import secrets
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.app import create_app
from bot.localslack import wire
from bot.localslack.fake_api import FakeSlackAPI, PostedMessage
from bot.services import Services

HELP = """Type a question as you would in a DM, e.g.  can we ship routers to Huawei in Shenzhen?
  /canweship ...   a slash command, e.g.  /canweship screen Hikvision --country CN
  :as U123         act as another Slack user (admins are set by CANWESHIP_ADMINS)
  :in C456         post in a channel (mentioning the bot); ':in dm' goes back to the DM
  :help, :quit"""


class LocalShell:
    def __init__(self, services: Services, out: TextIO) -> None:
        self.services = services
        self.out = out
        self.fake = FakeSlackAPI().start()
        self.secret = secrets.token_hex(16)
        client = WebClient(token="xoxb-local-shell", base_url=self.fake.url)
        self.app = create_app(
            services, client=client, signing_secret=self.secret, process_before_response=True
        )
        self.user = wire.USER_ID
        self.channel: str | None = None  # None: the DM with the bot

    def close(self) -> None:
        self.fake.stop()

    def prompt(self) -> str:
        where = f"#{self.channel}" if self.channel else "DM"
        return f"{self.user} in {where}> "

    def handle(self, line: str) -> bool:
        """Process one line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":help":
            self._print(HELP)
            return True
        if line.startswith(":as"):
            who = line[3:].strip()
            if not re.fullmatch(r"[UW][A-Z0-9]{2,}", who):
                self._print("usage: :as U123 (a Slack user id)")
            else:
                self.user = who
                self._print(f"(now acting as {who})")
            return True
        if line.startswith(":in"):
            where = line[3:].strip().lstrip("#")
            if where.lower() in ("dm", "im", ""):
                self.channel = None
                self._print("(back in the DM with canweship)")
            elif re.fullmatch(r"[CG][A-Z0-9]{2,}", where):
                self.channel = where
                self._print(f"(now in channel {where}; lines mention @canweship)")
            else:
                self._print("usage: :in C456 (a channel id) or :in dm")
            return True
        if line.startswith(":"):
            self._print(f"unknown shell command {line.split()[0]}; try :help")
            return True
        self._dispatch(line)
        return True

    def _dispatch(self, line: str) -> None:
        seen = len(self.fake.calls())
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            body, headers = wire.slash_command(
                command,
                text,
                secret=self.secret,
                user_id=self.user,
                channel_id=self.channel or wire.DM_CHANNEL_ID,
                response_url=self.fake.response_url("shell"),
            )
        elif self.channel:
            event = wire.app_mention(
                f"<@{wire.BOT_USER_ID}> {line}", user=self.user, channel=self.channel
            )
            body, headers = wire.event_callback(event, secret=self.secret)
        else:
            event = wire.message_im(line, user=self.user)
            body, headers = wire.event_callback(event, secret=self.secret)
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        if response.status != 200:
            self._print(f"(the app answered HTTP {response.status}: {response.body})")
        if response.body and response.body not in ("", "{}"):
            self._print_ack(response.body)
        new = [c for c in self.fake.calls()[seen:] if c.ok]
        messages = [m for m in self.fake.posted_messages() if m.params in [c.params for c in new]]
        if not messages:
            self._print("(no reply)")
        for message in messages:
            self._print(render_message(message))

    def _print_ack(self, body: str) -> None:
        import json

        try:
            doc = json.loads(body)
        except ValueError:
            return
        if isinstance(doc, dict) and (doc.get("text") or doc.get("blocks")):
            self._print(render_blocks(doc.get("blocks") or [], doc.get("text") or ""))

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, lines: Iterable[str], *, interactive: bool) -> None:
        if interactive:
            self._print("canweship local shell — :help for help, :quit to leave")
        for line in lines:
            if not self.handle(line):
                break


def render_message(message: PostedMessage) -> str:
    where = []
    if message.method == "chat.postEphemeral" or message.response_type == "ephemeral":
        where.append("only visible to you")
    if message.method == "response_url" and message.response_type != "in_channel":
        where = ["only visible to you"]
    if message.thread_ts:
        where.append("in thread")
    if message.channel and message.method != "response_url":
        where.insert(0, f"in {message.channel}")
    label = f"canweship ({', '.join(where)})" if where else "canweship"
    return f"{label}:\n" + render_blocks(message.blocks or [], message.text or "")


def render_blocks(blocks: list[dict[str, Any]], fallback: str) -> str:
    """Block Kit as terminal text (mrkdwn entities decoded)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append("== " + block["text"]["text"] + " ==")
        elif kind == "section" and block.get("text"):
            lines.append(_unmrkdwn(block["text"]["text"]))
        elif kind == "context":
            lines.append(
                "  " + " ".join(_unmrkdwn(e.get("text", "")) for e in block.get("elements", []))
            )
        elif kind == "divider":
            lines.append("---")
        elif kind == "actions":
            labels = [e.get("text", {}).get("text", "") for e in block.get("elements", [])]
            lines.append("[" + "] [".join(labels) + "]")
    if not lines:
        lines.append(_unmrkdwn(fallback))
    return "\n".join("  " + ln for text in lines for ln in text.splitlines())


def _unmrkdwn(text: str) -> str:
    return html.unescape(text.replace("\u200d", ""))


def run_shell(services: Services, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    shell = LocalShell(services, out)
    interactive = stdin.isatty()
    try:
        if interactive:

            def lines() -> Iterable[str]:
                while True:
                    try:
                        yield input(shell.prompt())
                    except EOFError:
                        return

            shell.run(lines(), interactive=True)
        else:
            shell.run(stdin, interactive=False)
    finally:
        shell.close()
    return 0
