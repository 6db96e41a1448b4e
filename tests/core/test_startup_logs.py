"""What the processes print under `make run` (DEBUG on, embedded): an ordinary 4xx is one line
without a traceback, a 500 keeps its one traceback, and starting Celery (worker and beat print
the broker's URL) gives no "No hostname was supplied" warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.test import RequestFactory
from config.celery import app

print("URI", app.connection_for_write().as_uri())
denied = response_for_exception(RequestFactory().get("/fleet/"), PermissionDenied())
print("STATUS", denied.status_code)
try:
    raise ValueError("boom")
except ValueError as exc:
    print("STATUS", response_for_exception(RequestFactory().get("/shop/"), exc).status_code)
"""


def run_embedded(tmp_path) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "RUN_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "testserver",
            "LOG_FORMAT": "json",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def log_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_a_403_logs_one_line_and_a_500_one_traceback(tmp_path):
    result = run_embedded(tmp_path)
    assert result.stdout.count("STATUS 403") == 1 and "STATUS 500" in result.stdout
    lines = log_lines(result.stderr)
    denied = [line for line in lines if "Forbidden (Permission denied): /fleet/" in line["event"]]
    failed = [line for line in lines if "Internal Server Error: /shop/" in line["event"]]
    assert len(denied) == 1 and len(failed) == 1, result.stderr
    assert "Traceback" not in json.dumps(denied[0])
    assert "Traceback (most recent call last)" in failed[0]["exception"]
    assert result.stderr.count("Traceback (most recent call last)") == 1


def test_the_embedded_broker_url_names_a_host(tmp_path):
    result = run_embedded(tmp_path)
    assert "No hostname was supplied" not in result.stderr, result.stderr
    assert "URI filesystem://" in result.stdout
