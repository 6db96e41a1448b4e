from decimal import Decimal

import pytest

from proxyshop.provider import (
    ProviderBadResponse,
    ProviderBalanceTooLow,
    ProviderClient,
    ProviderRefused,
    ProviderTimeout,
    ProviderUnavailable,
    ProxyGone,
    parse_item,
)
from tests.proxyshop.conftest import TOKEN, configure

pytestmark = pytest.mark.django_db


def test_client_sends_the_raw_token_and_parses_items(provider):
    provider.add_proxies(3, country_code="DE")
    with ProviderClient() as client:
        page = client.list_page(page=0, page_size=2)
    assert page.total == 3 and len(page.items) == 2
    assert provider.requests[0].headers["authorization"] == TOKEN
    assert provider.requests[0].arg("status") == "1"
    assert page.items[0].country_code == "DE"


def test_wrong_token_is_an_operator_readable_error(provider):
    configure(api_token="wrong")
    with ProviderClient() as client, pytest.raises(Exception, match="API token"):
        client.list_page(page=0, page_size=10)


def test_registry_override_points_the_client_elsewhere(provider, fake_server):
    other = fake_server()
    configure(api_url=other.url + "/api/v1/authorized")
    with ProviderClient() as client, pytest.raises(ProxyGone):
        client.lookup(proxy_id=1)  # the bare fake server answers 404 to everything
    assert other.requests and not provider.requests


def test_item_without_proxy_id_or_ip_is_rejected():
    assert parse_item({"ip": "1.2.3.4"}) is None
    assert parse_item({"proxy_id": 5}) is None
    item = parse_item(
        {"proxy_id": "7", "ip": "1.2.3.4", "hosting": True, "speed": "388", "extra": "ignored"}
    )
    assert item.kind == "hosting" and item.speed == 388 and item.city == ""


def test_idempotent_calls_are_retried_on_5xx(provider):
    provider.add_proxies(1)
    provider.fail("list", status=500, times=2)
    with ProviderClient() as client:
        page = client.list_page(page=0, page_size=10)
    assert len(page.items) == 1
    assert len(provider.calls("list")) == 3


def test_timeouts_exhaust_retries_then_say_provider_down(provider):
    configure(timeout="0.2", retries=1)
    provider.fail("list", delay=1.0, times=2)
    with ProviderClient() as client, pytest.raises(ProviderTimeout, match="did not answer"):
        client.list_page(page=0, page_size=10)
    assert len(provider.calls("list")) == 2


def test_buy_is_never_retried(provider):
    item = provider.add_proxy()
    provider.fail("buy", status=500)
    with ProviderClient() as client, pytest.raises(ProviderUnavailable):
        client.buy(proxy_id=item["proxy_id"])
    assert len(provider.calls("buy")) == 1


def test_buy_failures_are_typed(provider):
    item = provider.add_proxy()
    provider.balance = Decimal("0")
    with ProviderClient() as client:
        with pytest.raises(ProviderBalanceTooLow, match="balance at the proxy provider"):
            client.buy(proxy_id=item["proxy_id"])
        with pytest.raises(ProxyGone):
            client.buy(proxy_id=999999)
        provider.balance = None
        bought = client.buy(proxy_id=item["proxy_id"])
        assert bought.username and bought.password and bought.expires_at
        with pytest.raises(ProxyGone) as gone:
            client.buy(proxy_id=item["proxy_id"])
        assert gone.value.status == 410


def test_malformed_json_is_a_bad_response(provider, fake_server):
    provider.fail("list", status=200, body=["not", "an", "object"])
    with ProviderClient() as client, pytest.raises(ProviderBadResponse):
        client.list_page(page=0, page_size=10)


def test_refund_calls_and_credentials(provider):
    item = provider.add_proxy()
    with ProviderClient() as client:
        bought = client.buy(proxy_id=item["proxy_id"])
        assert client.credentials(credentials_id=bought.credentials_id).password == bought.password
        assert client.check_refundable(credentials_id=bought.credentials_id) == (
            False,
            "proxy is still online",
        )
        provider.set_online(item["proxy_id"], False)
        assert client.lookup(proxy_id=item["proxy_id"]).status == 0
        assert client.check_refundable(credentials_id=bought.credentials_id)[0] is True
        client.refund(credentials_id=bought.credentials_id)
        with pytest.raises(ProviderRefused, match="already refunded"):
            client.refund(credentials_id=bought.credentials_id)
        assert client.find_bought(proxy_id=item["proxy_id"]).credentials_id == bought.credentials_id
        assert client.find_bought(proxy_id=424242) is None
