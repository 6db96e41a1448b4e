"""The one Redis client of the project (pub/sub, streams, Lua counters beyond Django's cache),
and what every Redis client here does when Redis is down or frozen.

`get_redis()` returns None in embedded mode (no REDIS_URL): callers fall back to the database
or the cache.

Outages (docs/decisions.md, "Redis outages"): every client — this one and the cache's
(`core.cache`) — has short socket timeouts (`REDIS_SOCKET_TIMEOUT`, `REDIS_CONNECT_TIMEOUT`)
and retries only a dropped connection, never a timeout, so a frozen Redis costs one timeout,
not four with backoff. A command that fails that way marks Redis down in this process for
`REDIS_RETRY_SECONDS`: meanwhile every command fails at once (`RedisDown`, no socket touched),
then one command tries again. So a frozen Redis costs each process one timeout per window, and
it recovers without a restart. One warning is logged when the outage starts (per process and
server) and one line when it ends; `redis_fallback` logs once per outage for each use that
falls back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.retry import Retry

logger = logging.getLogger("platform.redis")

# What an unreachable or frozen Redis raises (RedisDown and RedisRefusesWrites included: both
# are ConnectionErrors).
OUTAGE_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class RedisDown(redis.ConnectionError):
    """Raised without touching the network while this process considers Redis down."""


class RedisRefusesWrites(redis.ConnectionError):
    """Redis answers but refuses writes: maxmemory reached under the noeviction policy (OOM),
    a failed snapshot with stop-writes-on-bgsave-error (MISCONF), a replica after a failover
    (READONLY). An outage for whatever needs to write (503, or the database fallback); reads
    still work, so Redis is not marked down."""


_REFUSAL_LOGGED: dict[str, float] = {}


def _writes_refused(exc: redis.ResponseError) -> RedisRefusesWrites | None:
    """The outage error for a refusal to write, None for any other error of a command."""
    if isinstance(exc, redis.exceptions.OutOfMemoryError | redis.exceptions.ReadOnlyError):
        kind = "OOM" if isinstance(exc, redis.exceptions.OutOfMemoryError) else "READONLY"
    elif str(exc).startswith("MISCONF"):
        kind = "MISCONF"
    else:
        return None
    now = time.monotonic()
    if now - _REFUSAL_LOGGED.get(kind, -3600.0) > 60:  # once a minute, not once per request
        _REFUSAL_LOGGED[kind] = now
        logger.warning("Redis refuses writes (%s): %s", kind, exc)
    return RedisRefusesWrites(f"Redis refuses writes ({kind})")


class _Outage:
    """This process's view of one Redis server: up, or down until a monotonic time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.down_until = 0.0
        self.down = False

    def check(self) -> None:
        if self.down and time.monotonic() < self.down_until:
            raise RedisDown(f"Redis {self.name} is unavailable (marked down in this process)")

    def failed(self, exc: BaseException) -> None:
        with _LOCK:
            self.down_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
            if not self.down:
                self.down = True
                logger.warning(
                    "Redis %s unavailable (%s); tried again every %ss",
                    self.name,
                    type(exc).__name__,
                    settings.REDIS_RETRY_SECONDS,
                )

    def succeeded(self) -> None:
        if not self.down:
            return
        with _LOCK:
            if self.down:
                self.down = False
                _FALLBACKS.clear()
                logger.warning("Redis %s available again", self.name)


_LOCK = threading.Lock()
_OUTAGES: dict[tuple[Any, ...], _Outage] = {}
# Uses that logged their fallback in the current outage (cleared when Redis is back).
_FALLBACKS: set[str] = set()


def _outage_of(pool: Any) -> _Outage:
    kwargs = pool.connection_kwargs
    return _outage_at(kwargs.get("host"), kwargs.get("port"), kwargs.get("path"))


def _outage_at(host: Any, port: Any, path: Any) -> _Outage:
    key = (host, port, path)
    outage = _OUTAGES.get(key)
    if outage is None:
        outage = _OUTAGES.setdefault(key, _Outage(path or f"{host}:{port}"))
    return outage


def _outage_of_url(url: str) -> _Outage | None:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        return None
    if parts.scheme == "unix":
        return _outage_at(None, None, parts.path)
    return _outage_at(parts.hostname or "localhost", parts.port or 6379, None)


@contextmanager
def broker_guarded(url: str) -> Iterator[None]:
    """Around a publish to the Celery broker at `url`: fails at once (RedisDown) while that
    Redis is marked down, and marks it down when the publish fails (kombu has its own
    connections, with the broker transport's timeouts)."""
    outage = _outage_of_url(url)
    if outage is None:
        yield
        return
    outage.check()
    try:
        yield
    except (*OUTAGE_ERRORS, KombuOperationalError) as exc:
        outage.failed(exc)
        raise
    outage.succeeded()


def redis_outages_forget() -> None:
    """Forget every outage seen (tests that point the app at another Redis)."""
    with _LOCK:
        _OUTAGES.clear()
        _FALLBACKS.clear()


def redis_fallback(use: str, exc: BaseException) -> None:
    """`use` (e.g. "settings registry") answers from the database because Redis failed with
    `exc`: say so once per outage for that use, never per request."""
    with _LOCK:
        if use in _FALLBACKS:
            return
        _FALLBACKS.add(use)
    logger.warning("Redis unavailable (%s): %s served from the database", type(exc).__name__, use)


def _guarded(outage: _Outage, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    outage.check()
    try:
        result = call(*args, **kwargs)
    except OUTAGE_ERRORS as exc:
        if not isinstance(exc, RedisDown):
            outage.failed(exc)
        raise
    except redis.ResponseError as exc:
        refused = _writes_refused(exc)
        if refused is None:
            raise
        raise refused from exc
    outage.succeeded()
    return result


class GuardedPipeline(Pipeline):
    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return _guarded(_outage_of(self.connection_pool), super().execute, *args, **kwargs)


class GuardedRedis(redis.Redis):
    """redis.Redis whose commands fail fast while its server is marked down, and mark it."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return _guarded(_outage_of(self.connection_pool), super().execute_command, *args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return GuardedPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


def connection_options(*, blocking: bool = False) -> dict[str, Any]:
    """Socket options of every Redis connection pool of the web and worker processes."""
    # Blocking reads (XREAD BLOCK, BLPOP) wait up to a few seconds by design.
    timeout = settings.REDIS_BLOCKING_TIMEOUT if blocking else settings.REDIS_SOCKET_TIMEOUT
    return {
        "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
        "socket_timeout": timeout,
        # One retry, on a fresh connection, for a connection Redis dropped (a restart); a
        # timeout is not retried (a frozen Redis would cost it again).
        "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    }


@lru_cache(maxsize=8)
def _client(url: str, blocking: bool) -> redis.Redis:
    return GuardedRedis.from_url(
        url, health_check_interval=30, **connection_options(blocking=blocking)
    )


def get_redis(*, blocking: bool = False) -> redis.Redis | None:
    """The shared client; `blocking=True` for commands that wait on the server (XREAD BLOCK,
    BLPOP), whose socket timeout is REDIS_BLOCKING_TIMEOUT instead of the short one."""
    url = settings.REDIS_URL
    return _client(url, blocking) if url else None
