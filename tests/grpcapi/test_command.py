"""`manage.py grpcserve --processes 2` as make run and docker compose start it: two processes
on one port (SO_REUSEPORT), both answering, and SIGTERM stopping both gracefully."""

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

from tests.processes import free_port


@pytest.mark.django_db  # the servers' health check reads the test database
def test_two_processes_share_the_port_and_stop_on_sigterm():
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": settings.REDIS_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "grpcserve",
            "--addr",
            f"127.0.0.1:{port}",
            "--processes",
            "2",
            "--max-workers",
            "4",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while sum("gRPC serving" in line for line in lines) < 2:
            assert process.poll() is None and time.monotonic() < deadline, lines
            time.sleep(0.1)
        pids = {line.rsplit("pid ", 1)[1].strip(" )\n") for line in lines if "serving" in line}
        assert len(pids) == 2  # two processes, one port
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="conveer.AccountService"), timeout=10
            )
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        reader.join(5)
        assert sum(line.startswith("gRPC stopped") for line in lines) == 2, lines
    finally:
        if process.poll() is None:
            process.kill()
