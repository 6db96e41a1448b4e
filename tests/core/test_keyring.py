"""Key rotation during a rolling deploy, with real gunicorn servers against one database and one
Redis, under a steady load of writes through one server and reads through another.

Following the README's order (`OLD` → `OLD,NEW` → `NEW,OLD` → rotate), no request fails at any
moment, and afterwards everything reads with `NEW` alone. Meanwhile the guard works:
rotate_encryption_keys refuses while a server still encrypts with `OLD`, naming it; keys_status
reports every server's keys and the values under each key. The wrong order is visible: a server
whose keys cannot read what another writes logs an ERROR naming it (and its reads of that
server's writes do fail)."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.keyring import fingerprint, processes_live
from secrets_app.services import kv
from secrets_app.services.tokens import token_issue

ROOT = Path(__file__).resolve().parents[2]
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
OLD_FP, NEW_FP = fingerprint(OLD), fingerprint(NEW)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Fleet:
    """Gunicorn servers (1 worker, 2 threads each) by name; `live` are those taking load."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.servers: dict[str, dict[str, Any]] = {}
        self.live: list[str] = []
        self.busy: Counter[str] = Counter()  # the load's requests in flight, by server
        self.lock = threading.Lock()

    def start(self, *names_keys: tuple[str, list[str]], load: bool = True) -> None:
        db = settings.DATABASES["default"]
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        for name, keys in names_keys:
            port = _free_port()
            log = self.tmp_path / f"{name}.log"
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
                "PROMETHEUS_MULTIPROC_DIR": str(self.tmp_path / f"metrics-{name}"),
            }
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
                + ["-c", "config/gunicorn.py"],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            self.servers[name] = {
                "url": f"http://127.0.0.1:{port}",
                "process": process,
                "log": log,
                "keys": tuple(fingerprint(k) for k in keys),
            }
        deadline = time.monotonic() + 90
        for name, _ in names_keys:
            server = self.servers[name]
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(server["url"] + "/api/v1/health/live").status_code == 200:
                        break
                assert server["process"].poll() is None, server["log"].read_text()[-2000:]
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.2)
        wanted = {self.servers[name]["keys"] for name, _ in names_keys}
        wait_for(lambda: wanted <= {p.keys for p in processes_live() or []}, "heartbeats")
        if load:
            with self.lock:
                self.live += [name for name, _ in names_keys]

    def stop(self, name: str) -> None:
        with self.lock:
            if name in self.live:
                self.live.remove(name)
        wait_for(lambda: not self.busy[name], f"the load leaves {name}")
        process = self.servers[name]["process"]
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)

    def pid(self, name: str) -> str:
        keys = self.servers[name]["keys"]
        return next(p.id for p in processes_live() or [] if p.keys == keys)

    def log(self, name: str) -> str:
        return self.servers[name]["log"].read_text()

    def close(self) -> None:
        for name in list(self.servers):
            self.stop(name)


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return result


