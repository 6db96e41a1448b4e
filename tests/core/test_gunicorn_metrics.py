"""The image's gunicorn (config/gunicorn.py): with several worker processes, /metrics counts
the requests of all of them, whichever worker answers the scrape."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_metrics_add_up_every_gunicorn_worker(tmp_path):
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/api/v1/health/live", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            assert server.poll() is None, "gunicorn exited"
            time.sleep(0.3)
        pids = set()
        for _ in range(12):  # a new connection each: the two workers share them
            answer = httpx.get(base + "/api/v1/sys/ping", headers={"Connection": "close"})
            assert answer.status_code == 200
        for path in (tmp_path / "metrics").glob("histogram_*.db"):
            pids.add(path.stem.rsplit("_", 1)[-1])
        text = httpx.get(base + "/metrics", timeout=10).text
    finally:
        server.terminate()
        server.wait(timeout=30)
    match = re.search(
        r'platform_http_request_duration_seconds_count\{method="GET",route="/api/v1/sys/ping",'
        r'status="200"\} (\S+)',
        text,
    )
    assert match and float(match.group(1)) == 12
    assert pids, "the workers kept their metrics in PROMETHEUS_MULTIPROC_DIR"
