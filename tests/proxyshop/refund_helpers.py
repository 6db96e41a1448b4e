"""Helpers of the refund tests: buy a proxy that then goes offline, ask for a refund, lose the
provider's answer to it, read balances and refund entries."""

from decimal import Decimal

from proxyshop.models import LedgerEntry, Order, Wallet
from tests.proxyshop.conftest import configure

URL = "/api/external-proxy/refund"


def buy_offline(client, provider, product) -> Order:
    body = client.post(
        "/api/external-proxy/purchase", {"product_id": product.pk}, format="json"
    ).json()
    order = Order.objects.get(order_id=body["order_id"])
    provider.set_online(order.proxy_id, False)
    return order


def refund(client, order):
    return client.post(URL, {"order_id": order.order_id}, format="json")


def balance(user) -> Decimal:
    return Wallet.objects.get(user=user).balance


def refund_entries(order) -> int:
    return LedgerEntry.objects.filter(kind="refund", order=order).count()


def lose_the_answer(client, provider, order, *, refunded: bool):
    """Ask for a refund whose answer never arrives; the provider makes it iff `refunded`."""
    configure(timeout="0.3")
    provider.fail("refund", delay=1.0, apply=refunded)
    response = refund(client, order)
    configure(timeout="2")
    assert provider.bought[order.credentials_id]["refunded"] is refunded
    return response
