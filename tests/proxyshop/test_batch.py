from decimal import Decimal

import pytest

from proxyshop.models import Order, Product, ProductState, ProviderRollback, Wallet
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db
URL = "/api/external-proxy/purchase/batch"


@pytest.fixture
def buyer(user):
    fund(user, "20.00")
    return user


def test_batch_by_ids_buys_all(auth_client, buyer, stocked):
    ids = [p.pk for p in stocked[:3]]
    response = auth_client(buyer).post(URL, {"product_ids": ids}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3 and body["total_price"] == 6.0
    assert body["batch_id"].startswith("BAT-") and body["orders"][0]["order_id"].startswith("ORD-")
    assert Wallet.objects.get(user=buyer).balance == Decimal("14.00")
    assert Product.objects.filter(pk__in=ids, state=ProductState.SOLD).count() == 3


def test_batch_by_quantity_with_filters(auth_client, buyer, stocked):
    country = stocked[0].country_code
    matching = Product.objects.filter(country_code=country).count()
    response = auth_client(buyer).post(URL, {"quantity": 2, "country_code": country}, format="json")
    assert response.status_code == 200
    assert {o.product.country_code for o in Order.objects.all()} == {country}
    too_many = auth_client(buyer).post(
        URL, {"quantity": matching, "country_code": country}, format="json"
    )
    assert too_many.status_code == 409 and "Only" in too_many.json()["detail"]


def test_batch_refusals_buy_nothing(auth_client, user, stocked, provider):
    fund(user, "5.00")
    client = auth_client(user)
    ids = [p.pk for p in stocked[:3]]
    assert client.post(URL, {"product_ids": ids}, format="json").status_code == 402
    assert (
        client.post(URL, {"product_ids": [stocked[0].pk, 999999]}, format="json").status_code == 404
    )
    assert client.post(URL, {}, format="json").status_code == 422
    assert client.post(URL, {"product_ids": [1], "quantity": 1}, format="json").status_code == 422
    assert client.post(URL, {"quantity": 51}, format="json").status_code == 422
    assert not provider.calls("buy") and not Order.objects.exists()


def test_failure_midway_undoes_at_the_provider_and_charges_nothing(
    auth_client, buyer, stocked, provider
):
    ids = [p.pk for p in stocked[:3]]
    third = stocked[2]
    provider.set_online(third.proxy_id, False)  # the provider answers 410 for it
    # the first two will be offline by refund time, so the provider accepts one refund
    original = provider._buy

    def buy_then_drop(request):
        response = original(request)
        if request.arg("proxy_id") == str(stocked[0].proxy_id):
            provider.set_online(stocked[0].proxy_id, False)
        return response

    provider.server.route(
        "GET", "/api/v1/authorized/proxy/buy", provider._wrap("buy", buy_then_drop)
    )
    response = auth_client(buyer).post(URL, {"product_ids": ids}, format="json")
    assert response.status_code == 409 and "not charged" in response.json()["detail"]
    assert Wallet.objects.get(user=buyer).balance == Decimal("20.00")
    assert not Order.objects.exists()
    rollbacks = {r.proxy_id: r.refunded for r in ProviderRollback.objects.all()}
    assert rollbacks == {stocked[0].proxy_id: True, stocked[1].proxy_id: False}
    assert len(provider.calls("refund")) == 2
    states = set(Product.objects.filter(pk__in=ids).values_list("state", flat=True))
    assert states == {ProductState.UNAVAILABLE}


def test_batch_idempotency(auth_client, buyer, stocked, provider):
    client = auth_client(buyer)
    body = {"product_ids": [stocked[0].pk, stocked[1].pk]}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    assert first.json() == second.json() and len(provider.calls("buy")) == 2
    assert Wallet.objects.get(user=buyer).balance == Decimal("16.00")
