"""Races on the real threaded server with real parallel HTTP requests."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command

from proxyshop.models import LedgerEntry, Order, Product, ProductState, Wallet
from proxyshop.services import proxies_sync
from tests.factories import UserFactory
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db(transaction=True)
PRICE = Decimal("2.00")


def test_200_purchases_from_10_users_sell_each_proxy_once(live_server, provider, make_token):
    provider.add_proxies(20)
    proxies_sync(trigger="test")
    product_ids = list(Product.objects.values_list("id", flat=True))
    users = [UserFactory() for _ in range(10)]
    start = Decimal("8.00")  # four proxies each: 40 > 20, so balances race too
    for user in users:
        fund(user, start)
    tokens = [make_token(user) for user in users]
    plan = []
    for index in range(10):
        ids = product_ids[:]
        random.Random(index).shuffle(ids)
        plan += [(index, pid) for pid in ids]
    random.Random(99).shuffle(plan)

    def buy(job):
        index, product_id = job
        with httpx.Client(base_url=live_server.url, timeout=60) as client:
            response = client.post(
                "/api/external-proxy/purchase",
                json={"product_id": product_id},
                headers={"Authorization": f"Bearer {tokens[index]}"},
            )
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(buy, plan))
    assert len(plan) == 200
    assert statuses[200] == 20, statuses
    assert set(statuses) <= {200, 402, 409}, statuses
    assert Order.objects.count() == 20
    assert Order.objects.values("product").distinct().count() == 20
    assert len(provider.bought) == 20
    assert Product.objects.filter(state=ProductState.SOLD).count() == 20
    for user in users:
        bought = Order.objects.filter(user=user).count()
        assert Wallet.objects.get(user=user).balance == start - PRICE * bought
    call_command("check_ledgers")


def test_same_idempotency_key_in_parallel_then_10_parallel_refunds_credit_once(
    live_server, provider, make_token
):
    provider.add_proxies(1)
    proxies_sync(trigger="test")
    user = UserFactory()
    fund(user, "4.00")
    token = make_token(user)
    headers = {"Authorization": f"Bearer {token}"}
    product_id = Product.objects.get().pk

    def buy(_):
        with httpx.Client(base_url=live_server.url, timeout=60, headers=headers) as client:
            return client.post(
                "/api/external-proxy/purchase",
                json={"product_id": product_id},
                headers={"Idempotency-Key": "same-key"},
            )

    with ThreadPoolExecutor(max_workers=5) as pool:
        bought = list(pool.map(buy, range(5)))
    assert {r.status_code for r in bought} == {200}
    assert len({r.json()["order_id"] for r in bought}) == 1
    assert Order.objects.count() == 1 and len(provider.bought) == 1
    assert Wallet.objects.get(user=user).balance == Decimal("2.00")
    order_id = bought[0].json()["order_id"]
    provider.set_online(Order.objects.get().proxy_id, False)

    def refund(_):
        with httpx.Client(base_url=live_server.url, timeout=60, headers=headers) as client:
            return client.post("/api/external-proxy/refund", json={"order_id": order_id})

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(refund, range(10)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 9}, statuses
    assert all(
        "already been refunded" in r.json()["detail"] for r in responses if r.status_code == 409
    )
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert Wallet.objects.get(user=user).balance == Decimal("4.00")
    assert len(provider.calls("refund")) == 1
    call_command("check_ledgers")
