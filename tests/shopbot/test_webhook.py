"""POST /telegram/webhook: the secret token, exactly-once handling of redeliveries, forged
callbacks, and bad bodies. Replies go to the fake Bot API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from proxyshop.models import OrderStatus, Wallet
from proxyshop.services import proxy_purchase
from shopbot.callbacks import signed
from shopbot.models import BotError, ProcessedUpdate
from shopbot.services import link_code_issue, telegram_link
from tests.factories import UserFactory
from tests.proxyshop.factories import fund
from tests.shopbot.conftest import SECRET, configure

pytestmark = pytest.mark.django_db
URL = "/telegram/webhook"


def post(client, update, secret=SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return client.post(URL, json.dumps(update), content_type="application/json", **headers)


def link(user, telegram_id: int) -> None:
    code, _ = link_code_issue(user=user)
    telegram_link(code=code, telegram_id=telegram_id)


def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_handled(client, bot_api):
    update = bot_api.users.message(1, 4242, "/help")
    for secret in ("wrong", "", None, SECRET + "x"):
        response = post(client, update, secret)
        assert response.status_code == 403
        assert "detail" in response.json()
    assert not ProcessedUpdate.objects.exists()
    assert bot_api.sent == []


def test_an_empty_configured_secret_refuses_every_webhook(client, bot_api):
    configure(webhook_secret="")
    response = post(client, bot_api.users.message(1, 4242, "/help"), "")
    assert response.status_code == 403
    assert bot_api.sent == []


def test_the_same_update_delivered_twice_is_handled_once(client, bot_api):
    update = bot_api.users.message(77, 4242, "/help")
    first, second = post(client, update), post(client, update)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["outcome"] == "handled" and second.json()["outcome"] == "duplicate"
    assert len(bot_api.sent_to(4242, "sendMessage")) == 1
    row = ProcessedUpdate.objects.get(update_id=77)
    assert row.outcome == "handled" and row.attempts == 1 and row.source == "webhook"


def test_an_unfinished_claim_is_taken_over_after_the_lease(client, bot_api):
    """A handler that died (claimed, never finished) does not lose the update for good."""
    from django.utils import timezone

    update = bot_api.users.message(78, 4242, "/help")
    ProcessedUpdate.objects.create(update_id=78, claimed_at=timezone.now())
    assert post(client, update).json()["outcome"] == "duplicate"  # maybe still running
    ProcessedUpdate.objects.filter(update_id=78).update(
        claimed_at=timezone.now() - timezone.timedelta(seconds=600)
    )
    assert post(client, update).json()["outcome"] == "handled"
    assert ProcessedUpdate.objects.get(update_id=78).attempts == 2
    assert len(bot_api.sent_to(4242, "sendMessage")) == 1


@pytest.fixture
def two_customers(provider, bot_api):
    provider.add_proxies(3)
    from proxyshop.services import proxies_sync

    proxies_sync(trigger="test")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        fund(user, "10.00")
    link(alice, 1001)
    link(bob, 2002)
    from proxyshop.models import Product

    order, _ = proxy_purchase(user=bob, product_id=Product.objects.first().pk)
    provider.set_online(order.proxy_id, False)  # refundable, if it were alice's
    return alice, bob, order


def test_a_forged_callback_for_another_users_order_is_refused_and_changes_nothing(
    client, bot_api, provider, two_customers
):
    alice, bob, order = two_customers
    bot_api.users.bot_message(1001, "Your orders", {})
    bob_button = signed(2002, "R", order.order_id)
    forged = [
        f"R|{order.order_id}|AAAAAAAAAAAA",  # made-up MAC
        bob_button,  # bob's real button, pressed from alice's account
        signed(1001, "R", order.order_id),  # a valid MAC for alice on bob's order
        signed(1001, "k", order.order_id),  # bob's credentials
    ]
    for n, data in enumerate(forged):
        message = bot_api.users.newest(1001)
        response = post(client, bot_api.users.callback(100 + n, 1001, message, data))
        assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert Wallet.objects.get(user=bob).balance == Decimal("8.00")
    assert Wallet.objects.get(user=alice).balance == Decimal("10.00")
    assert provider.calls("refund") == [] and provider.calls("check-refundable") == []
    toasts = [s.text for s in bot_api.sent if s.method == "answerCallbackQuery"]
    assert toasts[:2] == ["This button is no longer valid."] * 2
    # the shop answers someone else's order as a missing one (no existence oracle)
    assert toasts[2:] == ["Not found: it may have been removed."] * 2
    assert not any(order.credentials["password"] in s.text for s in bot_api.sent)
    assert not BotError.objects.exists()


def test_bad_bodies_get_a_4xx_never_a_500(client, bot_api):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": SECRET}
    cases = [
        ("{not json", "application/json", 400),
        ("[]", "application/json", 400),
        ('{"update_id": "x"}', "application/json", 400),
        ('{"update_id": 5, "message": {"text": 3}}', "application/json", 400),
        ("\xff\xfe", "application/octet-stream", 400),
    ]
    for body, ctype, status in cases:
        response = client.post(URL, body, content_type=ctype, **headers)
        assert response.status_code == status, (body, response.content)
        assert "detail" in response.json()
    big = '{"update_id": 1, "x": "' + "a" * 1_000_001 + '"}'
    assert client.post(URL, big, content_type="application/json", **headers).status_code == 413
    assert client.get(URL, **headers).status_code == 405
    edited = {"update_id": 9, "edited_message": bot_api.users.message(9, 1, "x")["message"]}
    response = post(client, edited)
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert bot_api.sent == []
