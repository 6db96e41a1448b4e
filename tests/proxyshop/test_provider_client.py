import socket
import threading
from decimal import Decimal

import pytest

from fakes.http import FakeResponse
from proxyshop.provider import (
    ProviderBadResponse,
    ProviderBalanceTooLow,
    ProviderClient,
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    ProviderUnavailable,
    ProxyGone,
    outcome_unknown,
    parse_item,
    refund_already_done,
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


def _refund_error(credentials_id: int = 1) -> ProviderError:
    with ProviderClient() as client, pytest.raises(ProviderError) as caught:
        client.refund(credentials_id=credentials_id)
    return caught.value


@pytest.mark.parametrize(
    ("failure", "kind", "unknown"),
    [
        ({"delay": 1.0}, ProviderTimeout, True),  # sent, no answer in time
        ({"delay": 1.0, "apply": True}, ProviderTimeout, True),
        ({"status": 502, "apply": True}, ProviderUnavailable, True),  # a gateway hid a success
        ({"status": 500}, ProviderUnavailable, True),
        ({"status": 400}, ProviderRefused, False),  # a refusal is definite
        ({"status": 404}, ProxyGone, False),
    ],
)
def test_which_refund_failures_leave_the_outcome_unknown(provider, failure, kind, unknown):
    item = provider.add_proxy()
    with ProviderClient() as client:
        bought = client.buy(proxy_id=item["proxy_id"])
    provider.set_online(item["proxy_id"], False)
    configure(timeout="0.3")
    provider.fail("refund", **failure)
    error = _refund_error(bought.credentials_id)
    assert isinstance(error, kind) and outcome_unknown(error) is unknown
    assert len(provider.calls("refund")) == 1  # never retried


def test_an_unreadable_refund_answer_leaves_the_outcome_unknown(provider, fake_server):
    server = fake_server()
    server.route(
        "POST",
        "/api/v1/authorized/proxy/refund",
        lambda request: FakeResponse.text("{oops", content_type="application/json"),
    )
    configure(api_url=server.url + "/api/v1/authorized")
    error = _refund_error()
    assert isinstance(error, ProviderBadResponse) and outcome_unknown(error)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_known_not_to_have_refunded(provider):
    configure(api_url=f"http://127.0.0.1:{_free_port()}/api/v1/authorized", retries=0)
    error = _refund_error()
    assert isinstance(error, ProviderUnavailable) and error.sent is False
    assert outcome_unknown(error) is False


def test_a_connection_dropped_after_the_request_leaves_the_outcome_unknown(provider):
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:  # reads the request, then hangs up without answering
        conn, _ = listener.accept()
        with conn:
            received.append(conn.recv(65536))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        configure(api_url=f"http://127.0.0.1:{port}/api/v1/authorized", retries=0)
        error = _refund_error()
    finally:
        thread.join(5)
        listener.close()
    assert received and b"/proxy/refund" in received[0]
    assert isinstance(error, ProviderUnavailable) and error.sent is True
    assert outcome_unknown(error) is True


@pytest.mark.parametrize(
    ("message", "done"),
    [
        ("already refunded", True),
        ("Already Refunded.", True),
        ("This proxy has ALREADY been refunded", False),  # not one of the known wordings
        ("has already   been refunded!", True),
        ("The proxy has already been refunded.", True),
        ("Proxy already refunded", True),
        ("was already refunded", True),
        ("Refunded", True),
        ("the proxy\u2019s refund: refunded", False),
        ("refunded already", False),
        ("Proxy was refunded", False),
        ("The provider refused the refund: already refunded.", False),
        # wordings that merely mention refunds: never proof of one
        ("A proxy is refunded only within 1 hour of purchase", False),
        ("it is refunded automatically when offline", False),
        ("was refunded: false", False),
        ("Already refunded: false", False),
        ("not refunded", False),
        ("has not been refunded", False),
        ("cannot be refunded: still online", False),
        ("wasn't refunded", False),
        ("too late: the refund window has passed", False),
        ("proxy is still online", False),
        ("refundable", False),
        ("ok", False),
        ("", False),
        (None, False),
    ],
)
def test_only_the_known_wordings_of_already_refunded_count(message, done):
    assert refund_already_done(message) is done
