"""Admission of event streams: a long-lived stream holds a web thread for up to
`warming.sse_max_seconds`, so streams must never take every thread from ordinary requests.

Three caps, each answered with 429 and Retry-After before the stream starts:
- per process: a stream is a long-lived request (core/long_requests.py): at most
  `LONG_REQUESTS_PER_PROCESS` of them (default half of GUNICORN_THREADS), so each web process
  always keeps threads for everything else;
- per user: `warming.sse_max_per_user` streams across all processes;
- in total: `warming.sse_max_streams` across all processes.
The last two are leases in Redis (a sorted set of stream ids scored by expiry, renewed whenever
the stream writes), so a killed process's streams free their places within the lease: at least
`LEASE_SECONDS`, and two heartbeats when `warming.sse_heartbeat_seconds` is longer, so an idle
stream's lease never lapses between two of its writes.
Without Redis (embedded mode, one process) the per-process count is the only cap.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator

from django.core.cache import cache

from core.errors import ResourceExhausted
from core.long_requests import RETRY_AFTER, long_request_enter, long_request_exit
from core.redis import get_redis
from core.registry import settings_get_many

LEASE_SECONDS = 30  # the shortest lease


def lease_seconds(heartbeat: int) -> float:
    """How long a stream's place lasts without a renewal: it renews when it writes, at the
    latest at each heartbeat, so the lease must outlive two of them."""
    return max(LEASE_SECONDS, 2 * heartbeat + 5)


_KEY = "warming:sse:"
# KEYS: the lease sets; ARGV: now, expiry, member, then one limit per key.
_ACQUIRE = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('EXPIRE', key, 3600)
end
return 0
"""


class StreamRefused(ResourceExhausted):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_many_streams")
        self.retry_after = RETRY_AFTER


class StreamSlot:
    """A stream's places (this process, its user, the whole platform); `release` is idempotent."""

    def __init__(self, user_id: int) -> None:
        self.member = uuid.uuid4().hex
        self.keys = [f"{_KEY}user:{user_id}", f"{_KEY}all"]
        self.released = False
        self.lease: float = LEASE_SECONDS

    def _leases(self) -> None:
        client = get_redis()
        if client is None:
            return
        conf = settings_get_many(
            ["warming.sse_max_per_user", "warming.sse_max_streams", "warming.sse_heartbeat_seconds"]
        )
        self.lease = lease_seconds(conf["warming.sse_heartbeat_seconds"])
        now = time.time()
        full = [cache.make_key(key) for key in self.keys]
        refused = int(
            client.eval(
                _ACQUIRE,
                len(full),
                *full,
                now,
                now + self.lease,
                self.member,
                conf["warming.sse_max_per_user"],
                conf["warming.sse_max_streams"],
            )
        )
        if refused == 1:
            raise StreamRefused(
                f"At most {conf['warming.sse_max_per_user']} event streams per user are open at "
                "once; close one or retry later."
            )
        if refused == 2:
            raise StreamRefused("The platform serves as many event streams as it can; retry later.")

    def acquire(self) -> StreamSlot:
        long_request_enter("event streams")
        try:
            self._leases()
        except BaseException:
            long_request_exit()
            raise
        return self

    def renew(self) -> None:
        client = get_redis()
        if client is not None and not self.released:
            # Not only "if still there": a stream whose lease lapsed anyway (a client that
            # stopped reading blocks its writes) is counted again as soon as it writes.
            expiry = time.time() + self.lease
            pipe = client.pipeline(transaction=False)
            for key in self.keys:
                pipe.zadd(cache.make_key(key), {self.member: expiry})
            pipe.execute()

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        long_request_exit()
        client = get_redis()
        if client is not None:
            with contextlib.suppress(Exception):  # Redis down: the lease expires by itself
                pipe = client.pipeline(transaction=False)
                for key in self.keys:
                    pipe.zrem(cache.make_key(key), self.member)
                pipe.execute()


class AdmittedStream:
    """The stream's text, holding its slot until the stream ends or the response is closed
    (also when it never started: a generator's own `finally` would not run then)."""

    def __init__(self, slot: StreamSlot, chunks: Iterator[str]) -> None:
        self.slot = slot
        self.chunks = chunks
        self.renewed = time.monotonic()

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            chunk = next(self.chunks)
        except BaseException:
            self.close()
            raise
        if time.monotonic() - self.renewed > self.slot.lease / 3:
            self.renewed = time.monotonic()
            self.slot.renew()
        return chunk

    def close(self) -> None:
        try:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                close()
        finally:
            self.slot.release()
