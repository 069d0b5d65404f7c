"""The fake's file upload flow: files.getUploadURLExternal, the upload POST, completeUploadExternal.

A mixin of `FakeSlackAPI`, apart from the other methods because the flow spans three requests and
keeps its own state (`_uploads`, read back by `FakeSlackAPI.uploads()`).
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
    _changed: threading.Condition
    _uploads: dict[str, dict[str, Any]]
    root: str  # the server's http://host:port, a property of FakeSlackAPI

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
            if upload is not None:
                upload["data"] = params["data"]
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
