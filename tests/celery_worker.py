"""A real `celery -A config worker` process on this test's database and Redis database, for
tests that kill a worker (SIGKILL) and start another."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def worker_process(**env_extra: str) -> subprocess.Popen:
    """Start a worker (solo pool: the task runs in the process a SIGKILL hits). `env_extra`
    sets environment variables, e.g. JOB_LOCK_TTL="2". It sends `worker_ready` like any
    worker started from the command line."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        **env_extra,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            f"--loglevel={os.environ.get('WORKER_LOGLEVEL', 'WARNING')}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["WORKER_LOG"], "ab")
        if os.environ.get("WORKER_LOG")
        else subprocess.DEVNULL,  # noqa: SIM115
    )


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill(process)


def wait_until(predicate: Callable[[], object], *, timeout: float, step: float = 0.1) -> float:
    """Poll `predicate` until true; returns the seconds it took. AssertionError on timeout."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not reached within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started
