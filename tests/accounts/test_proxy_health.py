"""CheckHealth against a real SOCKS5 server on 127.0.0.1 (fakes/socks5.py)."""

from __future__ import annotations

import socket
import time

import pytest

from accounts.models import Proxy, ProxyCheck
from accounts.services.proxy_health import proxies_check_all
from core.models import AuditEvent
from core.registry import setting_set
from fakes.socks5 import FakeSocks5Server
from tests.accounts.factories import AccountFactory, ProxyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def socks():
    servers = []

    def make(**kwargs) -> FakeSocks5Server:
        server = FakeSocks5Server(**kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def client(auth_client, operator_user):
    return auth_client(operator_user)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check(client, proxy):
    response = client.post(f"/api/v1/proxies/{proxy.pk}/check-health")
    assert response.status_code == 200, response.content
    return response.json()


def test_healthy_socks5_with_auth(client, socks):
    server = socks(username="u1", password="p1")
    proxy = ProxyFactory(port=server.port, username="u1", password="p1", consecutive_failures=2)
    body = check(client, proxy)
    assert body["healthy"] is True and body["health"] == "alive"
    assert body["latency_ms"] >= 1 and body["consecutive_failures"] == 0
    proxy.refresh_from_db()
    assert proxy.last_latency_ms == body["latency_ms"] and proxy.last_checked_at
    assert ProxyCheck.objects.get(proxy=proxy).ok


def test_refused_auth_wrong_password_and_no_method(client, socks):
    refusing = socks(username="u1", password="p1")
    refusing.mode = "refuse_auth"
    body = check(client, ProxyFactory(port=refusing.port, username="u1", password="p1"))
    assert body["healthy"] is False and body["error"] == "authentication refused"
    wrong = socks(username="u1", password="p1")
    body = check(client, ProxyFactory(port=wrong.port, username="u1", password="nope"))
    assert body["error"] == "authentication refused"
    needs_auth = socks(username="u1", password="p1")
    body = check(client, ProxyFactory(port=needs_auth.port, username="", password=""))
    assert body["error"] == "no acceptable authentication method"
    garbage = socks()
    garbage.mode = "garbage"
    assert "not a SOCKS5 server" in check(client, ProxyFactory(port=garbage.port))["error"]


def test_hanging_proxy_times_out(client, socks, admin_user):
    setting_set(key="accounts.proxy_check_timeout", value="0.3", actor=admin_user)
    server = socks()
    server.mode = "hang"
    started = time.monotonic()
    body = check(client, ProxyFactory(port=server.port, username=""))
    assert time.monotonic() - started < 3
    assert body["healthy"] is False and "timed out" in body["error"]


def test_consecutive_failures_mark_dead_and_free_accounts(client):
    proxy = ProxyFactory(port=_free_port())  # nothing listens there
    accounts = AccountFactory.create_batch(2, proxy=proxy)
    first = check(client, proxy)
    assert first["health"] == "unknown" and first["consecutive_failures"] == 1
    check(client, proxy)
    third = check(client, proxy)
    assert third["health"] == "dead" and third["consecutive_failures"] == 3
    assert sorted(third["released_accounts"]) == sorted(a.pk for a in accounts)
    assert not proxy.accounts.exists()
    assert AuditEvent.objects.filter(action="proxy.health_change", target=str(proxy.pk)).exists()
    # a dead proxy is no longer handed out
    refused = client.post("/api/v1/proxies/allocate", {"account_id": accounts[0].pk}, format="json")
    assert refused.status_code == 429


def test_dead_proxy_comes_back_alive(client, socks):
    server = socks()
    proxy = ProxyFactory(port=server.port, username="", health=Proxy.Health.DEAD)
    assert check(client, proxy)["health"] == "alive"


def test_check_all_job_checks_the_pool(socks):
    server = socks()
    good = ProxyFactory(port=server.port, username="")
    bad = ProxyFactory(port=_free_port(), consecutive_failures=2)
    ProxyFactory(is_disabled=True, port=_free_port())
    summary = proxies_check_all()
    assert summary["checked"] == 2 and summary["alive"] == 1 and summary["died"] == 1
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.health == "alive" and bad.health == "dead"


def test_unknown_proxy_is_404(client):
    assert client.post("/api/v1/proxies/424242/check-health").status_code == 404


def test_http_proxy_gets_a_tcp_check_only(client, socks):
    server = socks(username="must-not-matter", password="x")
    proxy = ProxyFactory(port=server.port, protocol="http", username="", password="")
    assert check(client, proxy)["healthy"] is True


def test_beat_task_records_a_job_run(socks):
    from accounts.tasks import proxies_check_health_task
    from core.models import JobRun

    server = socks()
    ProxyFactory(port=server.port, username="")
    proxies_check_health_task()
    run = JobRun.objects.get(name="accounts.proxies_check_health")
    assert run.status == "success" and run.result["alive"] == 1


def test_a_host_name_no_resolver_can_encode_is_a_failed_check_not_a_500(client):
    # Found by `make fuzz`: a row holding such a host (stored before hosts were checked, or
    # imported) made getaddrinfo raise UnicodeError out of the check.
    proxy = ProxyFactory(host="\u00a2r\u00f5\u00de\x91x", port=_free_port())
    result = check(client, proxy)
    proxy.refresh_from_db()
    assert proxy.last_checked_at is not None and proxy.consecutive_failures == 1
    assert "host" in proxy.last_error
    assert result


@pytest.mark.parametrize("host", ["bad\x91host", "a b", "-x-", "a..b", "x" * 64 + ".test"])
def test_a_proxy_host_that_is_no_host_name_is_refused(host, client, admin_user, auth_client):
    response = auth_client(admin_user).post(
        "/api/v1/proxies", {"host": host, "port": 1080}, format="json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["body", "host"]
    lines = auth_client(admin_user).post(
        "/api/v1/proxies", {"lines": [f"{host}:1080"]}, format="json"
    )
    assert lines.status_code == 422, lines.content
