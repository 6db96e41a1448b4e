"""Benchmark of the secrets store's backup bundle and of the key tools over a full store.

    .venv/bin/python bench/secrets_keys.py [--secrets 2000] [--versions 5]

Uses its own PostgreSQL database `bench_secrets_keys` (created if missing) and Redis db 10
(BENCH_REDIS_URL), migrates it, fills the store with N secrets of V kept versions each, then
times: the export (one REPEATABLE READ snapshot, scrypt, Fernet), the import of that bundle into
the emptied store (invariant checks, ids, authors), the count of values per key
(`keys_status`) and the rotation of every encrypted value to a new key.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "bench_secrets_keys"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["DATABASE_URL"] = f"{PG}/{DB}"
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
os.environ["CACHE_KEY_PREFIX"] = "bench"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=5)
    args = parser.parse_args()
    ensure_database()

    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    os.environ["ENCRYPTION_KEYS"] = old
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from core.keyring import values_per_key
    from secrets_app.models import Secret, SecretVersion, User
    from secrets_app.services.bundle import secrets_export, secrets_import

    call_command("migrate", verbosity=0, interactive=False)
    Secret.objects.all().delete()
    author, _ = User.objects.get_or_create(username="bench-author", defaults={"role": "admin"})
    rows = Secret.objects.bulk_create(
        Secret(
            path=f"bench/{n:05d}",
            current_version=args.versions,
            oldest_version=1,
            created_by=author,
        )
        for n in range(args.secrets)
    )
    SecretVersion.objects.bulk_create(
        (
            SecretVersion(
                secret=row,
                version=v,
                value={"password": secrets.token_urlsafe(24)},
                created_by=author,
            )
            for row in rows
            for v in range(1, args.versions + 1)
        ),
        batch_size=2000,
    )
    values = args.secrets * args.versions
    print(f"{args.secrets} secrets x {args.versions} versions = {values} encrypted values")

    started = time.perf_counter()
    bundle = secrets_export(passphrase="bench-passphrase")
    print(f"export: {time.perf_counter() - started:.2f} s, bundle {len(bundle) / 1e6:.1f} MB")

    Secret.objects.all().delete()
    started = time.perf_counter()
    result = secrets_import(bundle=bundle, passphrase="bench-passphrase")
    seconds = time.perf_counter() - started
    print(f"import into the emptied store: {seconds:.2f} s ({result['created']} created)")

    with override_settings(ENCRYPTION_KEYS=[new, old]):
        started = time.perf_counter()
        counts = values_per_key()
        seconds = time.perf_counter() - started
        print(
            f"keys_status count: {seconds:.2f} s "
            f"({sum(counts['secrets_app.SecretVersion.value'].values())} versions)"
        )
        started = time.perf_counter()
        call_command("rotate_encryption_keys", "--batch-size", "500", stdout=StringIO())
        print(f"rotation of {values} values: {time.perf_counter() - started:.2f} s")
    Secret.objects.all().delete()


if __name__ == "__main__":
    main()
