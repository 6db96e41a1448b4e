"""A small threaded HTTP server driven by a route table, for fakes of outside services.

    server = FakeHTTPServer()
    server.route("GET", "/proxy", lambda req: FakeResponse.json({"proxies": [], "total": 0}))
    server.start()            # binds 127.0.0.1 on a free port
    server.url                # "http://127.0.0.1:PORT"
    server.requests           # every FakeRequest received, in order
    server.stop()

A handler gets a FakeRequest and returns a FakeResponse (or a dict/list, sent as JSON).
Route paths may end in "*" to match a prefix. `delay` on a response sleeps before answering
(to provoke client timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, overload
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @overload
    def arg(self, name: str, default: str) -> str: ...
    @overload
    def arg(self, name: str, default: None = None) -> str | None: ...
    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, data: Any, status: int = 200, **kwargs) -> FakeResponse:
        return cls(
            status, json.dumps(data).encode(), {"Content-Type": "application/json"}, **kwargs
        )

    @classmethod
    def text(
        cls, text: str, status: int = 200, content_type: str = "text/html; charset=utf-8", **kwargs
    ) -> FakeResponse:
        return cls(status, text.encode(), {"Content-Type": content_type}, **kwargs)


Handler = Callable[[FakeRequest], Any]


class FakeHTTPServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("fakes listen on the loopback interface only")
        self.host = host
        self.port = port
        self.routes: list[tuple[str, str, Handler]] = []
        self.requests: list[FakeRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def route(self, method: str, path: str, handler: Handler) -> None:
        # Newer routes win, so a test can override a default handler.
        self.routes.insert(0, (method.upper(), path, handler))

    def _find(self, method: str, path: str) -> Handler | None:
        for route_method, route_path, handler in self.routes:
            if route_method not in (method, "*"):
                continue
            if route_path.endswith("*") and path.startswith(route_path[:-1]):
                return handler
            if route_path == path:
                return handler
        return None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeHTTPServer:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = FakeRequest(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with fake._lock:
                    fake.requests.append(request)
                handler = fake._find(self.command, parts.path)
                if handler is None:
                    response = FakeResponse.json({"error": "not found"}, status=404)
                else:
                    try:
                        result = handler(request)
                    except Exception as exc:  # a broken fake must show up, not hang
                        result = FakeResponse.json({"error": repr(exc)}, status=500)
                    response = (
                        result if isinstance(result, FakeResponse) else FakeResponse.json(result)
                    )
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self._server = ThreadingHTTPServer((self.host, self.port), RequestHandler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_forever(self) -> None:
        """Run in the foreground (for `python -m fakes.<name>`)."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()
