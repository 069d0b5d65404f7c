"""Customer files in Slack: a CSV or .xlsx shared in the bot's DM, or `/canweship screen-file`
on a file in a channel the bot is in, is screened row by row (bot/files does the work).

What the person sees, in the file's thread: a reply at once ("Reading customers.xlsx…"), edited
to "Screening 12,400 parties…" and then with progress at most every 2 s, and at the end the
results file (uploaded with Slack's current flow, `files.getUploadURLExternal` +
`files.completeUploadExternal`, via `files_upload_v2`) with the summary. A file that cannot be
screened turns that reply into one message naming the problem and the row; nothing else is
posted, and no results file is uploaded unless every row was screened.

Exactly once: a DM file share arrives twice (`message` with `files`, and `file_shared`) and Slack
may redeliver either, so each share is claimed in the store under one key (file, channel,
message) before anything is posted. Screening runs on a thread of its own (`JOBS`), so a 50,000-
row file never holds up the listeners that answer questions.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.answers.screener import Requester
from bot.files.screen import FileResult, screen_file
from bot.files.sheet import MAX_BYTES, BadFile
from bot.services import Services
from handlers.common import SORRY, services
from handlers.slashcmd import SlashCommand
from handlers.views import error_message, esc, section
from storage.events import claim_event

log = logging.getLogger(__name__)
Reply = tuple[str, list[dict[str, Any]]]

#: A share's claim outlives the longest screening (50,000 rows take minutes, not half an hour).
FILE_LEASE = timedelta(minutes=30)
PROGRESS_EVERY = 2.0  # seconds between edits of the progress message, at most
SCREENABLE = ("csv", "xlsx", "tsv", "text")
_FILE_ID = re.compile(r"\b(F[A-Z0-9]{6,})\b")


class Jobs:
    """File screenings in flight, each on its own daemon thread; `wait_idle` for the shell/tests."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._running = 0

    def start(self, work: Callable[[], None], name: str) -> None:
        with self._lock:
            self._running += 1

        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("a file screening failed")
            finally:
                with self._lock:
                    self._running -= 1
                    self._lock.notify_all()

        threading.Thread(target=run, name=f"file-{name}", daemon=True).start()

    def wait_idle(self, timeout: float = 600.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._running == 0, timeout=timeout)


JOBS = Jobs()


# ---- the job ---------------------------------------------------------------------------------


