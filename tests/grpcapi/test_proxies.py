"""ProxyService over gRPC, and the allocation race through it."""

from __future__ import annotations

import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from accounts.models import Account
from grpcapi.gen.conveer import proxies_pb2 as pb
from tests.accounts.factories import AccountFactory, ProxyFactory
from tests.grpcapi.conftest import code_of

pytestmark = pytest.mark.django_db(transaction=True)
C = grpc.StatusCode


def test_allocate_get_rotate_release(stubs, bearer, operator_user):
    other = ProxyFactory(country="DE", provider="acme")
    wanted = ProxyFactory(country="RU", provider="beta", password="p-word")
    spare = ProxyFactory(country="RU", provider="acme")
    account = AccountFactory()
    meta = bearer(operator_user)

    proxy = stubs.proxies.AllocateProxy(
        pb.AllocateProxyRequest(
            account_id=str(account.pk),
            platform="vk",
            preferred_country="RU",
            preferred_provider="beta",
        ),
        metadata=meta,
    )
    assert proxy.id == str(wanted.pk) and proxy.password == "p-word"
    assert (proxy.host, proxy.port, proxy.protocol) == (wanted.host, wanted.port, "socks5")
    assert not proxy.HasField("expires_at")

    account_ref = str(account.pk)
    same = stubs.proxies.GetProxyForAccount(
        pb.GetProxyForAccountRequest(account_id=account_ref), metadata=meta
    )
    assert same.id == proxy.id

    rotated = stubs.proxies.ForceRotate(
        pb.ForceRotateRequest(account_id=account_ref), metadata=meta
    )
    assert rotated.id != proxy.id and rotated.id in {str(other.pk), str(spare.pk)}

    released = stubs.proxies.ReleaseProxy(
        pb.ReleaseProxyRequest(account_id=account_ref), metadata=meta
    )
    assert released.success and released.released_proxy_id == rotated.id
    again = stubs.proxies.ReleaseProxy(
        pb.ReleaseProxyRequest(account_id=account_ref), metadata=meta
    )
    assert again.success and again.released_proxy_id == ""
    none = pb.GetProxyForAccountRequest(account_id=account_ref)
    assert code_of(lambda: stubs.proxies.GetProxyForAccount(none, metadata=meta)) == C.NOT_FOUND

    nobody = pb.ReleaseProxyRequest(account_id="999999")
    assert code_of(lambda: stubs.proxies.ReleaseProxy(nobody, metadata=meta)) == C.NOT_FOUND
    unknown = pb.AllocateProxyRequest(account_id="999999", platform="vk")
    assert code_of(lambda: stubs.proxies.AllocateProxy(unknown, metadata=meta)) == C.NOT_FOUND
    wrong = pb.AllocateProxyRequest(account_id=account_ref, platform="myspace")
    assert code_of(lambda: stubs.proxies.AllocateProxy(wrong, metadata=meta)) == (
        C.INVALID_ARGUMENT
    )


def test_check_health_of_an_unreachable_proxy(stubs, bearer, operator_user):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = ProxyFactory(host="127.0.0.1", port=port)
    meta = bearer(operator_user)
    report = stubs.proxies.CheckHealth(pb.CheckHealthRequest(proxy_id=str(proxy.pk)), metadata=meta)
    assert report.proxy_id == str(proxy.pk) and not report.healthy and report.error
    assert report.consecutive_failures == 1 and report.checked_at.seconds > 0
    missing = pb.CheckHealthRequest(proxy_id=str(proxy.pk + 100))
    assert code_of(lambda: stubs.proxies.CheckHealth(missing, metadata=meta)) == C.NOT_FOUND


def test_parallel_allocations_never_share_a_proxy(stubs, bearer, operator_user):
    proxies = ProxyFactory.create_batch(20)
    accounts = AccountFactory.create_batch(50)
    meta = bearer(operator_user)

    def allocate(i: int):
        request = pb.AllocateProxyRequest(account_id=str(accounts[i].pk), platform="vk")
        try:
            return "OK", stubs.proxies.AllocateProxy(request, metadata=meta, timeout=60).id
        except grpc.RpcError as exc:
            return exc.code().name, exc.details()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(allocate, range(50)))
    codes = Counter(code for code, _ in results)
    assert codes == {"OK": 20, "RESOURCE_EXHAUSTED": 30}, results
    given = [value for code, value in results if code == "OK"]
    assert sorted(given) == sorted(str(p.pk) for p in proxies)
    assert {value for code, value in results if code != "OK"} == {"no free proxy"}
    bound = Counter(Account.objects.exclude(proxy=None).values_list("proxy_id", flat=True))
    assert len(bound) == 20 and max(bound.values()) == 1
