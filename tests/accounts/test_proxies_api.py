"""ProxyService over REST: add (one or lines), list, allocate, release, rotate, get."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, Proxy
from core.models import AuditEvent
from core.registry import setting_set
from tests.accounts.factories import AccountFactory, ProxyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(auth_client, operator_user):
    return auth_client(operator_user)


def test_add_one_proxy(client):
    response = client.post(
        "/api/v1/proxies",
        {"host": "10.0.0.1", "port": 1080, "username": "u", "password": "p", "country": "de"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["country"] == "DE" and body["health"] == "unknown" and "password" not in body
    assert Proxy.objects.get(pk=body["id"]).password == "p"
    again = client.post(
        "/api/v1/proxies", {"host": "10.0.0.1", "port": 1080, "username": "u"}, format="json"
    )
    assert again.status_code == 409


def test_add_lines_reports_errors_per_line(client):
    response = client.post(
        "/api/v1/proxies",
        {
            "lines": [
                "1.2.3.4:1080:user:pa:ss",
                "bad-line",
                "1.2.3.5:notaport:u:p",
                "1.2.3.6:1081",
                "1.2.3.4:1080:user:other",
            ],
            "provider": "bulkco",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [p["host"] for p in body["created"]] == ["1.2.3.4", "1.2.3.6"]
    assert [e["line"] for e in body["errors"]] == [2, 3, 5]
    assert Proxy.objects.get(host="1.2.3.4").password == "pa:ss"
    assert set(Proxy.objects.values_list("source", flat=True)) == {"import"}
    all_bad = client.post("/api/v1/proxies", {"lines": ["x"]}, format="json")
    assert all_bad.status_code == 422
    assert all_bad.json()["detail"][0]["loc"] == ["body", "lines", 0]


def test_list_shows_health_and_bound_accounts_without_passwords(client):
    proxy = ProxyFactory(password="very-secret")
    AccountFactory(proxy=proxy)
    ProxyFactory()
    response = client.get("/api/v1/proxies")
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()["results"]}
    assert rows[proxy.pk]["bound_accounts"] == 1
    assert "very-secret" not in response.content.decode()
    assert [r["id"] for r in client.get("/api/v1/proxies?free=true").json()["results"]] != [
        proxy.pk
    ]


def test_allocate_prefers_country_and_provider_and_reuses_live_proxy(client):
    ProxyFactory(country="US", provider="acme")
    de_other = ProxyFactory(country="DE", provider="other")
    de_acme = ProxyFactory(country="DE", provider="acme")
    account = AccountFactory(platform="vk")
    response = client.post(
        "/api/v1/proxies/allocate",
        {
            "account_id": account.pk,
            "platform": "vk",
            "preferred_country": "de",
            "preferred_provider": "acme",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == de_acme.pk and body["password"] == "proxy-pass"
    assert set(body) == {
        "id",
        "host",
        "port",
        "protocol",
        "username",
        "password",
        "country",
        "provider",
        "expires_at",
    }
    # same account again: the same live proxy
    again = client.post("/api/v1/proxies/allocate", {"account_id": account.pk}, format="json")
    assert again.json()["id"] == de_acme.pk
    other = AccountFactory()
    second = client.post(
        "/api/v1/proxies/allocate",
        {"account_id": other.pk, "preferred_country": "DE"},
        format="json",
    )
    assert second.json()["id"] == de_other.pk
    got = client.get(f"/api/v1/accounts/{account.pk}/proxy")
    assert got.status_code == 200 and got.json()["id"] == de_acme.pk


def test_no_free_proxy_is_429_and_audited(client):
    proxy = ProxyFactory()
    AccountFactory(proxy=proxy)
    account = AccountFactory()
    response = client.post("/api/v1/proxies/allocate", {"account_id": account.pk}, format="json")
    assert response.status_code == 429
    assert response.json() == {"detail": "no free proxy"}
    assert AuditEvent.objects.filter(action="proxy.allocate", outcome="denied").exists()


def test_dead_disabled_and_expired_proxies_are_not_allocated(client):
    ProxyFactory(health=Proxy.Health.DEAD)
    ProxyFactory(is_disabled=True)
    ProxyFactory(expires_at=timezone.now() - timedelta(minutes=1))
    account = AccountFactory()
    response = client.post("/api/v1/proxies/allocate", {"account_id": account.pk}, format="json")
    assert response.status_code == 429


def test_dead_bound_proxy_is_replaced_on_allocate(client):
    dead = ProxyFactory(health=Proxy.Health.DEAD)
    fresh = ProxyFactory()
    account = AccountFactory(proxy=dead)
    response = client.post("/api/v1/proxies/allocate", {"account_id": account.pk}, format="json")
    assert response.json()["id"] == fresh.pk


def test_max_accounts_per_proxy_setting(client, admin_user):
    setting_set(key="accounts.max_accounts_per_proxy", value=2, actor=admin_user)
    proxy = ProxyFactory()
    ids = []
    for _ in range(3):
        account = AccountFactory()
        response = client.post(
            "/api/v1/proxies/allocate", {"account_id": account.pk}, format="json"
        )
        ids.append(response.json().get("id") if response.status_code == 200 else 429)
    assert ids == [proxy.pk, proxy.pk, 429]


def test_platform_mismatch_and_unknown_account(client):
    account = AccountFactory(platform="vk")
    ProxyFactory()
    mismatch = client.post(
        "/api/v1/proxies/allocate",
        {"account_id": account.pk, "platform": "telegram"},
        format="json",
    )
    assert mismatch.status_code == 422
    missing = client.post("/api/v1/proxies/allocate", {"account_id": 987654}, format="json")
    assert missing.status_code == 404


def test_release_and_get_proxy_404(client):
    proxy = ProxyFactory()
    account = AccountFactory(proxy=proxy)
    response = client.post("/api/v1/proxies/release", {"account_id": account.pk}, format="json")
    assert response.json() == {"success": True, "released_proxy_id": proxy.pk}
    assert Account.objects.get(pk=account.pk).proxy_id is None
    assert client.get(f"/api/v1/accounts/{account.pk}/proxy").status_code == 404
    again = client.post("/api/v1/proxies/release", {"account_id": account.pk}, format="json")
    assert again.json() == {"success": True, "released_proxy_id": None}


def test_rotate_gives_a_different_proxy_and_frees_the_old(client):
    old = ProxyFactory(country="RU")
    new = ProxyFactory(country="RU")
    account = AccountFactory(proxy=old)
    response = client.post("/api/v1/proxies/rotate", {"account_id": account.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == new.pk
    assert not old.accounts.exists()
    # the old one is taken by someone else, nothing else free: 429, the binding stays
    AccountFactory(proxy=old)
    refused = client.post("/api/v1/proxies/rotate", {"account_id": account.pk}, format="json")
    assert refused.status_code == 429
    assert Account.objects.get(pk=account.pk).proxy_id == new.pk
