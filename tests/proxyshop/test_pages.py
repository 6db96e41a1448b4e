from decimal import Decimal

import pytest
from django.test import Client

from proxyshop.models import LedgerEntry, Order, Wallet
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_login(client):
    response = client.get("/shop/")
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


def test_catalogue_filters_and_pages(browser, stocked):
    page = browser.get("/shop/", {"type": "residential"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "proxies for sale" in body and "/shop/buy/" in body
    assert browser.get("/shop/", {"page": "zz", "max_speed": "x"}).status_code == 200


def test_buy_with_confirmation_then_reveal_and_refund(browser, user, stocked, provider):
    fund(user, "5")
    product = stocked[0]
    confirm = browser.get(f"/shop/buy/{product.pk}/")
    assert b"Confirm purchase" in confirm.content
    key = confirm.context["key"]
    response = browser.post(f"/shop/buy/{product.pk}/", {"idempotency_key": key})
    order = Order.objects.get()
    assert response["Location"] == f"/shop/orders/{order.order_id}/"
    # a double submit of the same form returns the same order
    browser.post(f"/shop/buy/{product.pk}/", {"idempotency_key": key})
    assert Order.objects.count() == 1 and Wallet.objects.get(user=user).balance == 3
    detail = browser.get(f"/shop/orders/{order.order_id}/").content.decode()
    assert order.credentials["password"] in detail and "Reveal" in detail
    assert "Ask for a refund" in detail
    assert "Refund" in browser.get("/shop/orders/").content.decode()
    refused = browser.post(f"/shop/orders/{order.order_id}/refund/", follow=True)
    assert "still online" in refused.content.decode()
    provider.set_online(order.proxy_id, False)
    done = browser.post(f"/shop/orders/{order.order_id}/refund/", follow=True)
    assert "Refunded 2.00" in done.content.decode()
    assert "Ask for a refund" not in browser.get(f"/shop/orders/{order.order_id}/").content.decode()
    balance = browser.get("/shop/balance/").content.decode()
    assert "refund" in balance and "$5.00" in balance


def test_buy_refusal_is_shown(browser, stocked):
    response = browser.post(f"/shop/buy/{stocked[0].pk}/", {"idempotency_key": "x"}, follow=True)
    assert "Not enough balance" in response.content.decode()


def test_admin_screens_and_actions(admin_client, admin_user, user, stocked, provider):
    fund(user, "4")
    for path in (
        "/admin/proxyshop/product/",
        "/admin/proxyshop/order/",
        "/admin/proxyshop/wallet/",
        "/admin/proxyshop/ledgerentry/",
        "/admin/proxyshop/syncrun/",
        "/admin/proxyshop/syncrun/dashboard/",
    ):
        assert admin_client.get(path).status_code == 200, path
    provider.add_proxies(3)
    admin_client.post("/admin/proxyshop/syncrun/sync-now/")
    assert "3 added" in admin_client.get("/admin/proxyshop/syncrun/").content.decode()
    wallet = Wallet.objects.get(user=user)
    admin_client.post(
        "/admin/proxyshop/wallet/",
        {
            "action": "topup",
            "_selected_action": [wallet.pk],
            "apply": "1",
            "amount": "6.00",
            "note": "gift",
        },
    )
    wallet.refresh_from_db()
    assert wallet.balance == 10 and LedgerEntry.objects.filter(note="gift").exists()
    r = admin_client.post(
        "/admin/proxyshop/wallet/",
        follow=True,
        data={
            "action": "adjust",
            "_selected_action": [wallet.pk],
            "apply": "1",
            "amount": "-1.50",
            "note": "correction",
        },
    )
    wallet.refresh_from_db()
    assert f"{user.username}: done." in [str(m) for m in r.context["messages"]]
    assert wallet.balance == Decimal("8.50")
    assert LedgerEntry.objects.get(note="correction").kind == "adjustment"
    form = admin_client.post(
        "/admin/proxyshop/wallet/", {"action": "adjust", "_selected_action": [wallet.pk]}
    )
    assert b"Adjust wallets" in form.content
    dashboard = admin_client.get("/admin/proxyshop/syncrun/dashboard/").content.decode()
    assert "Inventory by country" in dashboard and "bar inv" in dashboard


def test_admin_refund_action(admin_client, auth_client, user, stocked, provider):
    fund(user, "2")
    auth_client(user).post(
        "/api/external-proxy/purchase", {"product_id": stocked[0].pk}, format="json"
    )
    order = Order.objects.get()
    provider.set_online(order.proxy_id, False)
    admin_client.post(
        "/admin/proxyshop/order/", {"action": "refund", "_selected_action": [order.pk]}
    )
    order.refresh_from_db()
    assert order.status == "refunded"
