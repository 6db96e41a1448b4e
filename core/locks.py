"""Locks that die with their holder, and heartbeats that say a holder is still working.

`job_lock` is a redis-py `Lock` (an owner token; release and extension are atomic Lua scripts,
so a holder never deletes a lock someone else took over). Its TTL is short, `JOB_LOCK_TTL`
seconds (default 30), and a heartbeat thread extends it every third of that while the holder
works: the work may take as long as it needs, and when its process dies (SIGKILL, OOM, a hard
time limit) the lock expires within `JOB_LOCK_TTL`. In embedded mode (no REDIS_URL) the lock is
a key in the shared file cache with the same TTL and heartbeat; the file cache is not atomic,
which one machine without Redis accepts.

`heartbeat(key)` keeps a key alive the same way for work that is not a job, e.g. a
view-statistics claim; `alive(keys)` tells which are still kept alive. Periodic jobs and their
runs (core/jobs.py) are built on these.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from redis import Redis
from redis.exceptions import LockNotOwnedError

from core.redis import get_redis

logger = logging.getLogger("core.locks")


def lock_ttl() -> int:
    return max(int(getattr(settings, "JOB_LOCK_TTL", 30)), 1)


def _beat_interval(ttl: float) -> float:
    return max(ttl / 3, 0.2)


def _lock_key(name: str) -> str:
    return cache.make_key(f"joblock:{name}")


class _Heartbeat(threading.Thread):
    """Calls `beat()` every `interval` seconds until stopped or until `beat()` returns False."""

    def __init__(self, what: str, beat: Callable[[], bool], interval: float) -> None:
        super().__init__(name=f"heartbeat {what}", daemon=True)
        self.what = what
        self.beat = beat
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                if not self.beat():
                    logger.error("heartbeat of %s lost its key; not extended any more", self.what)
                    return
            except Exception as exc:  # Redis unreachable: try again at the next beat
                logger.warning("heartbeat of %s failed: %s", self.what, type(exc).__name__)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


class _RedisLock:
    def __init__(self, client: Redis, name: str, ttl: int) -> None:
        self.lock = client.lock(_lock_key(name), timeout=ttl, blocking=False, thread_local=False)
        self.ttl = ttl

    def acquire(self) -> bool:
        return bool(self.lock.acquire(blocking=False))

    def extend(self) -> bool:
        try:
            return bool(self.lock.reacquire())
        except LockNotOwnedError:  # expired (the process stalled past the TTL) or taken over
            return False

    def release(self) -> None:
        self.lock.release()


class _CacheLock:
    """Embedded mode: the shared file cache, with the same owner token and TTL."""

    def __init__(self, name: str, ttl: int) -> None:
        self.key = f"joblock:{name}"
        self.ttl = ttl
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return cache.add(self.key, self.token, timeout=self.ttl)

    def extend(self) -> bool:
        if cache.get(self.key) != self.token:
            return False
        cache.set(self.key, self.token, timeout=self.ttl)
        return True

    def release(self) -> None:
        if cache.get(self.key) == self.token:
            cache.delete(self.key)


@contextlib.contextmanager
def job_lock(name: str, ttl_seconds: int | None = None, *, wait: float = 0) -> Iterator[bool]:
    """Yields True if this process holds the lock of `name` (waiting up to `wait` seconds for
    it). The lock lives `ttl_seconds` (default `JOB_LOCK_TTL`) past the last heartbeat: it is
    extended while the block runs and released (only if still ours) when it ends."""
    ttl = ttl_seconds or lock_ttl()
    client = get_redis()
    lock = _RedisLock(client, name, ttl) if client is not None else _CacheLock(name, ttl)
    deadline = time.monotonic() + wait
    acquired = lock.acquire()
    while not acquired and time.monotonic() < deadline:
        time.sleep(0.05)
        acquired = lock.acquire()
    if not acquired:
        yield False
        return
    beat = _Heartbeat(f"lock {name}", lock.extend, _beat_interval(ttl))
    beat.start()
    try:
        yield True
    finally:
        beat.stop()
        try:
            lock.release()
        except Exception as exc:  # expired and maybe taken over: not ours to delete any more
            logger.error("lock of %s was lost before the run ended (%s)", name, type(exc).__name__)


def job_is_locked(name: str) -> bool:
    client = get_redis()
    if client is None:
        return cache.get(f"joblock:{name}") is not None
    return bool(client.exists(_lock_key(name)))


@contextlib.contextmanager
def heartbeat(key: str, ttl_seconds: int | None = None) -> Iterator[None]:
    """Keep the cache key `key` alive while the block runs (TTL `JOB_LOCK_TTL`, refreshed every
    third of it); deleted at the end. Once the process dies it expires within the TTL."""
    ttl = ttl_seconds or lock_ttl()
    cache.set(f"alive:{key}", 1, timeout=ttl)
    beat = _Heartbeat(key, lambda: cache.touch(f"alive:{key}", ttl), _beat_interval(ttl))
    beat.start()
    try:
        yield
    finally:
        beat.stop()
        with contextlib.suppress(Exception):
            cache.delete(f"alive:{key}")


def alive(keys: Iterable[str]) -> set[str]:
    """The keys among `keys` whose `heartbeat` is still alive. When the cache cannot be asked,
    every key counts as alive: nothing is taken from a holder that may be working."""
    keys = list(keys)
    if not keys:
        return set()
    try:
        found = cache.get_many([f"alive:{key}" for key in keys])
    except Exception as exc:
        logger.warning("liveness unknown (%s): every holder counts as alive", type(exc).__name__)
        return set(keys)
    return {key for key in keys if f"alive:{key}" in found}
