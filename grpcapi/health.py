"""The standard `grpc.health.v1.Health` service, following PostgreSQL and Redis.

A poller thread checks both every `GRPC_HEALTH_INTERVAL` seconds (the readiness probe's database
check: a `SELECT 1` on a connection it closes again, answered within a second; a Redis PING
with a short timeout) and sets every service name — `""` for the server and
`conveer.AccountService`, … — to SERVING while both answer, NOT_SERVING otherwise.
Check answers the last state at once; Watch streams each change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import redis
from django.conf import settings
from grpc_health.v1 import health, health_pb2

from core.health import database_check

logger = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def database_ok() -> bool:
    # The readiness probe's check (core.health): a SELECT 1 on a connection closed again, given
    # a second, so that a frozen PostgreSQL turns NOT_SERVING instead of stalling the poller.
    return database_check()["status"] == "ok"


class HealthPoller:
    """Owns the health servicer and the thread that keeps it current."""

    def __init__(
        self,
        *,
        services: Iterable[str],
        redis_url: str | None = None,
        interval: float | None = None,
    ) -> None:
        self.servicer = health.HealthServicer(experimental_non_blocking=True)
        self.names = ["", *services]
        url = settings.REDIS_URL if redis_url is None else redis_url
        self.redis = (
            redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1) if url else None
        )
        self.interval = settings.GRPC_HEALTH_INTERVAL if interval is None else interval
        self.serving: bool | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grpc-health", daemon=True)

    def redis_ok(self) -> bool:
        if self.redis is None:
            return True  # embedded mode: nothing to reach
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001
            return False

    def check(self) -> bool:
        """Check once and publish the result; returns whether the server is serving."""
        ok = database_ok() and self.redis_ok()
        if ok != self.serving:
            if self.serving is not None:
                logger.warning("gRPC health: %s", "SERVING" if ok else "NOT_SERVING")
            self.serving = ok
            for name in self.names:
                self.servicer.set(name, SERVING if ok else NOT_SERVING)
        return ok

    def start(self) -> HealthPoller:
        self.check()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def stop(self) -> None:
        """Stop polling; every name answers NOT_SERVING from now on (graceful shutdown)."""
        self._stop.set()
        self.servicer.enter_graceful_shutdown()
