"""Benchmark of the proxy shop's inventory sync against the fake provider (no latency).

    .venv/bin/python bench/proxy_sync.py [--proxies 10000] [--page-size 500]

Uses its own PostgreSQL database `bench_proxyshop` (created if missing) and Redis db 10,
migrates it, starts the fake provider in-process on 127.0.0.1, then syncs 10,000 proxies
into an empty inventory, changes 10% and removes 10% at the provider, and syncs into the
full inventory. Prints seconds and database queries for each run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["DATABASE_URL"] = f"{PG}/bench_proxyshop"
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
os.environ["CACHE_KEY_PREFIX"] = "bench"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'bench_proxyshop'"
        ).fetchone()
        if not exists:
            conn.execute("CREATE DATABASE bench_proxyshop")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxies", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args()
    ensure_database()

    from cryptography.fernet import Fernet

    os.environ.setdefault("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import SystemSetting
    from core.registry import settings_forget
    from fakes.provider import FakeProvider
    from proxyshop.models import Product, SyncRun
    from proxyshop.services import proxies_sync

    call_command("migrate", verbosity=0, interactive=False)
    cache.clear()
    if Product.objects.filter(order__isnull=False).exists():
        sys.exit("bench_proxyshop holds orders: drop the database to start clean")
    Product.objects.all().delete()
    SyncRun.objects.all().delete()

    provider = FakeProvider(token="bench-token").start()
    try:
        provider.add_proxies(args.proxies)
        for key, value in {
            "api_url": provider.url,
            "api_token": "bench-token",
            "sync_page_size": args.page_size,
            "timeout": "30",
        }.items():
            SystemSetting.objects.update_or_create(
                key=f"proxyshop.{key}", defaults={"value": value}
            )
        cache.clear()
        settings_forget()

        def run(label: str) -> None:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = proxies_sync(trigger="bench")
                seconds = time.perf_counter() - started
            print(
                f"{label}: {seconds:.2f} s, {len(queries)} queries, {result.pages} pages "
                f"(fetched {result.total_fetched}, added {result.added}, "
                f"updated {result.updated}, skipped {result.skipped}, removed {result.removed})",
                flush=True,
            )

        print(f"{args.proxies} proxies at the fake provider, page size {args.page_size}")
        run("sync into an empty inventory")
        ids = sorted(provider.items)
        tenth = len(ids) // 10
        for proxy_id in ids[:tenth]:
            provider.update(proxy_id, city="Changed City", speed="999")
        for proxy_id in ids[tenth : 2 * tenth]:
            provider.remove(proxy_id)
        run("sync into the full inventory, 10% changed, 10% gone")
        run("sync again, nothing changed")
    finally:
        provider.stop()


if __name__ == "__main__":
    main()
