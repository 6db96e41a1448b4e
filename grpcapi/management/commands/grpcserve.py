"""manage.py grpcserve [--addr HOST:PORT] [--processes N] [--max-workers N]"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from core.keyring import heartbeat_start


class Command(BaseCommand):
    help = (
        "Serve the fleet's gRPC services (package conveer), health and reflection on GRPC_ADDR "
        "and the per-service addresses. SIGTERM stops gracefully: streams end, calls in flight "
        "get GRPC_GRACE_SECONDS to finish."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="", help="listen address (default GRPC_ADDR)")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="server processes sharing the port(s) through SO_REUSEPORT",
        )
        parser.add_argument("--max-workers", type=int, default=0, help="threads per process")

    def handle(self, *args, **opts):
        if opts["processes"] > 1:
            return self._supervise(opts)
        from grpcapi.server import build

        connections.close_all()
        platform = build(addr=opts["addr"] or None, max_workers=opts["max_workers"] or None)
        stop = threading.Event()

        def on_signal(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        platform.start()
        heartbeat_start("grpc")  # its keys, for the key rotation's guard (core/keyring.py)
        where = ", ".join(f"{addr} (port {port})" for addr, port in platform.ports.items())
        tls = " with TLS" if settings.GRPC_TLS_CERT and settings.GRPC_TLS_KEY else ""
        self.stdout.write(f"gRPC serving on {where}{tls} (pid {os.getpid()})")
        self.stdout.flush()
        stop.wait()
        self.stdout.write("gRPC stopping: streams end, calls in flight finish")
        self.stdout.flush()
        platform.stop()
        self.stdout.write("gRPC stopped")

    def _supervise(self, opts) -> None:
        """N children of this command, each a whole server on the same port(s)."""
        argv = [sys.executable, sys.argv[0], "grpcserve", "--processes", "1"]
        if opts["addr"]:
            argv += ["--addr", opts["addr"]]
        if opts["max_workers"]:
            argv += ["--max-workers", str(opts["max_workers"])]
        children = [subprocess.Popen(argv) for _ in range(opts["processes"])]

        def forward(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        codes = [child.wait() for child in children]
        if any(codes):
            raise SystemExit(max(codes))
