"""Which encryption keys each running process holds, and which key each stored value is under.

Key rotation is safe only in one order (README, "Operations"): every process must know a key
before any process encrypts with it, and every process must encrypt with the new key before
the values are re-encrypted. To make a wrong order visible, the long-running processes (web,
worker, bot) report the fingerprints of their ENCRYPTION_KEYS in one Redis hash every
KEYRING_HEARTBEAT_SECONDS; an entry not refreshed within three periods is a process gone.
A process that starts while another one cannot read what it will write (or writes what it
cannot read) logs an ERROR naming it; `rotate_encryption_keys` refuses to run while a process
encrypts with another primary key; `manage.py keys_status` shows the processes and how many
values each key still encrypts.

A fingerprint is the first 12 hex digits of a SHA-256 over a fixed label and the key: it names
a key without revealing anything usable about it.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Model

from core import crypto
from core.fields import EncryptedTextField
from core.redis import get_redis
from core.sealed import ENVELOPE, is_sealed, secret_setting_rows

log = logging.getLogger("platform.keyring")

STALE_AFTER_PERIODS = 3
SETTINGS_LABEL = "registry secret settings"
UNKNOWN = "unknown"  # a value no key of this process's keyring opens
CLEAR = "clear"  # a secret setting stored in clear (before sealing)


def fingerprint(key: str) -> str:
    return hashlib.sha256(b"platform-encryption-key:" + key.encode()).hexdigest()[:12]


def local_fingerprints() -> list[str]:
    """This process's keys, primary first."""
    return [fingerprint(key) for key in settings.ENCRYPTION_KEYS]


@dataclass(frozen=True)
class ProcessKeys:
    id: str
    role: str
    keys: tuple[str, ...]
    started: float
    seen: float

    @property
    def primary(self) -> str:
        return self.keys[0] if self.keys else ""

    def describe(self) -> str:
        return f"{self.id} ({self.role}, keys {', '.join(self.keys)})"


def _hash_key() -> str:
    return cache.make_key("keyring:processes")


def _period() -> float:
    return float(getattr(settings, "KEYRING_HEARTBEAT_SECONDS", 10))


def processes_live() -> list[ProcessKeys] | None:
    """Every process whose heartbeat is fresh, oldest first (stale entries are removed);
    None without Redis (embedded mode), where no other process can be seen."""
    client = get_redis()
    if client is None:
        return None
    now = time.time()
    live, stale = [], []
    raw: dict[bytes, bytes] = client.hgetall(_hash_key())  # type: ignore[assignment]
    for field, value in raw.items():
        try:
            entry = json.loads(value)
            process = ProcessKeys(
                id=entry["id"],
                role=entry["role"],
                keys=tuple(entry["keys"]),
                started=float(entry["started"]),
                seen=float(entry["seen"]),
            )
            fresh = now - process.seen <= STALE_AFTER_PERIODS * float(entry["period"])
        except (ValueError, KeyError, TypeError):
            fresh = False
        if fresh:
            live.append(process)
        else:
            stale.append(field)
    if stale:
        client.hdel(_hash_key(), *stale)
    return sorted(live, key=lambda p: (p.started, p.id))


def conflicts_with(keys: list[str], processes: list[ProcessKeys]) -> list[str]:
    """What goes wrong between a process holding `keys` and each of `processes`: one that does
    not know its primary key cannot read what it writes, and the other way round."""
    problems = []
    primary = keys[0] if keys else ""
    for process in processes:
        if primary not in process.keys:
            problems.append(
                f"{process.describe()} does not know the primary key {primary}: it cannot "
                "read what is written with it"
            )
        if process.primary not in keys:
            problems.append(
                f"{process.describe()} encrypts with {process.primary}, which a process with "
                f"keys {', '.join(keys)} cannot read"
            )
    return problems


