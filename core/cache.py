"""Django's RedisCache, reusing one redis-py client per connection pool, with the project's
outage handling (core/redis.py).

Django builds a new `redis.Redis` object for every cache call; with redis-py 8 that costs
about 0.6 ms (its response-callback table is rebuilt each time), which is paid on every
authenticated request. A client object is thread-safe and cheap to share: keep one per pool.
The clients are `GuardedRedis` over pools with the short socket timeouts of every Redis client
here: a frozen Redis costs a cache call one timeout, then fails fast while it is marked down.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.client import Redis

from core.redis import GuardedRedis, connection_options


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        django_client: Any = self  # its client class and pool options are private: not stubbed
        django_client._client = GuardedRedis
        django_client._pool_options = {**connection_options(), **django_client._pool_options}
        self._clients: dict[int, Redis] = {}

    def get_client(
        self, key: str | bytes | memoryview | None = None, *, write: bool = False
    ) -> Redis:
        django_client: Any = self  # its pool getter and client class are private: not stubbed
        pool = django_client._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = django_client._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
