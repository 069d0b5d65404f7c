"""Download a list with a conditional GET, retrying what is worth retrying.

Only the transport lives here: timeouts, HTTP status, cut connections, backoff. Whether the bytes
are a usable list is bot/upkeep/sync.py's question.
"""

from __future__ import annotations

import http.client
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
_RETRYABLE_HTTP = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 60.0  # seconds per connect / read
    retries: int = 3  # attempts after the first
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    max_bytes: int = 1 << 30


DEFAULT_FETCH = FetchOptions()


@dataclass
class Download:
    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1


class FetchError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: FetchOptions = FetchOptions(),
    sleep: Callable[[float], None] = time.sleep,
) -> Download:
    """GET `url` conditionally, retrying transient failures; FetchError when it gives up."""
    for attempt in range(options.retries + 1):
        try:
            download = _fetch_once(url, etag, last_modified, options)
            download.attempts = attempt + 1
            return download
        except FetchError as exc:
            if not exc.retryable or attempt == options.retries:
                tries = f" after {attempt + 1} attempts" if attempt else ""
                raise FetchError(f"{exc}{tries}", retryable=exc.retryable) from exc
            delay = options.backoff * (2**attempt)
            log.warning("download of %s failed (%s); retrying in %.1fs", url, exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")


def _fetch_once(
    url: str, etag: str | None, last_modified: str | None, options: FetchOptions
) -> Download:
    headers = {"User-Agent": "canweship", "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=options.timeout) as response:
            body = response.read(options.max_bytes + 1)
            if len(body) > options.max_bytes:
                raise FetchError(f"{url}: larger than {options.max_bytes} bytes", retryable=False)
            expected = response.headers.get("Content-Length")
            if expected and expected.isdigit() and len(body) < int(expected):
                raise http.client.IncompleteRead(body, int(expected) - len(body))
            return Download(
                not_modified=False,
                body=body,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Download(
                not_modified=True,
                etag=exc.headers.get("ETag") or etag,
                last_modified=exc.headers.get("Last-Modified") or last_modified,
            )
        raise FetchError(
            f"{url}: HTTP {exc.code} {exc.reason}", retryable=exc.code in _RETRYABLE_HTTP
        ) from exc
    except http.client.IncompleteRead as exc:
        raise FetchError(
            f"{url}: connection closed after {len(exc.partial)} bytes (truncated)", retryable=True
        ) from exc
    except TimeoutError as exc:
        raise FetchError(f"{url}: timed out after {options.timeout:g}s", retryable=True) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(
                f"{url}: timed out after {options.timeout:g}s", retryable=True
            ) from exc
        raise FetchError(f"{url}: unreachable ({reason})", retryable=True) from exc
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise FetchError(f"{url}: connection failed ({exc})", retryable=True) from exc
