"""A small web server on 127.0.0.1 for the feed and page tests: routes set by the test, and a log.

Each route answers with a body (and its ETag, honouring ``If-None-Match``), a
status code, or a delay; the tests change routes while the server runs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0  # seconds before answering (a timeout test)
    fail_times: int = 0  # answer 500 this many times first


class WebServer:
    """``with WebServer() as web: web.routes["/feed.xml"] = Route(...); web.url("/feed.xml")``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str], int]] = []  # (path, headers, status answered)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                route = server.routes.get(self.path)
                status, body, headers = server._answer(route, self.headers.get("If-None-Match"))
                server.requests.append((self.path, dict(self.headers), status))
                if route and route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _answer(self, route: Route | None, if_none_match: str | None) -> tuple[int, bytes, dict[str, str]]:
        if route is None:
            return 404, b"not found", {}
        if route.fail_times > 0:
            route.fail_times -= 1
            return 500, b"server error", {}
        if route.status != 200:
            return route.status, route.body, {}
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        if if_none_match == etag:
            return 304, b"", {"ETag": etag}
        return 200, route.body, {"ETag": etag, "Content-Type": route.content_type}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def statuses(self, path: str) -> list[int]:
        return [status for p, _, status in self.requests if p == path]

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
