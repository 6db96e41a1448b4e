"""Shared by the benchmarks: a dedicated database, and the app under gunicorn (2 workers)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def setup_env(db_name: str, redis_db: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {db_name}"],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {db_name}"],
        check=True,
    )
    subprocess.run(
        ["redis-cli", "-n", str(redis_db), "flushdb"], check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(
        self,
        env: dict,
        workers: int = 2,
        threads: int = 4,
        app: str = "config.wsgi:application",
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        # The image's gunicorn settings (config/gunicorn.py: no forwarded header believed,
        # request limits, multi-process metrics in a directory of this run's own).
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-metrics-")}
        self.proc = subprocess.Popen(
            [
                gunicorn,
                app,
                "-c",
                "config/gunicorn.py",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                httpx.get(self.url + "/api/v1/sys/ping", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def load(
    url: str,
    *,
    headers: dict | None = None,
    requests: int = 3000,
    concurrency: int = 8,
    method: str = "GET",
    body_fn=None,
) -> dict:
    """Send `requests` requests from `concurrency` keep-alive clients; return rate and latency."""
    per_worker = requests // concurrency
    latencies: list[float] = []
    errors = 0

    def worker(index: int) -> None:
        nonlocal errors
        with httpx.Client(headers=headers, timeout=30) as client:
            for n in range(per_worker):
                started = time.perf_counter()
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.request(method, url, json=body_fn(index, n))
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": per_worker * concurrency,
        "rps": per_worker * concurrency / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }
