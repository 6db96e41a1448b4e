"""The proxy shop in a browser, against the fake provider: catalogue, filter, buy, orders,
refund, balance."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from core.models import SystemSetting
from core.registry import settings_forget
from fakes.provider import FakeProvider
from proxyshop.models import Order
from proxyshop.services import proxies_sync
from tests.proxyshop.factories import fund

from .conftest import log_in

TOKEN = "browser-provider-token"


@pytest.fixture(scope="module")
def _provider_server() -> Iterator[FakeProvider]:
    fake = FakeProvider(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def provider(db, _provider_server) -> FakeProvider:
    """The fake provider with 6 German and 14 other proxies, synced into the shop."""
    _provider_server.reset()
    values = {"api_url": _provider_server.url, "api_token": TOKEN, "timeout": "10"}
    for key, value in values.items():
        SystemSetting.objects.update_or_create(key=f"proxyshop.{key}", defaults={"value": value})
    settings_forget(f"proxyshop.{key}" for key in values)
    _provider_server.add_proxies(6, country_code="DE")
    _provider_server.add_proxies(14, country_code="US")
    proxies_sync(trigger="test")
    return _provider_server


def test_filter_buy_refund_and_balance(page, customer, provider):
    fund(customer, "5")
    log_in(page, "carol", next_url="/shop/")
    expect(page.get_by_text("20 proxies for sale")).to_be_visible()
    expect(page.get_by_text("Your balance: $5.00")).to_be_visible()
    page.locator("select[name=country_code]").select_option("DE")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("6 proxies for sale")).to_be_visible()
    expect(page.locator("td", has_text="(DE)")).to_have_count(6)

    page.get_by_role("link", name="Buy").first.click()
    expect(page.get_by_role("heading", name="Confirm purchase")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Buy for \$2\.00$")).click()
    expect(page.locator(".messages")).to_contain_text("Bought proxy")
    order = Order.objects.get(user=customer)
    expect(page.get_by_role("heading", name=f"Order {order.order_id}")).to_be_visible()
    password = order.credentials["password"]
    expect(page.locator("#pw")).not_to_have_text(password)
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#pw")).to_have_text(password)

    page.get_by_role("button", name="Ask for a refund").click()
    expect(page.locator(".messages")).to_contain_text("still online")
    provider.set_online(order.proxy_id, False)
    page.get_by_role("button", name="Ask for a refund").click()
    expect(page.locator(".messages")).to_contain_text("Refunded 2.00")
    expect(page.get_by_role("button", name="Ask for a refund")).to_have_count(0)

    page.get_by_role("link", name="My orders").click()
    expect(page.locator("tr", has_text=order.order_id)).to_contain_text("Refunded")
    page.get_by_role("link", name="Balance").click()
    expect(page.get_by_role("heading", name="Balance: $5.00")).to_be_visible()
    kinds = page.locator("table tr td:nth-child(2)")
    expect(kinds).to_have_text(["refund", "purchase", "topup"])


def test_a_purchase_without_balance_is_refused_on_the_page(page, customer, provider):
    log_in(page, "carol", next_url="/shop/")
    page.get_by_role("link", name="Buy").first.click()
    page.get_by_role("button", name=re.compile(r"^Buy for")).click()
    expect(page.locator(".messages")).to_contain_text("Not enough balance")
    assert not Order.objects.exists()
