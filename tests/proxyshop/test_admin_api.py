import pytest

from proxyshop.models import Product, ProductState
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db
BASE = "/api/external-proxy/"


def test_admin_endpoints_refuse_users(auth_client, user):
    client = auth_client(user)
    for method, path in (
        ("post", "sync"),
        ("post", "cleanup"),
        ("get", "stats"),
        ("get", "scheduler-status"),
    ):
        assert getattr(client, method)(BASE + path).status_code == 403, path


def test_manual_sync_returns_the_seed_stats(auth_client, admin_user, provider):
    provider.add_proxies(12)
    response = auth_client(admin_user).post(
        BASE + "sync", {"country_code": "US", "page_size": 5}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    us = sum(1 for i in provider.items.values() if i["country_code"] == "US")
    assert {
        "total_fetched",
        "total_available_external",
        "added",
        "updated",
        "skipped",
        "sync_time",
    } <= set(body)
    assert body["added"] == us == body["total_available_external"]
    assert provider.calls("list")[0].arg("country_code") == "US"


def test_sync_when_provider_down_is_503(auth_client, admin_user, provider):
    provider.fail("list", status=500, times=5)
    response = auth_client(admin_user).post(BASE + "sync", {}, format="json")
    assert response.status_code == 503 and "HTTP 500" in response.json()["detail"]
    status = auth_client(admin_user).get(BASE + "scheduler-status").json()
    assert "HTTP 500" in status["last_error"] and status["running"] is False
    assert status["last_run"]["status"] == "failed" and status["interval_minutes"] == 5


def test_cleanup_removes_offline_proxies(auth_client, admin_user, stocked, provider):
    provider.set_online(stocked[0].proxy_id, False)
    provider.set_online(stocked[1].proxy_id, False)
    response = auth_client(admin_user).post(BASE + "cleanup")
    assert response.json() == {
        "status": "success",
        "removed_count": 2,
        "message": "Removed 2 expired proxies from inventory",
    }
    assert not Product.objects.filter(pk__in=[stocked[0].pk, stocked[1].pk]).exists()


def test_stats(auth_client, admin_user, user, stocked, provider):
    fund(user, "10")
    client = auth_client(user)
    for product in stocked[:3]:
        client.post(BASE + "purchase", {"product_id": product.pk}, format="json")
    order_id = client.get(BASE + "orders").json()["results"][0]["order_id"]
    provider.set_online(Product.objects.filter(state=ProductState.SOLD).first().proxy_id, False)
    for item in provider.items.values():
        item["status"] = 0
    client.post(BASE + "refund", {"order_id": order_id}, format="json")
    body = auth_client(admin_user).get(BASE + "stats").json()
    assert body["total_inventory"] == 17 and body["total_sold"] == 3
    assert body["total_refunded"] == 1 and body["revenue"] == 4.0
    assert body["countries_available"] == 5 and body["last_sync"]


def test_scheduler_status_shows_a_running_sync_and_the_next_run(auth_client, admin_user, provider):
    from core.locks import job_lock

    provider.add_proxies(1)
    client = auth_client(admin_user)
    before = client.get(BASE + "scheduler-status").json()
    assert before["last_run"] is None and before["enabled"] is True and before["next_run"]
    with job_lock("proxyshop.sync", 60):
        assert client.get(BASE + "scheduler-status").json()["running"] is True
        assert client.post(BASE + "sync", {}, format="json").status_code == 409
    client.post(BASE + "sync", {}, format="json")
    after = client.get(BASE + "scheduler-status").json()
    assert after["running"] is False and after["last_run"]["added"] == 1
    assert after["next_run"] > after["last_run"]["sync_time"]
