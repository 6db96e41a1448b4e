"""The platform health report for load balancers: database, Redis, broker, beat freshness.

Each check answers "ok" or a failure with a short reason; any failure makes the whole report
NOT_SERVING (HTTP 503). Beat is a warning, never a failure: this check decides whether a web
node takes requests, and a stale beat (no periodic job within `health.beat_max_age`) is a
problem of the one beat process that taking web nodes out of service would not solve. Beat
that never ran yet (fresh install) is "unknown", a stale one "warn".

Liveness (the process answers at all, no dependency asked) is `core.middleware.liveness`.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from core.redis import GuardedRedis, RedisRefusesWrites, connection_options, get_redis
from core.registry import setting_get

_TIMEOUT = 1  # seconds, for a broker other than Redis
_PROBE_KEY = "platform:health:write-probe"


DATABASE_CHECK_SECONDS = 1.0
# The database is asked in a probe thread (one at a time per process) on a connection of its
# own, closed after each probe, and waited for DATABASE_CHECK_SECONDS: a frozen PostgreSQL (a
# paused VM, a stalled disk) accepts connections and never answers, and a SELECT 1 on the
# request's own connection held the probe (and its web thread) indefinitely.
_probe_lock = threading.Lock()
_pending: Future[dict[str, Any]] | None = None


def _select_one() -> dict[str, Any]:
    read_only = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
            if connection.vendor == "postgresql":
                # a standby after a failover (or default_transaction_read_only) answers reads
                # and refuses every write
                cursor.execute("SHOW transaction_read_only")
                read_only = cursor.fetchone()[0] == "on"
    except Exception as exc:  # any driver error means "not serving"
        return {"status": "fail", "detail": type(exc).__name__}
    finally:
        connection.close()
    if read_only:
        return {"status": "fail", "detail": "read-only: it refuses writes"}
    return {"status": "ok", "detail": connection.vendor}


def _probe(result: Future[dict[str, Any]]) -> None:
    try:
        result.set_result(_select_one())
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
        result.set_exception(exc)


def database_check() -> dict[str, Any]:
    """SELECT 1 from the probe thread. While an earlier probe still waits for the database,
    the answer is "fail" at once (one stuck probe, not one per health request)."""
    global _pending
    with _probe_lock:
        if _pending is None or _pending.done():
            # A daemon thread: one stuck on a frozen database must not hold up the process's
            # exit (a graceful restart, the gRPC server's stop).
            _pending = Future()
            threading.Thread(
                target=_probe, args=(_pending,), name="health-database", daemon=True
            ).start()
        pending = _pending
    try:
        return pending.result(timeout=DATABASE_CHECK_SECONDS)
    except FutureTimeout:
        return {"status": "fail", "detail": f"no answer within {DATABASE_CHECK_SECONDS:g} s"}


def _ping(client: Any) -> dict[str, Any]:
    # The project's Redis clients time out within REDIS_SOCKET_TIMEOUT and fail at once while
    # this process has Redis marked down (core/redis.py): the report stays within a second.
    # A write too: a Redis that answers PING but refuses writes (maxmemory, a failed snapshot,
    # a replica) fails every login, lock and cache write.
    try:
        client.ping()
        client.set(_PROBE_KEY, 1, ex=10)
    except RedisRefusesWrites as exc:
        return {"status": "fail", "detail": f"refuses writes: {exc}"}
    except Exception as exc:
        return {"status": "fail", "detail": f"unreachable: {type(exc).__name__}"}
    return {"status": "ok", "detail": ""}


def _redis() -> dict[str, Any]:
    client = get_redis()
    if client is None:
        return {"status": "ok", "detail": "embedded mode: no Redis configured"}
    return _ping(client)


def _broker() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return {"status": "ok", "detail": "embedded mode: filesystem broker"}
    if url.startswith(("redis://", "rediss://")):
        if url == settings.REDIS_URL:
            return _ping(get_redis())
        return _ping(GuardedRedis.from_url(url, **connection_options()))
    from config.celery import app

    try:
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=_TIMEOUT)
    except Exception as exc:
        return {"status": "fail", "detail": type(exc).__name__}
    return {"status": "ok", "detail": ""}


def _beat() -> dict[str, Any]:
    from django_celery_beat.models import PeriodicTask

    from core.models import JobRun

    last_beat = PeriodicTask.objects.filter(enabled=True).aggregate(m=Max("last_run_at"))["m"]
    last_job = JobRun.objects.aggregate(m=Max("started_at"))["m"]
    last = max((t for t in (last_beat, last_job) if t is not None), default=None)
    if last is None:
        return {"status": "unknown", "detail": "no periodic job has run yet"}
    age = timezone.now() - last
    max_age = timedelta(seconds=setting_get("health.beat_max_age"))
    detail = f"last run {int(age.total_seconds())}s ago"
    if age <= max_age:
        return {"status": "ok", "detail": detail}
    return {"status": "warn", "detail": f"{detail}; is exactly one celery beat running?"}


CHECKS = {"database": database_check, "redis": _redis, "broker": _broker, "beat": _beat}


def health_report() -> dict[str, Any]:
    """{"status": "SERVING"|"NOT_SERVING", "down": [names of failed checks],
    "checks": {name: {"status", "detail"}}}."""
    checks: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name == "beat" and checks["database"]["status"] != "ok":
            # its query would wait on the same unreachable database
            checks[name] = {"status": "unknown", "detail": "the database cannot be read"}
            continue
        try:
            checks[name] = check()
        except Exception as exc:  # a check that cannot run is a failed check
            checks[name] = {"status": "fail", "detail": type(exc).__name__}
    down = [name for name, check in checks.items() if check["status"] == "fail"]
    return {"status": "NOT_SERVING" if down else "SERVING", "down": down, "checks": checks}
