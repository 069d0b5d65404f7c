"""The fake's files: the upload flow (files.getUploadURLExternal, the upload POST,
files.completeUploadExternal), files a user shared (`add_file`, files.info, the
`url_private_download` GET) and the channel history that shows them (conversations.history).

A mixin of `FakeSlackAPI`, apart from the other methods because the flows span several requests
and keep their own state (`_uploads`, read back by `FakeSlackAPI.uploads()`; `_shared`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.localslack import envelopes
from bot.localslack.recording import decode_json_field


class FileUploads:
    """Slack's external upload: get a URL, POST the bytes there, then complete (share) the file."""

    bot_user_id: str
    team_id: str
    _changed: threading.Condition
    _uploads: dict[str, dict[str, Any]]
    _shared: dict[str, tuple[dict[str, Any], bytes]]
    root: str  # the server's http://host:port, a property of FakeSlackAPI

    # ---- files people share with the bot --------------------------------------------------

    def add_file(
        self,
        name: str,
        content: bytes,
        *,
        channel: str,
        user: str = envelopes.USER_ID,
        ts: str | None = None,
        filetype: str | None = None,
    ) -> dict[str, Any]:
        """A file `user` shared in `channel` (message `ts`): Slack's file object, as events and
        files.info carry it. Its `url_private_download` serves `content` to the bot's token."""
        file_id = envelopes.new_id("F")
        ts = ts or envelopes.next_ts()
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "text"
        kind = filetype or {"txt": "text"}.get(ext, ext)
        mimetypes = {
            "csv": "text/csv",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        base = f"{self.root}/files-pri/{self.team_id}-{file_id}"
        share_kind = "public" if channel.startswith("C") else "private"
        file = {
            "id": file_id,
            "created": int(float(ts)),
            "timestamp": int(float(ts)),
            "name": name,
            "title": name,
            "mimetype": mimetypes.get(kind, "application/octet-stream"),
            "filetype": kind,
            "pretty_type": kind.upper(),
            "user": user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": share_kind == "public",
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "permalink": f"https://{envelopes.TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{name}",
            "channels": [channel] if channel.startswith("C") else [],
            "groups": [channel] if channel.startswith("G") else [],
            "ims": [channel] if channel.startswith("D") else [],
            "shares": {
                share_kind: {
                    channel: [
                        {
                            "reply_users": [],
                            "reply_users_count": 0,
                            "reply_count": 0,
                            "ts": ts,
                            "channel_name": channel.lower(),
                            "team_id": self.team_id,
                        }
                    ]
                }
            },
            "has_rich_preview": False,
            "file_access": "visible",
        }
        with self._changed:
            self._shared[file_id] = (file, content)
        return dict(file)

    def _files_info(self, p: dict[str, Any]) -> dict[str, Any]:
        with self._changed:
            found = self._shared.get(str(p.get("file", "")))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": dict(found[0]), "comments": [], "response_metadata": {}}

    def download(self, file_id: str, token: str | None) -> tuple[int, dict[str, str], Any]:
        """GET url_private_download. Without a bot token Slack serves its sign-in page (200,
        HTML), not an error: a bot that forgets the token must notice by the content."""
        with self._changed:
            found = self._shared.get(file_id)
        if not (token or "").startswith("xoxb-"):
            page = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in</body>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        if found is None:
            return 404, {"Content-Type": "text/plain"}, b"file not found"
        file, content = found
        return 200, {"Content-Type": str(file["mimetype"])}, content

    def _file_shares(self, p: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: the messages that shared files in the channel, newest first."""
        channel = str(p.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self._changed:
            shared = [f for f, _ in self._shared.values()]
        messages = []
        for file in shared:
            for kind in ("public", "private"):
                for share in file["shares"].get(kind, {}).get(channel, []):
                    messages.append(
                        {
                            "type": "message",
                            "subtype": "file_share",
                            "text": "",
                            "user": file["user"],
                            "ts": share["ts"],
                            "files": [dict(file)],
                            "upload": True,
                        }
                    )
        messages.sort(key=lambda m: -float(m["ts"]))
        limit = int(p.get("limit") or 100)
        return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit}

    # ---- the upload flow -------------------------------------------------------------------

    def _get_upload_url(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not p.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = envelopes.new_id("F")
        with self._changed:
            self._uploads[file_id] = {
                "id": file_id,
                "filename": p["filename"],
                "length": int(p["length"]),
                "data": None,
            }
        return {"ok": True, "upload_url": f"{self.root}/upload/v1/{file_id}", "file_id": file_id}

    def _receive_upload(self, params: dict[str, Any]) -> str:
        with self._changed:
            upload = self._uploads.get(params["file_id"])
            raw = params.pop("raw", b"")
            if upload is not None:
                upload["data"] = params["data"]
                upload["raw"] = raw
        return f"OK - {params['size']}"

    def _complete_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        files = decode_json_field(p.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        with self._changed:
            for item in files:
                upload = self._uploads.get(str(item.get("id")))
                if upload is None or upload["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
                title = item.get("title") or upload["filename"]
                upload.update(
                    completed=True,
                    title=title,
                    channel=p.get("channel_id"),
                    thread_ts=p.get("thread_ts"),
                    initial_comment=p.get("initial_comment"),
                )
                done.append(
                    {
                        "id": upload["id"],
                        "name": upload["filename"],
                        "title": title,
                        "size": len(upload["data"]),
                        "user": self.bot_user_id,
                        "created": int(time.time()),
                    }
                )
        return {"ok": True, "files": done}
