"""Start every demo fake for `make run`, each on DEMO_PORT_BASE + its offset (default 8700):

    provider +1, VK +2, t.me +3, GitHub +4, SOCKS5 endpoint of the fleet's proxies +5,
    Telegram Bot API +6

    python -m fakes.demo            # start them all (stops at Ctrl-C)
    python -m fakes.demo --wait 30 --pid N  # wait until they all listen (bin/run-all); gives
                                            # up at once if process N (the fakes) has exited

Every port is checked before any fake starts: one in use stops the demo with a message naming
the port, the fake and the variable to change, instead of a traceback. The demo settings
(config/settings/dev.py) point the clients at the same ports (`demo_port`).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import socket
import sys
import time

from config.settings.env import env_int

DEFAULT_BASE = 8700
# module -> (offset from DEMO_PORT_BASE, what it stands for)
DEMO_FAKES = {
    "fakes.provider": (1, "SOCKS5 proxy provider"),
    "fakes.vk": (2, "VK API"),
    "fakes.telegram": (3, "t.me post widgets"),
    "fakes.github": (4, "GitHub OAuth"),
    "fakes.socks5": (5, "SOCKS5 endpoint of the fleet's demo proxies"),
    "fakes.botapi": (6, "Telegram Bot API (the proxy shop's bot)"),
}


def demo_port_base() -> int:
    return env_int("DEMO_PORT_BASE", DEFAULT_BASE)


def demo_port(module_name: str) -> int:
    return demo_port_base() + DEMO_FAKES[module_name][0]


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def collisions() -> list[str]:
    """A line for each demo port in use, naming the way out."""
    base = demo_port_base()
    out = []
    for offset, what in DEMO_FAKES.values():
        port = base + offset
        if not port_free(port):
            out.append(
                f"port {port} ({what}, DEMO_PORT_BASE+{offset}) is in use: start the demo with "
                f"another base, e.g. DEMO_PORT_BASE={base + 1000} make run"
            )
    return out


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_listening(timeout: float, pid: int | None = None) -> bool:
    deadline = time.monotonic() + timeout
    pending = {demo_port(name) for name in DEMO_FAKES}
    while pending and time.monotonic() < deadline and _alive(pid):
        for port in list(pending):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                pending.discard(port)
            except OSError:
                pass
        if pending:
            time.sleep(0.2)
    return not pending


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, metavar="SECONDS", help="wait until all listen")
    parser.add_argument("--pid", type=int, help="with --wait: the fakes' process")
    args = parser.parse_args(argv)
    if args.wait is not None:
        if wait_listening(args.wait, args.pid):
            return 0
        if _alive(args.pid):
            print(f"the demo fakes did not listen within {args.wait:.0f}s", file=sys.stderr)
        return 1
    problems = collisions()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    servers = []
    for module_name in DEMO_FAKES:
        module = importlib.import_module(module_name)
        servers.append(module.build_demo_server(demo_port(module_name)).start())
        print(f"fake {module_name} on 127.0.0.1:{demo_port(module_name)}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
