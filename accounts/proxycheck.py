"""The one network client of the fleet's proxy checks: TCP connect plus the SOCKS5 greeting
(RFC 1928) and username/password sub-negotiation (RFC 1929), each step under a timeout.

HTTP(S) proxies get the TCP connect only. Nothing is relayed through the proxy.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

SOCKS_VERSION = 5
NO_AUTH = 0x00
USER_PASS = 0x02
NO_ACCEPTABLE = 0xFF


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    latency_ms: int | None
    error: str = ""


class ProbeError(Exception):
    pass


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ProbeError("the proxy closed the connection")
        data += chunk
    return data


def _socks5_handshake(sock: socket.socket, username: str, password: str) -> None:
    methods = [NO_AUTH, USER_PASS] if username else [NO_AUTH]
    sock.sendall(bytes([SOCKS_VERSION, len(methods), *methods]))
    version, method = _recv_exact(sock, 2)
    if version != SOCKS_VERSION:
        raise ProbeError(f"not a SOCKS5 server (version byte {version})")
    if method == NO_ACCEPTABLE:
        raise ProbeError("no acceptable authentication method")
    if method == USER_PASS:
        if not username:
            raise ProbeError("the proxy wants a username and password")
        user, pwd = username.encode()[:255], password.encode()[:255]
        sock.sendall(bytes([1, len(user)]) + user + bytes([len(pwd)]) + pwd)
        _sub_version, status = _recv_exact(sock, 2)
        if status != 0:
            raise ProbeError("authentication refused")
    elif method != NO_AUTH:
        raise ProbeError(f"unsupported authentication method {method}")


def probe(
    *, host: str, port: int, protocol: str, username: str = "", password: str = "", timeout: float
) -> ProbeResult:
    """Connect and (for SOCKS5) complete the greeting; latency covers the whole exchange."""
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            if protocol == "socks5":
                _socks5_handshake(sock, username, password or "")
    except TimeoutError:
        return ProbeResult(False, None, f"timed out after {timeout:g}s")
    except ProbeError as exc:
        return ProbeResult(False, None, str(exc))
    except OSError as exc:
        return ProbeResult(False, None, (exc.strerror or str(exc))[:200])
    except UnicodeError:  # a stored name IDNA cannot encode: never resolvable
        return ProbeResult(False, None, "the host name is not valid")
    return ProbeResult(True, max(1, round((time.monotonic() - started) * 1000)))
