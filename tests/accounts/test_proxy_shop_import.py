"""Proxies bought in the proxy shop taken into the fleet's pool."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Proxy
from proxyshop.models import Order
from tests.proxyshop.factories import ProductFactory

pytestmark = pytest.mark.django_db


def make_order(user, **kwargs) -> Order:
    product = ProductFactory(country_code="DE")
    return Order.objects.create(
        order_id=kwargs.pop("order_id", "ord-1"),
        user=user,
        product=product,
        proxy_id=product.proxy_id,
        credentials_id=1,
        credentials={"ip": "10.1.2.3", "port": "1085", "login": "shopu", "password": "shopp"},
        price=Decimal("2.00"),
        expires_at=timezone.now() + timedelta(days=30),
        **kwargs,
    )


def test_shop_order_becomes_a_pool_proxy(auth_client, operator_user):
    order = make_order(operator_user)
    client = auth_client(operator_user)
    response = client.post("/api/v1/proxies/from-shop-order", {"order_id": order.order_id})
    assert response.status_code == 201, response.content
    proxy = Proxy.objects.get(pk=response.json()["id"])
    assert (proxy.host, proxy.port, proxy.username, proxy.password) == (
        "10.1.2.3",
        1085,
        "shopu",
        "shopp",
    )
    assert proxy.country == "DE" and proxy.source == "shop" and proxy.source_ref == "ord-1"
    assert proxy.expires_at == order.expires_at
    again = client.post("/api/v1/proxies/from-shop-order", {"order_id": order.order_id})
    assert again.status_code == 409


def test_unknown_and_refunded_orders_are_refused(auth_client, operator_user):
    client = auth_client(operator_user)
    assert client.post("/api/v1/proxies/from-shop-order", {"order_id": "nope"}).status_code == 404
    make_order(operator_user, order_id="ord-r", status="refunded")
    assert client.post("/api/v1/proxies/from-shop-order", {"order_id": "ord-r"}).status_code == 409


def test_an_operator_cannot_take_a_customers_proxy(auth_client, operator_user, user, admin_user):
    make_order(user, order_id="ord-cust")
    refused = auth_client(operator_user).post(
        "/api/v1/proxies/from-shop-order", {"order_id": "ord-cust"}
    )
    assert refused.status_code == 404
    assert not Proxy.objects.filter(source_ref="ord-cust").exists()
    taken = auth_client(admin_user).post(
        "/api/v1/proxies/from-shop-order", {"order_id": "ord-cust"}
    )
    assert taken.status_code == 201
