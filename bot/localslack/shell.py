"""`canweship shell`: try the bot without a Slack workspace.

Each typed line becomes a real, signed Slack payload (a DM, a mention in a channel, a plain
channel message, a button click, the Home tab, or a `/canweship` slash command) dispatched to the
same Bolt app that serves Slack; its Web API client talks to a loopback fake that records the
calls, and what the bot would have posted is printed: each call once, in order, from the fake's
call log (bot/localslack/render.py).
"""

from __future__ import annotations

import json
import re
import secrets
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.localslack import shell_commands, wire
from bot.localslack.fake_api import FakeSlackAPI
from bot.localslack.render import Renderer, ShownButton
from bot.localslack.shell_commands import HELP, ShellUsage
from bot.runtime.app import create_app
from bot.services import Services
from bot.upkeep.sync import list_upkeep
from handlers.files import JOBS
from handlers.list_alerts import SlackAlertNotifier


class LocalShell:
    def __init__(self, services: Services, out: TextIO) -> None:
        self.services = services
        self.out = out
        self.fake = FakeSlackAPI().start()
        self.secret = secrets.token_hex(16)
        client = WebClient(token="xoxb-local-shell", base_url=self.fake.url)
        self.client = client
        self.app = create_app(
            services, client=client, signing_secret=self.secret, process_before_response=True
        )
        self.user = wire.USER_ID
        self.channel: str | None = None  # None: the DM with the bot
        # Everything in the fake's call log before this position has been printed: output is
        # tracked by position, never by text, so a reply equal to an earlier one still shows.
        self.shown_calls = 0
        self.buttons: list[ShownButton] = []  # of the last output, for `:click N`
        self.modal: dict[str, Any] | None = None  # the modal open now, for `:submit`
        self._responses = 0

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
        command, _, arg = line.partition(" ")
        try:
            if command == ":help":
                self._print(HELP)
            elif command == ":as":
                self._act_as(arg.strip())
            elif command == ":in":
                self._go_to(arg.strip().lstrip("#"))
            elif command == ":say":
                channel, text = shell_commands.parse_say(arg, self.channel)
                self._send(shell_commands.say(channel, text, user=self.user, secret=self.secret))
            elif command == ":click":
                button = shell_commands.pick(arg, self.buttons)
                url = self._response_url(button.channel)
                payload = shell_commands.click(
                    button, user=self.user, secret=self.secret, response_url=url
                )
                self._send(payload, channel=button.channel)
            elif command == ":home":
                self._send(shell_commands.home(user=self.user, secret=self.secret))
            elif command == ":upload":
                self._upload(arg)
            elif command == ":shortcut":
                if not arg.strip():
                    raise ShellUsage("usage: :shortcut TEXT (the message to screen)")
                channel = self.channel or self._dm()
                payload = shell_commands.shortcut(
                    arg,
                    user=self.user,
                    channel=channel,
                    secret=self.secret,
                    response_url=self._response_url(channel),
                )
                self._send(payload, channel=channel)
            elif command == ":tick":
                self._tick()
            elif command == ":submit":
                if self.modal is None:
                    raise ShellUsage("no modal is open: a button that opens one comes first")
                payload = shell_commands.submit(self.modal, arg, user=self.user, secret=self.secret)
                if not _refused(self._send(payload)):
                    self.modal = None  # accepted: Slack closes the modal
            elif line.startswith(":"):
                self._print(f"unknown shell command {command}; try :help")
            else:
                self._dispatch(line)
        except ShellUsage as exc:
            self._print(str(exc))
        return True

    def _tick(self) -> None:
        """One scheduler tick's list upkeep (review cases, outcomes, list alerts), posted to
        the fake and printed like any reply."""
        svc = self.services
        list_upkeep(
            engine=svc.engine,
            settings=svc.settings,
            screener=svc.screener,
            notifier=SlackAlertNotifier(self.client),
            owner=svc.instance_id,
        )
        renderer = Renderer()
        calls = self.fake.calls()
        new, self.shown_calls = calls[self.shown_calls :], len(calls)
        printed = [text for call in new if (text := renderer.call(call)) is not None]
        if not printed:
            self._print("(nothing to post)")
            return
        self.buttons = renderer.buttons
        for text in printed:
            self._print(text)

    def _dm(self) -> str:
        # The fake names the bot's DM with a user "D" + the user id's tail.
        return "D" + self.user[1:]

    def _upload(self, arg: str) -> None:
        """Share a file; in the DM, wait for its screening and print every step, then save the
        results file beside the store (the shell's stand-in for downloading it from Slack)."""
        name, content = shell_commands.read_upload(arg)
        channel = self.channel or self._dm()
        payloads = shell_commands.upload(
            self.fake, name, content, user=self.user, channel=channel, secret=self.secret
        )
        for payload in payloads[:-1]:
            self.app.dispatch(BoltRequest(body=payload[0], headers=payload[1]))
        if self.channel:
            self.app.dispatch(BoltRequest(body=payloads[-1][0], headers=payloads[-1][1]))
            self._print(f"(shared {name} in {channel}; /canweship screen-file screens it)")
        else:
            self._send(payloads[-1], channel=channel, wait=JOBS.wait_idle)

    def _act_as(self, who: str) -> None:
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", who):
            self._print("usage: :as U123 (a Slack user id)")
        else:
            self.user = who
            self._print(f"(now acting as {who})")

    def _go_to(self, where: str) -> None:
        if where.lower() in ("dm", "im", ""):
            self.channel = None
            self._print("(back in the DM with canweship)")
        elif re.fullmatch(r"[CG][A-Z0-9]{2,}", where):
            self.channel = where
            self._print(f"(now in channel {where}; lines mention @canweship)")
        else:
            self._print("usage: :in C456 (a channel id) or :in dm")

    def _response_url(self, channel: str | None) -> str:
        self._responses += 1
        return self.fake.response_url(f"shell-{self._responses}", channel=channel)

    def _dispatch(self, line: str) -> None:
        line = shell_commands.as_slack_client_sends(line)
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            channel = self.channel or wire.DM_CHANNEL_ID
            payload = wire.slash_command(
                command,
                text,
                secret=self.secret,
                user_id=self.user,
                channel_id=channel,
                response_url=self._response_url(channel),
            )
        elif self.channel:
            event = wire.app_mention(
                f"<@{wire.BOT_USER_ID}> {line}", user=self.user, channel=self.channel
            )
            payload = wire.event_callback(event, secret=self.secret)
        else:
            payload = wire.event_callback(wire.message_im(line, user=self.user), secret=self.secret)
        # A slash command may start a file screening in the background: print it whole.
        self._send(payload, channel=self.channel or wire.DM_CHANNEL_ID, wait=JOBS.wait_idle)

    def _send(
        self,
        payload: tuple[str, dict[str, str]],
        *,
        channel: str | None = None,
        wait: Any = None,
    ) -> str:
        """Dispatch, print what it caused; returns the app's HTTP answer body (the ack).
        `wait` blocks until work the listener started in the background (a file) is done."""
        body, headers = payload
        uploaded = len(self.fake.uploads())
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        if wait is not None:
            wait()
        renderer = Renderer()
        printed = []
        if response.status != 200:
            printed.append(f"(the app answered HTTP {response.status}: {response.body})")
        if response.body and response.body not in ("", "{}"):
            printed.extend(self._ack(renderer, response.body, channel))
        calls = self.fake.calls()
        new, self.shown_calls = calls[self.shown_calls :], len(calls)
        printed.extend(text for call in new if (text := renderer.call(call)) is not None)
        if not printed:
            self._print("(no reply)")
            return response.body  # the buttons shown before stay clickable
        self.buttons = renderer.buttons
        if renderer.modal is not None:
            self.modal = renderer.modal
        for text in printed:
            self._print(text)
        self._save(self.fake.uploads()[uploaded:])
        return response.body

    def _save(self, uploads: list[dict[str, Any]]) -> None:
        """Results files the bot uploaded, saved beside the store: the shell's stand-in for
        downloading them from Slack."""
        for done in uploads:
            folder = self.services.settings.data_dir / "shell-files"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / str(done["filename"])
            path.write_bytes(done.get("raw") or b"")
            self._print(f"(results saved to {path})")

    @staticmethod
    def _ack(renderer: Renderer, body: str, channel: str | None) -> list[str]:
        try:
            doc = json.loads(body)
        except ValueError:
            return []
        if isinstance(doc, dict) and doc.get("response_action") == "errors":
            errors = doc.get("errors") or {}
            return [
                "(the modal stays open: " + "; ".join(f"{k}: {v}" for k, v in errors.items()) + ")"
            ]
        if isinstance(doc, dict) and (doc.get("text") or doc.get("blocks")):
            blocks, text = doc.get("blocks") or [], doc.get("text") or ""
            return [renderer.blocks(blocks, text, channel=channel, message={"text": text})]
        return []

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, lines: Iterable[str], *, interactive: bool) -> None:
        if interactive:
            self._print("canweship local shell — :help for help, :quit to leave")
        for line in lines:
            if not self.handle(line):
                break


def _refused(ack_body: str) -> bool:
    """True when a view_submission's ack keeps the modal open with errors."""
    try:
        doc = json.loads(ack_body or "{}")
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("response_action") == "errors"


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
