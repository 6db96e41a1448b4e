"""Shared upstream state in Redis: a rate limiter per credential, token rotation, token pauses,
and the admin-visible health rows (UpstreamCredential)."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from core.redis import get_redis

from ..models import UpstreamCredential

# Strict spacing (a reservation per request): every worker asks Redis for the next free slot of
# the credential, so the sum over all workers never exceeds `rps`. Returns the wait in ms, or -1
# when the wait would exceed the caller's maximum (nothing is reserved then).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
local wait = slot - now
if wait > max_wait then return -1 end
redis.call('SET', KEYS[1], slot + interval, 'PX', interval + wait + 1000)
return wait
"""


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:24]


def mask(secret: str) -> str:
    return f"…{secret[-4:]}" if len(secret) > 8 else "…"


def rate_reserve(name: str, rps: float, *, max_wait: float = 10.0) -> float | None:
    """Reserve a request slot for `name`; returns seconds to wait before sending, or None when
    the next slot is further away than `max_wait` (the caller re-queues instead of sleeping)."""
    if rps <= 0:
        return 0.0
    # A 2 % + 10 ms margin: the upstream counts arrivals, which jitter around our send times.
    interval_ms = int(1000 / rps * 1.02) + 10
    client = get_redis()
    if client is None:
        # Embedded mode: a per-second window in the shared (file) cache.
        key = f"viewstats:rl:{name}:{int(time.time())}"
        cache.add(key, 0, timeout=5)
        count = cache.incr(key)
        return 0.0 if count <= rps else 1.0 - (time.time() % 1)
    wait_ms = client.eval(_RESERVE, 1, f"viewstats:rl:{name}", interval_ms, int(max_wait * 1000))
    return None if wait_ms < 0 else wait_ms / 1000


def rate_acquire(name: str, rps: float, *, max_wait: float = 10.0) -> bool:
    """Block until a slot is ours (True) or report that it is too far away (False)."""
    wait = rate_reserve(name, rps, max_wait=max_wait)
    if wait is None:
        return False
    if wait > 0:
        time.sleep(wait)
    return True


def _pause_key(platform: str, fp: str) -> str:
    return f"viewstats:pause:{platform}:{fp}"


def credential_pause(platform: str, secret: str, seconds: int) -> None:
    cache.set(_pause_key(platform, fingerprint(secret)), time.time() + seconds, timeout=seconds)


def token_pick(platform: str, tokens: list[str]) -> tuple[str | None, float]:
    """The next token in turn that is not paused: (token, 0). When every token rests:
    (None, seconds until the first one is usable again)."""
    if not tokens:
        return None, 0.0
    keys = {_pause_key(platform, fingerprint(t)): t for t in tokens}
    pauses = cache.get_many(list(keys))
    now = time.time()
    start_key = f"viewstats:rr:{platform}"
    cache.add(start_key, 0, timeout=None)
    try:
        start = cache.incr(start_key)
    except ValueError:
        start = 0
    for offset in range(len(tokens)):
        token = tokens[(start + offset) % len(tokens)]
        if pauses.get(_pause_key(platform, fingerprint(token)), 0) <= now:
            return token, 0.0
    return None, max(0.1, min(pauses.values()) - now)


def credential_error(
    *,
    platform: str,
    secret: str,
    code: int | None,
    message: str,
    pause_seconds: int = 0,
    invalid: bool = False,
    label: str = "",
) -> None:
    """Record the last error of a credential for admins (and pause it when asked)."""
    if pause_seconds:
        credential_pause(platform, secret, pause_seconds)
    now = timezone.now()
    row, created = UpstreamCredential.objects.get_or_create(
        platform=platform,
        fingerprint=fingerprint(secret),
        defaults={"label": label or mask(secret)},
    )
    UpstreamCredential.objects.filter(pk=row.pk).update(
        last_error_code=code,
        last_error=message[:2000],
        last_error_at=now,
        error_count=F("error_count") + 1,
        paused_until=now + timedelta(seconds=pause_seconds) if pause_seconds else None,
        invalid=invalid,
    )
