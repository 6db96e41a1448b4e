"""`manage.py grpcserve` as make run and docker compose start it: two processes on one port
(SO_REUSEPORT), both answering, SIGTERM stopping both gracefully; and its health service
following a PostgreSQL of the test's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest
from django.conf import settings
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.processes import PostgresCluster, free_port

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Grpcserve:
    def __init__(self, *, processes: int, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "grpcserve",
                "--addr",
                f"127.0.0.1:{self.port}",
                "--processes",
                str(processes),
                "--max-workers",
                "4",
            ],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "REDIS_URL": settings.REDIS_URL,
                **(env or {}),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(
            target=lambda: self.lines.extend(self.process.stdout), daemon=True
        )
        self.reader.start()
        deadline = time.monotonic() + 60
        while sum("gRPC serving" in line for line in self.lines) < processes:
            assert self.process.poll() is None and time.monotonic() < deadline, self.lines
            time.sleep(0.1)

    def health(self, service: str = "") -> int:
        with grpc.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            request = health_pb2.HealthCheckRequest(service=service)
            return health_pb2_grpc.HealthStub(channel).Check(request, timeout=10).status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.mark.django_db  # the servers' health check reads the test database
def test_two_processes_share_the_port_and_stop_on_sigterm():
    server = Grpcserve(processes=2)
    try:
        pids = {line.rsplit("pid ", 1)[1].strip(" )\n") for line in server.lines}
        assert len(pids) == 2  # two processes, one port
        assert server.health("conveer.AccountService") == SERVING
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0
        server.reader.join(5)
        assert sum(line.startswith("gRPC stopped") for line in server.lines) == 2, server.lines
    finally:
        server.kill()


def test_health_turns_not_serving_while_postgresql_is_down():
    cluster = PostgresCluster()
    cluster.start()
    server = None
    try:
        server = Grpcserve(
            processes=1,
            env={"DATABASE_URL": cluster.url("postgres"), "GRPC_HEALTH_INTERVAL": "0.2"},
        )
        assert server.health() == SERVING

        def wait_for(status: int) -> None:
            deadline = time.monotonic() + 15
            while server.health("conveer.ProxyService") != status:
                assert time.monotonic() < deadline, f"never {status}"
                time.sleep(0.1)

        cluster.stop()
        wait_for(NOT_SERVING)
        cluster.start()
        wait_for(SERVING)
    finally:
        if server is not None:
            server.kill()
        cluster.remove()
