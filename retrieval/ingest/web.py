"""Fetching feeds and pages over HTTP, within limits.

Only ``http``/``https``; at most ``MAX_REDIRECTS`` redirects, each checked
again; a timeout per request; and the body read in chunks and dropped as soon
as it passes ``max_bytes``, so a huge or endless response costs nothing but
the limit. Conditional GET: a fetch may carry the ETag / Last-Modified of the
previous one and get "not modified" back.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

MAX_PAGE_BYTES = 5_000_000
MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 20.0
_REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "Pasokh/0.1 (news question answering; +https://t.me)"


class FetchError(Exception):
    """The URL could not be fetched; ``kind`` is bad_url, too_large, http or network."""

    def __init__(self, kind: str, url: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {url}" + (f" ({detail})" if detail else ""))
        self.kind, self.url, self.detail = kind, url, detail


@dataclass(frozen=True)
class Fetched:
    """A response body (None when the server said "not modified") and its caching headers."""

    url: str  # after redirects
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          max_bytes: int = MAX_PAGE_BYTES, timeout: float = TIMEOUT_SECONDS) -> Fetched:
    """GET ``url`` within the limits above; raises ``FetchError``."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with httpx.Client(timeout=timeout, follow_redirects=False, headers=headers) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_scheme(url)
            try:
                with client.stream("GET", url) as response:
                    if response.status_code == 304:  # (httpx counts 304 among its "redirects")
                        return Fetched(url, None, etag, last_modified, "")
                    if response.status_code in _REDIRECTS and response.headers.get("location"):
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchError("http", url, f"HTTP {response.status_code}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError("too_large", url, f"{declared} bytes")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise FetchError("too_large", url, f"over {max_bytes} bytes")
                    return Fetched(url, bytes(body), response.headers.get("etag"),
                                   response.headers.get("last-modified"),
                                   response.headers.get("content-type", ""))
            except httpx.HTTPError as error:
                raise FetchError("network", url, type(error).__name__ + (f": {error}" if str(error) else "")) from None
    raise FetchError("http", url, f"more than {MAX_REDIRECTS} redirects")


def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise FetchError("bad_url", url, "only http and https")
