"""Operator alerts through a real Celery worker and the fake Bot API: one message when provider
syncs start failing, one when they recover, one per refund needing an operator; 429 waits out
retry_after, 403 gives up."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from proxyshop.services import order_refund, proxies_sync, proxy_purchase, refunds_reconcile
from shopbot.models import AlertDelivery, AlertState, BotError
from shopbot.services import alert_test
from tests.factories import UserFactory
from tests.proxyshop.conftest import configure as shop_configure
from tests.proxyshop.factories import fund
from tests.shopbot.conftest import configure
from tests.viewstats.conftest import wait_for, worker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
CHATS = [-100111, -100222]


@pytest.fixture
def alerting(bot_api, provider, worker):  # noqa: F811
    configure(alert_chats=CHATS, sync_failure_threshold=3)
    shop_configure(retries=0)
    return bot_api


def failed_sync(provider) -> None:
    provider.fail("list", status=500)
    with pytest.raises(DomainError):
        proxies_sync(trigger="test")


def messages(fake, chat_id: int) -> list[str]:
    return [s.text for s in fake.sent_to(chat_id, "sendMessage")]


def all_sent() -> bool:
    return not AlertDelivery.objects.exclude(status__in=["sent", "gave_up", "failed"]).exists()


def test_three_failed_syncs_alert_each_chat_once_and_a_good_sync_once_more(
    alerting,
    provider,
    wait_for,  # noqa: F811
):
    provider.add_proxies(3)
    failed_sync(provider)
    failed_sync(provider)
    assert not AlertDelivery.objects.exists()
    failed_sync(provider)
    wait_for(lambda: AlertDelivery.objects.filter(status="sent").count() == 2)
    failed_sync(provider)  # still failing: nothing new
    proxies_sync(trigger="test")
    wait_for(lambda: AlertDelivery.objects.filter(status="sent").count() == 4)
    proxies_sync(trigger="test")  # still fine: nothing new
    wait_for(all_sent)
    for chat in CHATS:
        texts = messages(alerting, chat)
        assert len(texts) == 2, texts
        assert texts[0].startswith("⚠️ Proxy shop: provider syncs are failing (3 in a row")
        assert texts[1].startswith("✅ Proxy shop: provider syncs work again")
    assert not AlertState.objects.get(key="proxyshop.sync").active


def test_a_429_is_retried_after_retry_after_seconds(alerting, wait_for):  # noqa: F811
    configure(alert_chats=[CHATS[0]])
    alerting.fail("sendMessage", status=429, retry_after=2)
    alert_test()
    wait_for(lambda: AlertDelivery.objects.filter(status="sent").exists())
    delivery = AlertDelivery.objects.get()
    assert delivery.attempts == 2
    calls = [at for method, at, _ in alerting.calls if method == "sendMessage"]
    assert len(calls) == 2 and calls[1] - calls[0] >= 2.0
    assert len(messages(alerting, CHATS[0])) == 1


def test_a_403_gives_up_at_once_and_the_other_chats_still_hear(alerting, wait_for):  # noqa: F811
    alerting.blocked.add(CHATS[0])
    alert_test()
    wait_for(all_sent)
    statuses = dict(AlertDelivery.objects.values_list("chat_id", "status"))
    assert statuses == {CHATS[0]: "gave_up", CHATS[1]: "sent"}
    assert AlertDelivery.objects.get(chat_id=CHATS[0]).attempts == 1
    assert [m for m, _, chat in alerting.calls if chat == str(CHATS[0])] == ["sendMessage"]
    assert BotError.objects.get(kind="blocked").chat_id == CHATS[0]


def test_a_refund_needing_an_operator_is_alerted_once(alerting, provider, wait_for):  # noqa: F811
    provider.add_proxies(1)
    proxies_sync(trigger="test")
    user = UserFactory()
    fund(user, "5.00")
    from proxyshop.models import Product

    order, _ = proxy_purchase(user=user, product_id=Product.objects.get().pk)
    provider.set_online(order.proxy_id, False)
    shop_configure(timeout="0.3")
    provider.fail("refund", delay=1.0)  # the refund's answer is lost
    with pytest.raises(DomainError):
        order_refund(actor=user, order_id=order.order_id)
    shop_configure(timeout="2", refund_check_after=0)
    body = {"refundable": False, "message": "too late: the refund window has passed"}
    provider.fail("check-refundable", status=200, body=body, times=2)
    assert refunds_reconcile()["needs_operator"] == 1
    assert refunds_reconcile()["needs_operator"] == 1  # checked again: no second alert
    wait_for(lambda: AlertDelivery.objects.filter(status="sent").count() == 2)
    wait_for(all_sent)
    for chat in CHATS:
        (text,) = messages(alerting, chat)
        assert f"the refund of order {order.order_id} needs an operator" in text
        assert "too late" in text
