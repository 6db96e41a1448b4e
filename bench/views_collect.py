"""Benchmark: push N VK links (default 10,000) through a real Celery worker against the fake
VK API (no latency, rate limit lifted) and print links/s, upstream calls and database queries.

Standalone: its own PostgreSQL database (`bench_viewstats`, created if missing, migrated here)
and Redis db 11 (only its own keys and its own queue, as another bench may use db 11 too), so
it never touches the demo's or the tests' data.

    .venv/bin/python bench/views_collect.py
    (BENCH_LINKS=10000 BENCH_CONCURRENCY=8 BENCH_CHUNK=1000 by default)

Links are submitted through the service the API calls, in requests of BENCH_CHUNK links (the
default per-request limit); the clock runs from the first submission to the last task done.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N = int(os.environ.get("BENCH_LINKS", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
# Links per submission: the default viewstats.max_links_per_request, as an API client sends them.
CHUNK = int(os.environ.get("BENCH_CHUNK", "1000"))
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DATABASE_NAME", "bench_viewstats")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
QUEUE = "viewstats-bench"

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench",
        "LOG_LEVEL": "WARNING",
    }
)


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_fake_vk() -> tuple[subprocess.Popen, str]:
    """The fake VK in its own process, so it does not share the worker's interpreter lock."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.vk", "--port", str(port), "--auto"], cwd=ROOT
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("fake VK did not start")


class QueryCounter:
    """Counts every SQL statement of every connection of this process (web side and worker
    threads alike)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)

    def install(self) -> None:
        from django.db import connection
        from django.db.backends.signals import connection_created

        def attach(sender, connection, **kwargs):
            if self not in connection.execute_wrappers:
                connection.execute_wrappers.append(self)

        connection_created.connect(attach, weak=False)
        attach(None, connection)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    import httpx
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command

    from config.celery import app
    from core.redis import get_redis
    from core.registry import setting_set
    from secrets_app.models import User
    from viewstats.models import ViewTask
    from viewstats.services.task_lifecycle import tasks_submit

    call_command("migrate", verbosity=0, interactive=False)
    # Db 11 may be shared with another bench: a queue of our own, and only our keys removed.
    app.conf.task_default_queue = QUEUE
    redis = get_redis()
    assert redis is not None, "the bench runs against Redis (REDIS_URL)"
    for key in redis.scan_iter("bench:*"):
        redis.delete(key)
    redis.delete(QUEUE)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE viewstats_viewreading, viewstats_viewtask CASCADE")
    fake, fake_url = start_fake_vk()
    try:
        for key, value in {
            "vk_api_url": fake_url + "/method",
            "vk_tokens": ["bench-token"],
            "vk_rps": 0,
            "max_links_per_request": max(CHUNK, 1),
            "retry_backoff": 0,
        }.items():
            setting_set(key=f"viewstats.{key}", value=value)
        user, _ = User.objects.get_or_create(username="bench-viewstats", defaults={"role": "user"})
        links = [f"https://vk.com/wall-{1 + i // 1000}_{1 + i % 1000}" for i in range(N)]
        counter = QueryCounter()
        with start_worker(
            app,
            pool="threads",
            concurrency=CONCURRENCY,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ):
            counter.install()
            started = time.perf_counter()
            for start in range(0, N, CHUNK):
                tasks_submit(user=user, platform="vk", links=links[start : start + CHUNK])
            submitted = time.perf_counter()
            pending = ViewTask.objects.filter(user=user, status__in=["created", "in progress"])
            polls, last, last_change = 0, None, time.monotonic()
            while (left := pending.count()) > 0:
                polls += 1
                if left != last:
                    last, last_change = left, time.monotonic()
                elif time.monotonic() - last_change > 15:
                    raise SystemExit(f"stalled with {left} tasks pending (queue lost?)")
                time.sleep(0.02)
            finished = time.perf_counter()
            queries = counter.count - polls - 1  # the polling loop is ours, not the system's
        done = ViewTask.objects.filter(user=user, status="done").count()
        calls = httpx.get(fake_url + "/_fake/stats").json()["calls"]
    finally:
        fake.kill()
    elapsed = finished - started
    print(f"links: {N}  done: {done}  worker threads: {CONCURRENCY}")
    print(
        f"submit ({math.ceil(N / CHUNK)} requests, bulk insert + enqueue per 100):"
        f" {submitted - started:.2f} s"
    )
    print(f"total: {elapsed:.2f} s  -> {N / elapsed:,.0f} links/s")
    print(f"upstream calls: {calls} (ceil(n/100) = {math.ceil(N / 100)})")
    print(f"database queries: {queries} ({queries / N:.3f} per link; submit + worker)")
    ok = done == N and calls == math.ceil(N / 100) and N / elapsed >= 1000
    print("target met" if ok else "TARGET MISSED")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