class _Progress:
    """The one reply in the thread: posted at once, edited at most every `PROGRESS_EVERY` s."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str | None) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.ts: str | None = None
        self._last = 0.0
        self.total = 0

    def post(self, text: str) -> None:
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=text, unfurl_links=False
        )
        self.channel = response.get("channel") or self.channel
        self.ts = response.get("ts")
        self._last = time.monotonic()

    def edit(
        self, text: str, blocks: list[dict[str, Any]] | None = None, force: bool = True
    ) -> None:
        """Edit the reply. Edits (and the post) are at least `PROGRESS_EVERY` apart: a
        progress edit that comes sooner is skipped; a forced one (the count, the end) waits."""
        if self.ts is None:
            return
        wait = PROGRESS_EVERY - (time.monotonic() - self._last)
        if wait > 0:
            if not force:
                return
            time.sleep(wait)
        self._last = time.monotonic()
        try:
            self.client.chat_update(
                channel=self.channel, ts=self.ts, text=text, blocks=blocks or []
            )
        except SlackApiError as exc:
            log.warning("could not edit the progress message: %s", exc.response.get("error"))

    def read(self, count: int) -> None:
        self.total = count
        self.edit(f"Screening {count:,} parties…")

    def step(self, done: int, total: int) -> None:
        if done < total:
            pct = 100 * done // max(total, 1)
            self.edit(f"Screening {total:,} parties… {done:,} done ({pct}%)", force=False)


def download(client: WebClient, file: dict[str, Any]) -> bytes:
    """The file's bytes, fetched with the bot token from `url_private_download`.

    The token goes only to Slack's own hosts (or the Web API client's host, e.g. the local fake):
    a file object pointing elsewhere is refused rather than handed the token.
    """
    url = file.get("url_private_download") or file.get("url_private") or ""
    host = urlsplit(url).hostname or ""
    api_host = urlsplit(client.base_url).hostname or ""
    if not (host == api_host or host.endswith((".slack.com", ".slack-gov.com"))):
        raise BadFile(f"{file.get('name') or 'the file'} is not stored on Slack; share it again")
    request = Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urlopen(request, timeout=60) as response:
            kind = response.headers.get("Content-Type") or ""
            data = response.read(MAX_BYTES + 1)
    except (HTTPError, URLError, TimeoutError, OSError) as exc:
        raise BadFile(f"{file.get('name') or 'the file'} could not be downloaded ({exc})") from exc
    if (
        kind.startswith("text/html")
        and data.lstrip()[:1] == b"<"
        and not str(file.get("name", "")).lower().endswith((".htm", ".html"))
    ):
        # Slack answers a request it will not serve with its sign-in page, status 200.
        raise BadFile(
            f"{file.get('name') or 'the file'} could not be downloaded: Slack refused the bot "
            "(is the files:read scope granted?)"
        )
    return data


def share_key(file_id: str, channel: str, ts: str | None) -> str:
    return f"file:{channel}:{file_id}:{ts or '-'}"


def screen_shared_file(
    svc: Services,
    client: WebClient,
    file: dict[str, Any],
    *,
    channel: str,
    thread_ts: str | None,
    user: str,
) -> None:
    """The whole job for one shared file, once per share (see the module docstring)."""
    key = share_key(str(file.get("id")), channel, thread_ts)
    try:
        if not claim_event(
            engine=svc.engine, event_id=key, owner=svc.instance_id, lease=FILE_LEASE
        ):
            log.info("file share %s already handled or in progress; skipping", key)
            return
    except SQLAlchemyError as exc:  # fail closed: nothing screened without the store
        log.error("cannot claim file share %s: %s", key, exc)
        return
    name = str(file.get("name") or file.get("title") or "the file")
    progress = _Progress(client, channel, thread_ts)
    try:
        progress.post(f"Reading {esc(name)}…")
    except SlackApiError as exc:
        log.error("cannot reply to file %s: %s", key, exc.response.get("error"))
        svc.completions.add(key)
        return
    try:
        result = _screen(svc, client, file, name, progress, channel, thread_ts, user)
        _deliver(client, progress, result, channel, thread_ts)
    except BadFile as exc:
        progress.edit(*_refusal(str(exc)))
    except Exception:
        log.exception("screening file %s failed", key)
        progress.edit(*error_message(SORRY + " No results were posted; rely on none of them."))
    svc.completions.add(key)


def _screen(
    svc: Services,
    client: WebClient,
    file: dict[str, Any],
    name: str,
    progress: _Progress,
    channel: str,
    thread_ts: str | None,
    user: str,
) -> FileResult:
    if int(file.get("size") or 0) > MAX_BYTES:
        raise BadFile(
            f"{name} is {int(file['size']) / 1e6:.0f} MB; the most I screen from one file is "
            f"{MAX_BYTES // (1024 * 1024)} MB (50,000 rows)"
        )
    data = download(client, file)
    return screen_file(
        svc.screener,
        name,
        data,
        Requester(user=user, kind="slack", channel=channel, thread_ts=thread_ts),
        progress=progress.step,
        on_read=progress.read,
    )


def _deliver(
    client: WebClient,
    progress: _Progress,
    result: FileResult,
    channel: str,
    thread_ts: str | None,
) -> None:
    """Upload the results with the summary; only then say it is done."""
    summary = result.summary()
    try:
        client.files_upload_v2(
            channel=progress.channel or channel,
            thread_ts=thread_ts,
            content=result.content,
            filename=result.filename,
            title=f"canweship results: {result.source_name}",
            initial_comment=esc(summary),  # names from the file must not ping or link
        )
    except SlackApiError as exc:
        progress.edit(
            *error_message(
                f"{result.source_name} was screened, but the results could not be uploaded "
                f"({exc.response.get('error')}), so nothing is posted. Send the file again."
            )
        )
        return
    done = esc(
        f"Screened {result.screened:,} parties from {result.source_name} in "
        f"{result.seconds:.0f} s: results below."
    )
    progress.edit(done, [section(done)])


def _refusal(problem: str) -> Reply:
    text = esc(f"I could not screen this file: {problem}. Nothing was screened.")
    return text, [section(f":warning: {text}")]


# ---- DMs: `message` with files, and `file_shared` ---------------------------------------------


def _screenable(file: dict[str, Any]) -> bool:
    if file.get("mode") in ("tombstone", "hidden_by_limit"):
        return False
    kind = str(file.get("filetype") or "").lower()
    name = str(file.get("name") or "").lower()
    return kind in SCREENABLE or name.endswith((".csv", ".xlsx", ".tsv", ".txt"))


def on_dm_files(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A `message` in the bot's DM carrying files (subtype `file_share`)."""
    svc = services(context)
    channel, user, ts = event.get("channel") or "", event.get("user") or "", event.get("ts")
    for file in event.get("files") or []:
        if file.get("file_access") == "check_file_info" or not file.get("url_private_download"):
            file = _file_info(client, str(file.get("id"))) or file
        _start(svc, client, file, channel=channel, thread_ts=ts, user=user)


