"""Start every demo fake on its fixed local port (for `make run`): each fake module exposes
`build_demo_server(port)`. The demo settings point the clients at these ports unless the
environment names real services."""

from __future__ import annotations

import importlib
import importlib.util
import time

DEMO_FAKES = {
    "fakes.provider": 8701,  # external SOCKS5 provider
    "fakes.vk": 8702,  # VK API
    "fakes.telegram": 8703,  # t.me post widgets
    "fakes.github": 8704,  # GitHub OAuth
    "fakes.socks5": 8705,  # SOCKS5 endpoint of the fleet's demo proxies
}


def main() -> None:
    servers = []
    for module_name, port in DEMO_FAKES.items():
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        servers.append(module.build_demo_server(port).start())
        print(f"fake {module_name} on 127.0.0.1:{port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
