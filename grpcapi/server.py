"""The gRPC server: every `conveer.*` service, health and reflection, behind one interceptor.

`GRPC_ADDR` serves every service; a service whose own address variable is set
(`PROXY_SERVICE_GRPC_ADDR`, …) is served there too, by a second server in the same process
(sharing the thread pool). TLS when `GRPC_TLS_CERT` and `GRPC_TLS_KEY` are set. Ports are
opened with SO_REUSEPORT, so several processes (`grpcserve --processes N`) share one port and
the kernel spreads connections over them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from django.conf import settings
from grpc_reflection.v1alpha import reflection

from .health import HealthPoller
from .interceptors import PlatformInterceptor
from .limits import LongCalls, long_call_limit

logger = logging.getLogger(__name__)

HEALTH_NAME = "grpc.health.v1.Health"


@dataclass(frozen=True)
class Service:
    name: str  # the full service name, e.g. conveer.ProxyService
    servicer: Callable[..., Any]
    add: Callable[[Any, grpc.Server], None]
    powers: dict[str, str | None]


def services() -> list[Service]:
    from .gen.conveer import (
        accounts_pb2_grpc,
        proxies_pb2_grpc,
        sms_pb2_grpc,
        vk_pb2_grpc,
        warming_pb2_grpc,
    )
    from .servicers import accounts, proxies, sms, vk, warming

    return [
        Service(
            "conveer.AccountService",
            accounts.AccountServicer,
            accounts_pb2_grpc.add_AccountServiceServicer_to_server,
            accounts.POWERS,
        ),
        Service(
            "conveer.ProxyService",
            proxies.ProxyServicer,
            proxies_pb2_grpc.add_ProxyServiceServicer_to_server,
            proxies.POWERS,
        ),
        Service(
            "conveer.WarmingService",
            warming.WarmingServicer,
            warming_pb2_grpc.add_WarmingServiceServicer_to_server,
            warming.POWERS,
        ),
        Service(
            "conveer.SMSService",
            sms.SmsServicer,
            sms_pb2_grpc.add_SMSServiceServicer_to_server,
            sms.POWERS,
        ),
        Service(
            "conveer.VKService",
            vk.VkServicer,
            vk_pb2_grpc.add_VKServiceServicer_to_server,
            vk.POWERS,
        ),
    ]


def method_powers(items: list[Service]) -> dict[str, str | None]:
    return {f"/{s.name}/{method}": power for s in items for method, power in s.powers.items()}


def same_port(address: str, other: str) -> bool:
    """Whether two listen addresses (`host:port`) name the same fixed port."""
    port = address.rsplit(":", 1)[-1]
    return port != "0" and port == other.rsplit(":", 1)[-1]


def server_credentials() -> grpc.ServerCredentials | None:
    if not (settings.GRPC_TLS_CERT and settings.GRPC_TLS_KEY):
        return None
    key = Path(settings.GRPC_TLS_KEY).read_bytes()
    cert = Path(settings.GRPC_TLS_CERT).read_bytes()
    return grpc.ssl_server_credentials([(key, cert)])


@dataclass
class Platform:
    """The running servers of one process and what they share."""

    servers: list[grpc.Server]
    # port bound (useful with port 0): under GRPC_ADDR's address for the main server, under
    # the service's name for a per-service one
    ports: dict[str, int]
    health: HealthPoller
    hub: Any
    long_calls: LongCalls
    executor: futures.ThreadPoolExecutor
    stopped: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Platform:
        for server in self.servers:
            server.start()
        return self

    def stop(self, grace: float | None = None) -> None:
        """Graceful stop: health answers NOT_SERVING, open streams end cleanly, calls in
        flight get `grace` seconds to finish, new calls are refused."""
        if self.stopped.is_set():
            return
        self.stopped.set()
        grace = settings.GRPC_GRACE_SECONDS if grace is None else grace
        self.health.stop()
        self.hub.close()
        events = [server.stop(grace) for server in self.servers]
        for event in events:
            event.wait()
        self.executor.shutdown(wait=False, cancel_futures=True)


def build(
    *,
    addr: str | None = None,
    service_addrs: dict[str, str] | None = None,
    max_workers: int | None = None,
    redis_url: str | None = None,
    health_interval: float | None = None,
    credentials: grpc.ServerCredentials | None = None,
) -> Platform:
    """Servers for `addr` (all services) and each non-empty `service_addrs` entry (that
    service alone, with health and reflection), not yet started."""
    from .events import EventHub

    addr = settings.GRPC_ADDR if addr is None else addr
    service_addrs = settings.GRPC_SERVICE_ADDRS if service_addrs is None else service_addrs
    credentials = credentials or server_credentials()
    items = services()
    workers = max_workers or settings.GRPC_MAX_WORKERS
    executor = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc")
    interceptor = PlatformInterceptor(method_powers(items))
    from .servicers.warming import event_message

    hub = EventHub(redis_url=redis_url, prepare=event_message)
    # streams and code waits never take the threads unary calls need
    long_calls = LongCalls(long_call_limit(workers))
    shared: dict[str, dict[str, Any]] = {
        "conveer.WarmingService": {"hub": hub, "long_calls": long_calls},
        "conveer.SMSService": {"long_calls": long_calls},
    }
    health = HealthPoller(
        services=[s.name for s in items], redis_url=redis_url, interval=health_interval
    )
    options = [("grpc.so_reuseport", 1), ("grpc.max_receive_message_length", 10 * 1024 * 1024)]

    def server_for(chosen: list[Service]) -> grpc.Server:
        server = grpc.server(executor, interceptors=[interceptor], options=options)
        for item in chosen:
            item.add(item.servicer(**shared.get(item.name, {})), server)
        from grpc_health.v1 import health_pb2_grpc

        health_pb2_grpc.add_HealthServicer_to_server(health.servicer, server)
        reflection.enable_server_reflection(
            [*(s.name for s in chosen), HEALTH_NAME, reflection.SERVICE_NAME], server
        )
        return server

    servers: list[grpc.Server] = []
    ports: dict[str, int] = {}

    def bind(server: grpc.Server, address: str, key: str) -> None:
        if credentials is not None:
            port = server.add_secure_port(address, credentials)
        else:
            port = server.add_insecure_port(address)
        if not port:
            raise RuntimeError(f"cannot listen on {address}")
        ports[key] = port

    main = server_for(items)
    bind(main, addr, addr)
    servers.append(main)
    for item in items:
        address = service_addrs.get(item.name, "")
        if not address or same_port(address, addr):
            # GRPC_ADDR's port serves every service already; a second server on it (another
            # host part, SO_REUSEPORT) would take some of its connections and answer
            # UNIMPLEMENTED for the other services
            continue
        extra = server_for([item])
        bind(extra, address, item.name)
        servers.append(extra)
    health.start()
    hub.start()
    return Platform(
        servers=servers,
        ports=ports,
        health=health,
        hub=hub,
        long_calls=long_calls,
        executor=executor,
    )