def on_file_shared(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """`file_shared`: Slack sends it beside the DM `message`; both lead to one screening."""
    channel = event.get("channel_id") or ""
    if not channel.startswith("D"):
        return  # in channels, files are screened on request (`/canweship screen-file`)
    if event.get("user_id") in (context.bot_user_id, None, ""):
        return  # the bot's own results file: Bolt does not drop self events of this shape
    file = _file_info(client, str(event.get("file_id") or (event.get("file") or {}).get("id")))
    if file is None:
        return
    ts = _share_ts(file, channel)
    _start(
        services(context),
        client,
        file,
        channel=channel,
        thread_ts=ts,
        user=event.get("user_id") or "",
    )


def _start(
    svc: Services,
    client: WebClient,
    file: dict[str, Any],
    *,
    channel: str,
    thread_ts: str | None,
    user: str,
) -> None:
    if file.get("user") and file.get("user") == client_bot_user(svc, client):
        return  # never screen what the bot uploaded itself
    if not _screenable(file):
        # Still one reply per share, and only once.
        key = share_key(str(file.get("id")), channel, thread_ts) + ":kind"
        if claim_event(engine=svc.engine, event_id=key, owner=svc.instance_id, lease=FILE_LEASE):
            text, blocks = _refusal(
                f"{file.get('name') or 'the file'} is not a CSV or Excel (.xlsx) file; send the "
                "list as .csv or .xlsx"
            )
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
        return
    JOBS.start(
        lambda: screen_shared_file(
            svc, client, file, channel=channel, thread_ts=thread_ts, user=user
        ),
        str(file.get("id")),
    )


_BOT_USERS: dict[str, str] = {}


def client_bot_user(svc: Services, client: WebClient) -> str | None:
    """The bot's own user id (auth.test, once per token)."""
    token = client.token or ""
    if token not in _BOT_USERS:
        try:
            _BOT_USERS[token] = str(client.auth_test().get("user_id") or "")
        except SlackApiError:
            return None
    return _BOT_USERS[token] or None


def _file_info(client: WebClient, file_id: str) -> dict[str, Any] | None:
    try:
        return client.files_info(file=file_id).get("file")
    except SlackApiError as exc:
        log.warning("files.info %s failed: %s", file_id, exc.response.get("error"))
        return None


def _share_ts(file: dict[str, Any], channel: str) -> str | None:
    """The ts of the newest message that shared `file` in `channel` (from files.info)."""
    shares = file.get("shares") or {}
    found = [
        s.get("ts")
        for kind in ("public", "private")
        for s in (shares.get(kind) or {}).get(channel, [])
        if s.get("ts")
    ]
    return max(found, key=float) if found else None


# ---- `/canweship screen-file [FILE]` in a channel ----------------------------------------------


def screen_file_cmd(cmd: SlashCommand, command: dict[str, Any], context: BoltContext) -> Reply:
    """Screen a file shared in this channel: the one named (its id or link), else the latest."""
    svc = services(context)
    client: WebClient = context.client
    channel = command.get("channel_id") or ""
    named = _FILE_ID.search(cmd.rest)
    if named:
        file = _file_info(client, named.group(1))
        ts = _share_ts(file, channel) if file else None
        if file is None or ts is None:
            return error_message(
                "I can't see that file in this channel. Share it here (with me in the channel) "
                "and run `/canweship screen-file` again."
            )
    else:
        found = _latest_file(client, channel)
        if found is None:
            return error_message(
                "I found no CSV or Excel file among the recent messages here. Share the file in "
                "this channel (invite me first), then run `/canweship screen-file`."
            )
        file, ts = found
    if not _screenable(file):
        return error_message(
            f"{file.get('name') or 'That file'} is not a CSV or Excel (.xlsx) file."
        )
    _start(svc, client, file, channel=channel, thread_ts=ts, user=command.get("user_id") or "")
    return (
        f"Screening {esc(str(file.get('name')))}: I'll reply in its thread.",
        [section(f"Screening *{esc(str(file.get('name')))}*: I'll reply in its thread.")],
    )


def _latest_file(client: WebClient, channel: str) -> tuple[dict[str, Any], str] | None:
    try:
        history = client.conversations_history(channel=channel, limit=50)
    except SlackApiError as exc:
        log.warning("conversations.history %s failed: %s", channel, exc.response.get("error"))
        return None
    for message in history.get("messages") or []:
        for file in message.get("files") or []:
            if _screenable(file):
                if not file.get("url_private_download"):
                    file = _file_info(client, str(file.get("id"))) or file
                return file, str(message.get("ts"))
    return None


SUBCOMMANDS = {"screen-file": screen_file_cmd}


def needs_admin(name: str, cmd: SlashCommand) -> str | None:
    return None  # screening reads; anyone may


def register(app: App) -> None:
    app.event("file_shared")(on_file_shared)
