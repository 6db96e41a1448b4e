"""A tiny SOCKS5 server on 127.0.0.1 for proxy health checks: it speaks the greeting (RFC 1928)
and username/password authentication (RFC 1929), then closes; nothing is relayed.

    server = FakeSocks5Server(username="u", password="p").start()
    server.users["u2"] = "p2"         # more accounts on the same endpoint
    server.port, server.connections
    server.mode = "refuse_auth"   # or "ok", "hang" (accept, never answer), "garbage"
    server.stop()
"""

from __future__ import annotations

import socket
import socketserver
import threading


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        fake: FakeSocks5Server = self.server.fake  # type: ignore[attr-defined]
        fake.connections += 1
        sock: socket.socket = self.request
        sock.settimeout(30)
        mode = fake.mode
        try:
            if mode == "hang":
                fake.release.wait(30)
                return
            head = sock.recv(2)
            if len(head) < 2:
                return
            if mode == "garbage":
                sock.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                return
            methods = sock.recv(head[1])
            wants_auth = bool(fake.users)
            if wants_auth and 0x02 not in methods:
                sock.sendall(b"\x05\xff")
                return
            if not wants_auth:
                sock.sendall(b"\x05\x00")
                return
            sock.sendall(b"\x05\x02")
            ver_ulen = sock.recv(2)
            user = sock.recv(ver_ulen[1]).decode()
            plen = sock.recv(1)[0]
            pwd = sock.recv(plen).decode()
            ok = mode != "refuse_auth" and user in fake.users and fake.users[user] == pwd
            sock.sendall(b"\x01\x00" if ok else b"\x01\x01")
        except OSError:
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeSocks5Server:
    def __init__(self, *, username: str = "", password: str = "", port: int = 0) -> None:
        self.username = username
        self.password = password
        self.users: dict[str, str] = {username: password} if username else {}
        self.mode = "ok"
        self.connections = 0
        self.release = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler, bind_and_activate=False)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> FakeSocks5Server:
        self._server.server_bind()
        self._server.server_activate()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


def build_demo_server(port: int) -> FakeSocks5Server:
    """The demo SOCKS5 endpoint (not started) of `accounts.demo`'s proxies: `demo` and `demo2`
    log in; `demo3` is refused on purpose, so the health job also shows a dead proxy."""
    server = FakeSocks5Server(username="demo", password="demo-pass", port=port)
    server.users["demo2"] = "demo-pass"
    return server
