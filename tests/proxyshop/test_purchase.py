from decimal import Decimal

import pytest
from django.db import connection

from core.models import AuditEvent
from proxyshop.models import LedgerEntry, Order, Product, ProductState, ProviderRollback, Wallet
from tests.proxyshop.conftest import configure
from tests.proxyshop.factories import ProductFactory, fund

pytestmark = pytest.mark.django_db
URL = "/api/external-proxy/purchase"


@pytest.fixture
def buyer(user):
    fund(user, "10.00")
    return user


def balance(user) -> Decimal:
    return Wallet.objects.get(user=user).balance


def test_purchase_returns_the_seed_shape_and_charges_the_price(
    auth_client, buyer, stocked, provider
):
    product = stocked[0]
    response = auth_client(buyer).post(URL, {"product_id": product.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"order_id", "proxy_id", "credentials", "price", "expires_at", "refundable"}
    assert body["order_id"].startswith("ORD-") and body["proxy_id"] == product.proxy_id
    assert set(body["credentials"]) == {"ip", "port", "login", "password", "country", "ISP"}
    record = next(iter(provider.bought.values()))
    assert body["credentials"]["password"] == record["password"]
    assert body["price"] == 2.0 and body["refundable"] is True and body["expires_at"]
    assert balance(buyer) == Decimal("8.00")
    product.refresh_from_db()
    assert product.state == ProductState.SOLD
    entry = LedgerEntry.objects.get(kind="purchase")
    assert entry.amount == Decimal("-2.00") and entry.order.order_id == body["order_id"]
    event = AuditEvent.objects.get(action="proxyshop.purchase", outcome="success")
    assert record["password"] not in str(event.data)


def test_credentials_are_encrypted_at_rest(auth_client, buyer, stocked, provider):
    auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    password = next(iter(provider.bought.values()))["password"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM proxyshop_order")
        raw = cursor.fetchone()[0]
    assert password not in raw and "login" not in raw
    assert Order.objects.get().credentials["password"] == password


def test_price_comes_from_the_registry(auth_client, buyer, stocked):
    configure(price="3.50")
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.json()["price"] == 3.5 and balance(buyer) == Decimal("6.50")


def test_not_enough_balance_is_402_and_nothing_bought(auth_client, user, stocked, provider):
    fund(user, "1.99")
    response = auth_client(user).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == 402
    assert not provider.calls("buy") and balance(user) == Decimal("1.99")
    assert AuditEvent.objects.filter(action="proxyshop.purchase", outcome="denied").exists()


def test_sold_is_409_unknown_is_404_bad_input_is_422(auth_client, buyer, stocked):
    client = auth_client(buyer)
    assert client.post(URL, {"product_id": stocked[0].pk}, format="json").status_code == 200
    again = client.post(URL, {"product_id": stocked[0].pk}, format="json")
    assert again.status_code == 409 and "already been sold" in again.json()["detail"]
    assert client.post(URL, {"product_id": 999999}, format="json").status_code == 404
    bad = client.post(URL, {"product_id": "x"}, format="json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "product_id"]
    Product.objects.filter(pk=stocked[1].pk).update(state=ProductState.UNAVAILABLE)
    assert client.post(URL, {"product_id": stocked[1].pk}, format="json").status_code == 409
    assert balance(buyer) == Decimal("8.00")


@pytest.mark.parametrize(
    ("failure", "status", "message", "state"),
    [
        ({"status": 403}, 502, "balance at the proxy provider is too low", "available"),
        ({"status": 500}, 503, "failed the buy (HTTP 500)", "available"),
        ({"status": 503}, 503, "HTTP 503", "available"),
        ({"status": 404}, 409, "no longer available", "unavailable"),
        ({"status": 410}, 409, "no longer available", "unavailable"),
        ({"status": 200, "body": {"proxy_id": 1}}, 502, "lacks", "available"),
    ],
)
def test_provider_failure_charges_nothing(
    auth_client, buyer, stocked, provider, failure, status, message, state
):
    provider.fail("buy", **failure)
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == status, response.content
    assert message in response.json()["detail"]
    assert "not charged" in response.json()["detail"]
    assert balance(buyer) == Decimal("10.00") and not Order.objects.exists()
    assert len(provider.calls("buy")) == 1
    stocked[0].refresh_from_db()
    assert stocked[0].state == state
    assert AuditEvent.objects.filter(
        action="proxyshop.purchase", outcome__in=["denied", "error"]
    ).exists()


def test_timeout_without_a_buy_charges_nothing(auth_client, buyer, stocked, provider):
    configure(timeout="0.3")
    provider.fail("buy", delay=1.0)
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == 503 and "did not answer" in response.json()["detail"]
    assert balance(buyer) == Decimal("10.00")
    stocked[0].refresh_from_db()
    assert stocked[0].state == ProductState.AVAILABLE
    assert len(provider.calls("buy")) == 1 and provider.calls("bought")


def test_timeout_after_a_real_buy_is_reconciled_not_rebought(auth_client, buyer, stocked, provider):
    configure(timeout="0.3")
    provider.fail("buy", delay=1.0, apply=True)
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == 200
    assert (
        response.json()["credentials"]["login"] == next(iter(provider.bought.values()))["username"]
    )
    assert len(provider.calls("buy")) == 1 and balance(buyer) == Decimal("8.00")


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_after_a_real_buy_is_reconciled_not_rebought(
    auth_client, buyer, stocked, provider, status
):
    """A gateway error or a provider crash after the buy committed there hides a sale: the
    bought list finds it, the buyer gets the proxy and pays once."""
    provider.fail("buy", status=status, apply=True)
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == 200, response.content
    assert (
        response.json()["credentials"]["login"] == next(iter(provider.bought.values()))["username"]
    )
    assert len(provider.calls("buy")) == 1 and provider.calls("bought")
    assert balance(buyer) == Decimal("8.00") and Order.objects.count() == 1


def test_a_refusal_of_the_buy_is_not_looked_up(auth_client, buyer, stocked, provider):
    """A 4xx is a definite answer: nothing was bought, nothing to look up."""
    provider.fail("buy", status=403)
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == 502
    assert not provider.calls("bought") and balance(buyer) == Decimal("10.00")


def test_idempotency_key_returns_the_first_order_and_charges_once(
    auth_client, buyer, stocked, provider
):
    client = auth_client(buyer)
    first = client.post(
        URL, {"product_id": stocked[0].pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = client.post(
        URL, {"product_id": stocked[0].pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert second.status_code == 200 and second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert len(provider.calls("buy")) == 1 and balance(buyer) == Decimal("8.00")
    other = client.post(
        URL, {"product_id": stocked[1].pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 409 and "another product" in other.json()["detail"]


def test_anonymous_is_401(api_client, stocked):
    assert api_client.post(URL, {"product_id": stocked[0].pk}, format="json").status_code == 401


def test_a_503_on_the_buy_is_a_definite_failure_not_looked_up(
    auth_client, buyer, stocked, provider
):
    """docs/upstream.md: 503 on buy = the remote proxy server failed; nothing was bought."""
    provider.fail("buy", status=503)
    response = auth_client(buyer).post(URL, {"product_id": stocked[0].pk}, format="json")
    assert response.status_code == 503 and "not charged" in response.json()["detail"]
    assert not provider.calls("bought") and balance(buyer) == Decimal("10.00")
    assert not Order.objects.exists()


@pytest.mark.parametrize("recorded_by", ["order", "rollback"])
def test_an_earlier_purchase_of_the_same_proxy_is_not_taken_for_this_one(
    auth_client, buyer, user, stocked, provider, recorded_by
):
    """The bought list still holds an earlier (refunded) purchase of the proxy that the shop
    recorded: a lost buy must not adopt it. Here the lost buy did happen: its own row wins."""
    product = stocked[0]
    earlier = provider.add_bought(product.proxy_id, refunded=True)
    if recorded_by == "order":
        Order.objects.create(
            order_id="ORD-EARLIER",
            user=user,
            product=ProductFactory(proxy_id=product.proxy_id + 10**6),
            proxy_id=product.proxy_id,
            credentials_id=earlier["credentials_id"],
            credentials={},
            price=Decimal("2.00"),
            status="refunded",
        )
    else:
        ProviderRollback.objects.create(
            batch_ref="BAT-EARLIER",
            proxy_id=product.proxy_id,
            credentials_id=earlier["credentials_id"],
            refunded=True,
        )
    provider.fail("buy", status=502, apply=True)
    response = auth_client(buyer).post(URL, {"product_id": product.pk}, format="json")
    assert response.status_code == 200, response.content
    mine = next(r for r in provider.bought.values() if not r["refunded"])
    assert response.json()["credentials"]["login"] == mine["username"] != earlier["username"]
    order = Order.objects.get(order_id=response.json()["order_id"])
    assert order.credentials_id == mine["credentials_id"]


def test_a_lost_buy_that_did_not_happen_does_not_adopt_an_earlier_purchase(
    auth_client, buyer, stocked, provider
):
    product = stocked[0]
    earlier = provider.add_bought(product.proxy_id, refunded=True)
    ProviderRollback.objects.create(
        batch_ref="BAT-EARLIER",
        proxy_id=product.proxy_id,
        credentials_id=earlier["credentials_id"],
        refunded=True,
    )
    provider.fail("buy", status=502)
    response = auth_client(buyer).post(URL, {"product_id": product.pk}, format="json")
    assert response.status_code == 503, response.content
    assert provider.calls("bought") and balance(buyer) == Decimal("10.00")
    assert not Order.objects.filter(credentials_id=earlier["credentials_id"]).exists()
