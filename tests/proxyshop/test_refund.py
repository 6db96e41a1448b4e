from decimal import Decimal

import pytest

from core.models import AuditEvent
from proxyshop.models import LedgerEntry, Order, Wallet
from tests.factories import UserFactory
from tests.proxyshop.conftest import configure
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db
URL = "/api/external-proxy/refund"


@pytest.fixture
def order(auth_client, user, stocked):
    fund(user, "10.00")
    body = (
        auth_client(user)
        .post("/api/external-proxy/purchase", {"product_id": stocked[0].pk}, format="json")
        .json()
    )
    return Order.objects.get(order_id=body["order_id"])


def refund(client, order):
    return client.post(URL, {"order_id": order.order_id}, format="json")


def test_refund_of_an_offline_proxy_credits_the_ledger(auth_client, user, order, provider):
    provider.set_online(order.proxy_id, False)
    response = refund(auth_client(user), order)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "success",
        "message": "Proxy refunded successfully",
        "refund_amount": 2.0,
    }
    assert Wallet.objects.get(user=user).balance == Decimal("10.00")
    assert LedgerEntry.objects.filter(kind="refund", order=order).count() == 1
    order.refresh_from_db()
    assert order.status == "refunded" and order.refund_amount == Decimal("2.00")
    # the refund intent (pending, stamped) recorded before the refund call is settled
    assert (order.refund_unknown_at, order.refund_check) == (None, "")
    assert provider.calls("refund") and provider.calls("check-refundable")
    assert AuditEvent.objects.filter(action="proxyshop.refund", outcome="success").exists()


def test_refund_refused_while_the_proxy_is_online(auth_client, user, order, provider):
    response = refund(auth_client(user), order)
    assert response.status_code == 409 and "still online" in response.json()["detail"]
    assert not provider.calls("refund")
    assert Wallet.objects.get(user=user).balance == Decimal("8.00")
    assert AuditEvent.objects.filter(action="proxyshop.refund", outcome="denied").exists()


def test_refund_refused_after_one_hour(auth_client, user, order, provider):
    provider.set_online(order.proxy_id, False)
    Order.objects.filter(pk=order.pk).update(created_at=order.created_at.replace(year=2020))
    response = refund(auth_client(user), order)
    assert response.status_code == 409 and "Too late" in response.json()["detail"]
    assert "1h" in response.json()["detail"]
    assert not provider.calls("lookup")


def test_refund_window_is_a_setting(auth_client, user, order, provider):
    provider.set_online(order.proxy_id, False)
    configure(refund_window=0)
    assert "Too late" in refund(auth_client(user), order).json()["detail"]


def test_refund_only_once(auth_client, user, order, provider):
    provider.set_online(order.proxy_id, False)
    client = auth_client(user)
    assert refund(client, order).status_code == 200
    again = refund(client, order)
    assert again.status_code == 409 and "already been refunded" in again.json()["detail"]
    assert Wallet.objects.get(user=user).balance == Decimal("10.00")


def test_refund_not_yours_but_admin_may(auth_client, user, admin_user, order, provider):
    provider.set_online(order.proxy_id, False)
    stranger = auth_client(UserFactory())
    # Someone else's order answers exactly like an order that does not exist, and like reading
    # it does: refunding is no oracle for which orders exist.
    theirs = refund(stranger, order)
    unknown = refund(stranger, Order(order_id="ORD-NOSUCHORDER"))
    read = stranger.get(f"/api/external-proxy/orders/{order.order_id}")
    assert theirs.status_code == unknown.status_code == read.status_code == 404
    assert theirs.json() == unknown.json() == read.json()
    # An admin's token restricted to `default` carries no power over others' orders either.
    restricted = auth_client(admin_user, policies=["default"])
    assert refund(restricted, order).status_code == 404
    assert Wallet.objects.get(user=user).balance == Decimal("8.00")
    assert refund(auth_client(admin_user), order).status_code == 200
    assert Wallet.objects.get(user=user).balance == Decimal("10.00")


def test_refund_of_unknown_order_is_404(auth_client, user, provider):
    assert refund(auth_client(user), Order(order_id="ORD-NOPE")).status_code == 404


def test_provider_refusal_is_reported(auth_client, user, order, provider):
    provider.set_online(order.proxy_id, False)
    provider.age_purchase(order.credentials_id, 7200)  # the provider's own window passed
    response = refund(auth_client(user), order)
    assert response.status_code == 409 and "provider refuses" in response.json()["detail"]
    provider.age_purchase(order.credentials_id, -7200)
    provider.fail("refund", status=400, body={"message": "already refunded"})
    response = refund(auth_client(user), order)
    assert response.status_code == 409 and "already refunded" in response.json()["detail"]
    assert Wallet.objects.get(user=user).balance == Decimal("8.00")
    # the refund intent recorded before the refund call is withdrawn: the order is as it was
    order.refresh_from_db()
    assert (order.status, order.refund_unknown_at, order.refund_check) == ("active", None, "")


def test_provider_down_during_refund_is_503(auth_client, user, order, provider):
    configure(retries=0)
    provider.fail("lookup", status=500)
    response = refund(auth_client(user), order)
    assert response.status_code == 503
    assert Order.objects.get(pk=order.pk).status == "active"


def test_gone_proxy_counts_as_offline(auth_client, user, order, provider):
    provider.set_online(order.proxy_id, False)
    provider.fail("lookup", status=404)
    assert refund(auth_client(user), order).status_code == 200