def rotation_blockers(processes: list[ProcessKeys]) -> list[ProcessKeys]:
    """Processes that would keep writing under another key than the rotation's primary."""
    primary = local_fingerprints()[0]
    return [p for p in processes if p.primary != primary]


# --- the heartbeat -------------------------------------------------------------------------


class _Heartbeat:
    def __init__(self, role: str) -> None:
        self.role = role
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self.started = time.time()
        self.stop = threading.Event()
        self.reported: tuple[str, ...] = ()
        self.failing = False

    def beat(self) -> None:
        client = get_redis()
        if client is None:
            return
        keys = local_fingerprints()
        entry = {
            "id": self.id,
            "role": self.role,
            "keys": keys,
            "started": self.started,
            "seen": time.time(),
            "period": _period(),
        }
        client.hset(_hash_key(), self.id, json.dumps(entry))
        others = [p for p in processes_live() or [] if p.id != self.id]
        self.report(tuple(conflicts_with(keys, others)))

    def report(self, problems: tuple[str, ...]) -> None:
        if problems == self.reported:
            return
        self.reported = problems
        for problem in problems:
            log.error(
                "keyring: %s; values written by one will raise DecryptionError in the other. "
                "Deploy a new key in two phases (README, Operations: key rotation).",
                problem,
            )
        if not problems:
            log.info("keyring: every running process reads what every other one writes")

    def run(self) -> None:
        while True:
            try:
                self.beat()
                self.failing = False
            except Exception as exc:  # Redis down: try again at the next beat
                if not self.failing:
                    log.warning("keyring heartbeat failed: %s", type(exc).__name__)
                self.failing = True
            if self.stop.wait(_period()):
                return

    def leave(self) -> None:
        self.stop.set()
        client = get_redis()
        if client is not None:
            with contextlib.suppress(Exception):  # else the entry goes stale by itself
                client.hdel(_hash_key(), self.id)


_started: dict[int, _Heartbeat] = {}
_lock = threading.Lock()


def heartbeat_start(role: str) -> None:
    """Report this process's keys from a daemon thread until it exits (once per process; off
    with KEYRING_HEARTBEAT_SECONDS=0 or without Redis)."""
    if _period() <= 0 or get_redis() is None:
        return
    with _lock:
        if os.getpid() in _started:
            return
        heartbeat = _started[os.getpid()] = _Heartbeat(role)
    threading.Thread(target=heartbeat.run, name="keyring-heartbeat", daemon=True).start()
    atexit.register(heartbeat.leave)


# --- which key each stored value is under ----------------------------------------------------


def encrypted_columns() -> Iterator[tuple[type[Model], EncryptedTextField]]:
    """Every encrypted column of every concrete model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def _stored(model: type[Model], field: EncryptedTextField, batch: int) -> Iterator[str]:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    column = connection.ops.quote_name(str(field.column))
    last: Any = None
    while True:
        where = f"WHERE {column} IS NOT NULL" + (f" AND {pk} > %s" if last is not None else "")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {column} FROM {table} {where} "  # noqa: S608
                f"ORDER BY {pk} LIMIT {int(batch)}",
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        for _, value in rows:
            yield value
        last = rows[-1][0]


def values_per_key(batch: int = 1000) -> dict[str, Counter[str]]:
    """For each encrypted column (and the secret settings), how many values each key of this
    process's keyring encrypts, by fingerprint; UNKNOWN for values none of them opens."""
    names = local_fingerprints()

    def name_of(ciphertext: str) -> str:
        position = crypto.key_position(ciphertext)
        return UNKNOWN if position is None else names[position]

    counts: dict[str, Counter[str]] = {}
    for model, field in encrypted_columns():
        label = f"{model._meta.label}.{field.name}"
        counts[label] = Counter(name_of(value) for value in _stored(model, field, batch))
    counts[SETTINGS_LABEL] = Counter(
        name_of(stored[ENVELOPE]) if is_sealed(stored) else CLEAR
        for _, stored in secret_setting_rows()
    )
    return counts