@contextlib.contextmanager
def load(fleet: Fleet, token: str) -> Iterator[dict[str, list]]:
    """Writes through one live server and reads the value back through another, until the
    block ends; `failures` lists every answer that is not a 200 (and every error)."""
    stop = threading.Event()
    seen: dict[str, list] = {"ok": [], "failures": []}

    def run(n: int) -> None:
        rng = random.Random(n)
        # no keep-alive: a server being stopped waits for no idle connection of the load
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        with httpx.Client(headers=headers, timeout=30) as client:
            i = 0
            while not stop.is_set():
                with fleet.lock:
                    writer, reader = rng.choice(fleet.live), rng.choice(fleet.live)
                    fleet.busy.update([writer, reader])
                path, value = f"roll/t{n}", f"v{n}-{i}"
                try:
                    put = client.put(
                        f"{fleet.servers[writer]['url']}/api/v1/secrets/{path}",
                        json={"value": value},
                    )
                    got = client.get(f"{fleet.servers[reader]['url']}/api/v1/secrets/{path}")
                except httpx.HTTPError as exc:
                    seen["failures"].append(f"{writer}->{reader}: {exc!r}")
                else:
                    if put.status_code != 200 or got.status_code != 200:
                        seen["failures"].append(
                            f"{writer}->{reader}: {put.status_code} {got.status_code}"
                        )
                    elif got.json()["value"] != value:
                        seen["failures"].append(f"{writer}->{reader}: stale read")
                    else:
                        seen["ok"].append(1)
                finally:
                    with fleet.lock:
                        fleet.busy.subtract([writer, reader])
                i += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    try:
        yield seen
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def keys_status() -> str:
    out = StringIO()
    call_command("keys_status", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_readme_rotation_never_fails_a_request_and_the_guard_catches_the_wrong_order(
    admin_user, tmp_path
):
    token = token_issue(user=admin_user).access_token
    fleet = Fleet(tmp_path)
    try:
        fleet.start(("old", [OLD]), ("old-new", [OLD, NEW]), load=False)
        with fleet.lock:
            fleet.live.append("old")
        with load(fleet, token) as seen:
            time.sleep(0.5)
            # Phase 1, half-way: `OLD` and `OLD,NEW` side by side.
            with fleet.lock:
                fleet.live.append("old-new")
            with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
                with pytest.raises(CommandError) as refused:
                    call_command("rotate_encryption_keys", stdout=StringIO())
                status = keys_status()
            message = str(refused.value)
            assert "2 running process(es) do not encrypt with this primary key" in message
            assert fleet.pid("old") in message and fleet.pid("old-new") in message
            assert f"{fleet.pid('old')}  web  since" in status
            assert f"keys {OLD_FP} (primary)\n" in status
            assert f"keys {OLD_FP} (primary), {NEW_FP}\n" in status
            fleet.stop("old")
            # Phase 2: `NEW,OLD` beside the remaining `OLD,NEW`; the rotation still refuses.
            fleet.start(("new-old", [NEW, OLD]))
            with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
                with pytest.raises(CommandError, match=fleet.pid("old-new")) as refused:
                    call_command("rotate_encryption_keys", stdout=StringIO())
                assert fleet.pid("new-old") not in str(refused.value)
            fleet.stop("old-new")
            wait_for(lambda: len(processes_live() or []) == 1, "the stopped server leaves")
            # Rotate under load.
            with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
                out = StringIO()
                call_command("rotate_encryption_keys", stdout=out)
                assert "1 running process(es) report a heartbeat" in out.getvalue()
                assert "failed=0" in out.getvalue() and "failed=1" not in out.getvalue()
            time.sleep(1)
        logs = {name: fleet.log(name) for name in ("old", "old-new", "new-old")}
        assert seen["failures"] == [], seen["failures"][:5]
        assert len(seen["ok"]) > 20
        for text in logs.values():
            assert "keyring: " not in text  # no server warned while the order was followed

        # The wrong order: an `OLD`-only server started beside the `NEW,OLD` one.
        fleet.start(("late-old", [OLD]), load=False)
        late, new = fleet.pid("late-old"), fleet.pid("new-old")
        wait_for(lambda: "[error" in fleet.log("late-old"), "the old server logs an ERROR")
        warning = f"{new} (web, keys {NEW_FP}, {OLD_FP}) encrypts with {NEW_FP}"
        assert warning in fleet.log("late-old")
        wait_for(
            lambda: (
                f"{late} (web, keys {OLD_FP}) does not know the primary key {NEW_FP}"
                in fleet.log("new-old")
            ),
            "the new server names the old one",
        )
        with override_settings(ENCRYPTION_KEYS=[NEW]):
            status = keys_status()
        assert f"{late} (web) cannot read what {new} (web) writes: it lacks {NEW_FP}" in status
        read = httpx.get(
            f"{fleet.servers['late-old']['url']}/api/v1/secrets/roll/t0",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert read.status_code == 500  # what the guard and the log warn about
    finally:
        fleet.close()
    with override_settings(ENCRYPTION_KEYS=[NEW]):  # OLD can go: everything reads without it
        for n in range(2):
            assert kv.secret_read(path_or_id=f"roll/t{n}", user=admin_user, context=None)
