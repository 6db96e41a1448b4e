"""Benchmark: one warming scheduler tick over 1,000 and 10,000 running tasks.

Standalone: its own PostgreSQL database (bench_warming, recreated) and Redis db 12 (broker
included); runs migrate itself. Two situations per size:
  steady   - every task has its day planned and one action due: the tick claims them all
             (one UPDATE), refreshes next_action_at and hands them to the broker in batches;
  rollover - every task's day has just ended: the tick skips leftovers and plans the next
             day for warming.plan_batch tasks (the rest wait for the next ticks), then claims
             what is due;
  rollover-all - the same with the bound lifted: all N tasks planned in one tick.
Prints seconds and database queries of the tick; the query count must not grow with N.

    .venv/bin/python bench/warming_tick.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "bench_warming"
REDIS_DB = 12
SIZES = (1_000, 10_000)


def setup() -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DB_NAME}"], check=True)
    subprocess.run(
        ["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, stdout=subprocess.DEVNULL
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(n: int, *, rollover: bool) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Account, Proxy
    from accounts.warming.models import WarmingAction, WarmingTask
    from accounts.warming.planning import INDEX_STRIDE

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE warming_warmingaction, warming_warmingtask, accounts_account, "
            "accounts_proxy RESTART IDENTITY CASCADE"
        )
    now = timezone.now()
    proxy = Proxy.objects.create(host="127.0.0.1", port=1080, username="bench")
    accounts = Account.objects.bulk_create(
        Account(platform="vk", login=f"bench{i}", password="x", status="warming", proxy=proxy)
        for i in range(n)
    )
    tasks = WarmingTask.objects.bulk_create(
        WarmingTask(
            account=account,
            scenario_id="basic",
            status="running",
            total_days=14,
            current_day=3,
            started_at=now - timedelta(days=2, hours=12),
            day_ends_at=now - timedelta(seconds=1) if rollover else now + timedelta(hours=12),
            next_action_at=now - timedelta(minutes=1),
        )
        for account in accounts
    )
    actions = []
    for task in tasks:
        for k in range(8):  # one due now, seven later today
            actions.append(
                WarmingAction(
                    task_id=task.pk,
                    day=3,
                    index=3 * INDEX_STRIDE + k,
                    action_type="view_profile",
                    scheduled_at=now + timedelta(minutes=-1 if k == 0 else 30 * k),
                )
            )
    WarmingAction.objects.bulk_create(actions, batch_size=20_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE warming_warmingaction")
        cursor.execute("ANALYZE warming_warmingtask")


def one_tick() -> tuple[float, int, dict]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.warming.tasks import warming_tick_task

    cache.delete("joblock:warming.tick")
    import psycopg

    copies = []
    original_copy = psycopg.Cursor.copy

    def counted_copy(self, statement, *args, **kwargs):  # COPY bypasses Django's query log
        copies.append(statement)
        return original_copy(self, statement, *args, **kwargs)

    psycopg.Cursor.copy = counted_copy  # type: ignore[method-assign]  # counts COPYs
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = warming_tick_task()
            seconds = time.perf_counter() - started
    finally:
        psycopg.Cursor.copy = original_copy  # type: ignore[method-assign]
    return seconds, len(queries.captured_queries) + len(copies), result or {}


def main() -> None:
    setup()
    from core.registry import setting_get, setting_set

    default_batch = setting_get("warming.plan_batch")
    one_tick()  # warm the settings cache and the broker connection, as in steady state
    print(f"{'tasks':>7} {'situation':<13} {'seconds':>8} {'queries':>8}  result")
    for n in SIZES:
        for situation in ("steady", "rollover", "rollover-all"):
            populate(n, rollover=situation != "steady")
            # rollover-all lifts the per-tick planning bound: every task plans its next day
            # in this one tick (seconds grow with the rows written, queries do not).
            setting_set(
                key="warming.plan_batch", value=n if situation == "rollover-all" else default_batch
            )
            one_tick_result = one_tick()
            seconds, queries, result = one_tick_result
            print(f"{n:>7} {situation:<13} {seconds:>8.3f} {queries:>8}  {result}", flush=True)
    setting_set(key="warming.plan_batch", value=default_batch)
    subprocess.run(
        ["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, stdout=subprocess.DEVNULL
    )


if __name__ == "__main__":
    main()
