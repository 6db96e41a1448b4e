"""The image's gunicorn (config/gunicorn.py): with several worker processes, /metrics counts
the requests of all of them, whichever worker answers the scrape."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.gunicorn_server import gunicorn

pytestmark = pytest.mark.django_db


def test_metrics_add_up_every_gunicorn_worker(tmp_path):
    with gunicorn(tmp_path, GUNICORN_WORKERS="2", GUNICORN_THREADS="1") as base:
        pids = set()
        for _ in range(12):  # a new connection each: the two workers share them
            answer = httpx.get(base + "/api/v1/sys/ping", headers={"Connection": "close"})
            assert answer.status_code == 200
        for path in (tmp_path / "metrics").glob("histogram_*.db"):
            pids.add(path.stem.rsplit("_", 1)[-1])
        text = httpx.get(base + "/metrics", timeout=10).text
    match = re.search(
        r'platform_http_request_duration_seconds_count\{method="GET",route="/api/v1/sys/ping",'
        r'status="200"\} (\S+)',
        text,
    )
    assert match and float(match.group(1)) == 12
    assert pids, "the workers kept their metrics in PROMETHEUS_MULTIPROC_DIR"
