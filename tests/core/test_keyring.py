"""Key rotation during a rolling deploy: three real gunicorn servers against one database and
one Redis, holding the key lists of the deploy's phases (`old`; `old,new`; `new,old`), report
their keys by heartbeat. A server started with `new,old` while an `old`-only one runs logs an
ERROR naming it; rotate_encryption_keys refuses while any server encrypts with another primary
key; keys_status reports every server's keys and the values under each key. Once only the
`new,old` server is left, the rotation runs and the old key can go."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command

from core.keyring import fingerprint, processes_live
from secrets_app.services import kv
from secrets_app.services.tokens import token_issue

ROOT = Path(__file__).resolve().parents[2]
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
PHASES = {"old": [OLD], "old-new": [OLD, NEW], "new-old": [NEW, OLD]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def servers(tmp_path: Path, phases: dict[str, list[str]]) -> Iterator[dict]:
    """name -> {"url", "process", "log"}: one gunicorn (1 worker) per key list."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    started = {}
    try:
        for name, keys in phases.items():
            port = _free_port()
            log = tmp_path / f"{name}.log"
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                "REDIS_URL": settings.REDIS_URL,
                "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
                "ENCRYPTION_KEYS": ",".join(keys),
                "KEYRING_HEARTBEAT_SECONDS": "0.5",
                "LOG_FORMAT": "console",
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "2",
                "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{name}"),
            }
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
                + ["-c", "config/gunicorn.py"],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started[name] = {"url": f"http://127.0.0.1:{port}", "process": process, "log": log}
        deadline = time.monotonic() + 90
        for name, server in started.items():
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(server["url"] + "/api/v1/health/live").status_code == 200:
                        break
                assert server["process"].poll() is None, server["log"].read_text()[-2000:]
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.2)
        yield started
    finally:
        for server in started.values():
            stop(server)


def stop(server: dict) -> None:
    if server["process"].poll() is None:
        server["process"].terminate()
        server["process"].wait(timeout=30)


def wait_for(condition, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return result


@pytest.mark.django_db(transaction=True)
def test_rolling_deploy_guard_and_keys_status(admin_user, tmp_path):
    raw = token_issue(user=admin_user).access_token
    with servers(tmp_path, PHASES) as running:
        live = wait_for(lambda: len(processes_live() or []) == 3 and processes_live(), "beats")
        by_keys = {p.keys: p for p in live}
        pids = {
            name: by_keys[tuple(fingerprint(k) for k in keys)].id for name, keys in PHASES.items()
        }
        for name, server in running.items():
            answer = httpx.put(
                f"{server['url']}/api/v1/secrets/phase/{name}",
                json={"value": f"written-by-{name}"},
                headers={"Authorization": f"Bearer {raw}"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text

        # The dangerous order is visible at once: the `new,old` server says it writes what the
        # `old` server cannot read, naming it.
        new_old_log = running["new-old"]["log"]
        wait_for(
            lambda: (
                pids["old"] in new_old_log.read_text()
                and f"does not know the primary key {fingerprint(NEW)}" in new_old_log.read_text()
            ),
            "the new,old server logs the old-only one",
        )
        assert "[error" in new_old_log.read_text()

        # The rotation refuses while `old` and `old,new` servers still encrypt with OLD.
        with override_keys([NEW, OLD]):
            with pytest.raises(CommandError) as refused:
                call_command("rotate_encryption_keys", stdout=StringIO())
            message = str(refused.value)
            assert pids["old"] in message and pids["old-new"] in message
            assert pids["new-old"] not in message
            assert "2 running process(es) do not encrypt with this primary key" in message

            out = StringIO()
            call_command("keys_status", stdout=out)
            status = out.getvalue()
        old_fp, new_fp = fingerprint(OLD), fingerprint(NEW)
        assert f"keys {old_fp} (primary)\n" in status  # the old-only server
        assert f"keys {old_fp} (primary), {new_fp}" in status
        assert f"keys {new_fp} (primary), {old_fp}" in status
        for pid in pids.values():
            assert pid in status
        # by the rotating process's keyring (new first): 2 values under OLD, 1 under NEW
        assert f"secrets_app.SecretVersion.value: {new_fp}=1 {old_fp}=2" in status
        assert f"{pids['old']} (web) cannot read what {pids['new-old']} (web) writes" in status

        # Phase 2 done: only `new,old` runs. The rotation goes through; the old key can go.
        stop(running["old"])
        stop(running["old-new"])
        wait_for(lambda: len(processes_live() or []) == 1, "stopped servers leave")
        with override_keys([NEW, OLD]):
            out = StringIO()
            call_command("rotate_encryption_keys", stdout=out)
            assert "1 running process(es) report a heartbeat" in out.getvalue()
            assert "secrets_app.SecretVersion.value: rotated=2 current=1 failed=0" in out.getvalue()
        with override_keys([NEW]):
            for name in PHASES:
                version = kv.secret_read(path_or_id=f"phase/{name}", user=admin_user, context=None)[
                    1
                ]
                assert version.value == f"written-by-{name}"


@contextlib.contextmanager
def override_keys(keys: list[str]) -> Iterator[None]:
    from django.test import override_settings

    with override_settings(ENCRYPTION_KEYS=keys):
        yield
