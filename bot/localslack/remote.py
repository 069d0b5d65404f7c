"""Talk to a standalone fake (`python -m bot.localslack.fake_api`) from another process."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import quote

from bot.localslack.recording import Call


def fetch_calls(root: str, method: str | None = None, timeout: float = 5.0) -> list[Call]:
    """Read a standalone fake's calls over HTTP (`root`: `http://host:port` or its `/api/` url)."""
    url = root.removesuffix("/").removesuffix("/api") + "/_calls"
    if method:
        url += f"?method={quote(method)}"
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return [Call.from_json(item) for item in json.loads(resp.read())]


def reset_remote(root: str, timeout: float = 5.0) -> None:
    """Clear a standalone fake's calls and faults between benchmark runs."""
    url = root.removesuffix("/").removesuffix("/api") + "/_reset"
    request = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=timeout):
        pass
