"""An export taken while writers add versions over real HTTP is consistent, and the bundle
restores into a fresh database (a second PostgreSQL database created and dropped here) where
every secret's newest value reads back and takes a new version."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings

from secrets_app.services import kv
from secrets_app.services.bundle import secrets_export
from secrets_app.services.tokens import token_issue

from .bundle_helpers import bundle_open, invariant_breakers

ROOT = Path(__file__).resolve().parents[2]
SECRETS = 40
WRITERS = 4
EXPORTS = 4
PASSPHRASE = "restore-passphrase"

RESTORE_SCRIPT = """
import json, os, sys
import django
django.setup()
from django.core.management import call_command
from secrets_app.models import User
from secrets_app.services import kv
call_command("migrate", verbosity=0, interactive=False)
call_command("secrets_import", sys.argv[1], "--passphrase-env", "BUNDLE_PASS")
admin = User.objects.create(username="restorer", role="admin")
seen = {}
for path in json.load(open(sys.argv[2])):
    version = kv.secret_read(path_or_id=path, user=admin, context=None)[1]
    written = kv.secret_write(path=path, value="after-restore", user=admin, context=None)
    seen[path] = [version.version, version.value, written.version]
print(json.dumps(seen))
"""


def _server_dsn(name: str) -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db.get("PASSWORD") or None,
        "dbname": name,
    }


@pytest.fixture
def fresh_database():
    """The name of a new, empty PostgreSQL database beside the test database; dropped after."""
    name = f"{settings.DATABASES['default']['NAME']}_restore"[:63]
    with psycopg.connect(**_server_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(**_server_dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_export_under_concurrent_writes_restores_readable_and_writable(
    live_server, admin_user, tmp_path, fresh_database
):
    paths = [f"live/s{n:02d}" for n in range(SECRETS)]
    for path in paths:
        for n in range(3):
            kv.secret_write(path=path, value=f"{path}-seed-{n}", user=admin_user, context=None)
    raw = token_issue(user=admin_user).access_token
    stop = threading.Event()
    written: list[int] = []
    errors: list[str] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(headers={"Authorization": f"Bearer {raw}"}, timeout=30) as client:
            i = 0
            while not stop.is_set():
                path = rng.choice(paths)
                answer = client.put(
                    f"{live_server.url}/api/v1/secrets/{path}", json={"value": f"{path}-w{n}-{i}"}
                )
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code} {answer.text[:200]}")
                written.append(1)
                i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    bundles = []
    try:
        time.sleep(0.5)
        for _ in range(EXPORTS):
            bundles.append(secrets_export(passphrase=PASSPHRASE))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors[:3]
    assert len(written) > 50, "the writers ran during the exports"
    for bundle in bundles:
        assert invariant_breakers(bundle_open(bundle, PASSPHRASE)) == []

    payload = bundle_open(bundles[-1], PASSPHRASE)
    newest = {}
    for item in payload["secrets"]:
        top = max(item["versions"], key=lambda v: v["version"])
        newest[item["path"]] = [top["version"], top["value"]]
    assert sorted(newest) == paths
    (tmp_path / "bundle").write_bytes(bundles[-1])
    (tmp_path / "paths.json").write_text(json.dumps(paths))
    db = _server_dsn(fresh_database)
    credentials = db["user"] + (f":{db['password']}" if db["password"] else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{credentials}@{db['host']}:{db['port']}/{fresh_database}",
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": f"{settings.CACHES['default'].get('KEY_PREFIX', '')}-restore",
        "BUNDLE_PASS": PASSPHRASE,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            RESTORE_SCRIPT,
            str(tmp_path / "bundle"),
            str(tmp_path / "paths.json"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    for path in paths:
        version, value, next_version = seen[path]
        assert [version, value] == newest[path], path  # the newest value, not an older one
        assert next_version == version + 1, path
