"""A real gRPC server per test module on a free 127.0.0.1 port, and generated stubs.

The server runs in this process on its own thread pool, so it sees the test database: tests
that call it use `transaction=True` (their rows are committed, the server's threads read them;
pytest-django flushes the tables afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import grpc
import pytest

ADDR = "127.0.0.1:0"


@pytest.fixture(scope="module")
def grpc_platform(django_db_setup, django_db_blocker) -> Iterator:
    from grpcapi.server import build

    with django_db_blocker.unblock():
        # One health check at start; the health tests run a server of their own.
        platform = build(addr=ADDR, service_addrs={}, max_workers=80, health_interval=3600)
    platform.start()
    yield platform
    platform.stop(grace=1)


@pytest.fixture(scope="module")
def grpc_channel(grpc_platform) -> Iterator[grpc.Channel]:
    channel = grpc.insecure_channel(f"127.0.0.1:{grpc_platform.ports[ADDR]}")
    grpc.channel_ready_future(channel).result(timeout=10)
    yield channel
    channel.close()


@pytest.fixture
def bearer(make_token) -> Callable[..., tuple]:
    """bearer(user, **token kwargs) -> call metadata carrying a new token of that user."""

    def make(user, **kwargs) -> tuple:
        return (("authorization", f"Bearer {make_token(user, **kwargs)}"),)

    return make


@pytest.fixture
def stubs(grpc_channel):
    from grpcapi.gen.conveer import (
        accounts_pb2_grpc,
        proxies_pb2_grpc,
        sms_pb2_grpc,
        vk_pb2_grpc,
        warming_pb2_grpc,
    )

    class Stubs:
        accounts = accounts_pb2_grpc.AccountServiceStub(grpc_channel)
        proxies = proxies_pb2_grpc.ProxyServiceStub(grpc_channel)
        warming = warming_pb2_grpc.WarmingServiceStub(grpc_channel)
        sms = sms_pb2_grpc.SMSServiceStub(grpc_channel)
        vk = vk_pb2_grpc.VKServiceStub(grpc_channel)

    return Stubs


def code_of(call: Callable[[], object]) -> grpc.StatusCode:
    """The status code a call fails with (fails the test if it succeeds)."""
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code()
