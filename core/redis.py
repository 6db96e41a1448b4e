"""The one Redis client of the project (pub/sub, streams, Lua counters beyond Django's cache).

Returns None in embedded mode (no REDIS_URL): callers fall back to the database or the cache.
"""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
    )


def get_redis() -> redis.Redis | None:
    url = settings.REDIS_URL
    return _client(url) if url else None
