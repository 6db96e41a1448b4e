"""Refunds whose answer from the provider was lost: left pending, then settled exactly once by
the periodic check, an admin or the customer's next attempt (fake provider over HTTP)."""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_celery_beat.models import PeriodicTask

from core.models import AuditEvent, JobRun
from proxyshop.models import LedgerEntry, Order, Wallet
from proxyshop.services import proxies_sync, refunds_reconcile
from proxyshop.services.refund_settle import PENDING_MESSAGE
from proxyshop.tasks import reconcile_refunds_task
from tests.factories import UserFactory
from tests.proxyshop.conftest import configure
from tests.proxyshop.factories import fund
from tests.proxyshop.refund_helpers import (
    URL,
    balance,
    buy_offline,
    lose_the_answer,
    refund,
    refund_entries,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(auth_client, user):
    fund(user, "10.00")
    return auth_client(user)


@pytest.fixture
def order(client, stocked, provider) -> Order:
    return buy_offline(client, provider, stocked[0])


def test_timeout_after_the_provider_refunded_is_503_then_the_check_credits_once(
    client, user, order, provider
):
    response = lose_the_answer(client, provider, order, refunded=True)
    assert response.status_code == 503
    assert response.json() == {"detail": PENDING_MESSAGE}
    order.refresh_from_db()
    assert order.status == "refund_pending" and order.refund_unknown_at is not None
    assert "provider_timeout" in order.refund_check
    assert balance(user) == Decimal("8.00") and refund_entries(order) == 0
    failed = AuditEvent.objects.get(action="proxyshop.refund", outcome="error")
    assert failed.data["code"] == "refund_pending"

    configure(refund_check_after=0)
    result = reconcile_refunds_task()
    assert result["refunded"] == 1 and result["left"] == 0
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    order.refresh_from_db()
    assert order.status == "refunded" and order.refund_amount == Decimal("2.00")
    done = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert done.data["reconciled"] is True and done.data["trigger"] == "beat"
    assert done.data["balance"] == "10.00" and done.target == order.order_id
    assert "after its answer was lost" in LedgerEntry.objects.get(kind="refund").note
    assert len(provider.calls("refund")) == 1  # settled by asking, never by refunding again

    assert reconcile_refunds_task()["refunded"] == 0
    assert refund(client, order).status_code == 409
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    assert JobRun.objects.filter(name="proxyshop.reconcile_refunds", status="success").count() == 2
    call_command("check_ledgers")


def test_timeout_before_the_provider_refunded_reopens_the_order_then_refund_works(
    client, user, order, provider
):
    assert lose_the_answer(client, provider, order, refunded=False).status_code == 503
    assert Order.objects.get(pk=order.pk).status == "refund_pending"
    configure(refund_check_after=0)
    assert refunds_reconcile()["reopened"] == 1
    order.refresh_from_db()
    assert order.status == "active" and "refundable" in order.refund_check
    assert balance(user) == Decimal("8.00") and refund_entries(order) == 0
    assert AuditEvent.objects.filter(action="proxyshop.refund.reopened").exists()

    response = refund(client, order)
    assert response.status_code == 200 and response.json()["refund_amount"] == 2.0
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    assert provider.bought[order.credentials_id]["refunded"]


def test_retry_of_a_pending_refund_credits_what_the_provider_made(client, user, order, provider):
    lose_the_answer(client, provider, order, refunded=True)
    # no wait: the customer's retry settles at once, whatever proxyshop.refund_check_after says
    response = refund(client, order)
    assert response.status_code == 200, response.content
    assert response.json()["refund_amount"] == 2.0
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    assert len(provider.calls("refund")) == 1
    done = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert done.data["trigger"] == "retry" and done.actor == user.username
    again = refund(client, order)
    assert again.status_code == 409 and "already been refunded" in again.json()["detail"]
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1


def test_retry_of_a_pending_refund_that_did_not_happen_refunds_normally(
    client, user, order, provider
):
    lose_the_answer(client, provider, order, refunded=False)
    configure(refund_check_after=0)  # long enough for the lost request to have arrived
    response = refund(client, order)
    assert response.status_code == 200, response.content
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    assert len(provider.calls("refund")) == 2 and provider.bought[order.credentials_id]["refunded"]
    assert AuditEvent.objects.filter(action="proxyshop.refund.reopened").exists()
    done = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert "reconciled" not in done.data  # a first-hand refund, after the reopening


def test_retry_that_the_provider_refuses_for_another_reason_stays_pending_for_an_operator(
    client, user, order, provider
):
    """ "Still online" while pending proves nothing: the provider may test it before "already
    refunded". The order waits for an operator; the customer hears it is being checked."""
    lose_the_answer(client, provider, order, refunded=True)
    provider.set_online(order.proxy_id, True)
    provider.fail(
        "check-refundable", status=200, body={"refundable": False, "message": "still online"}
    )
    configure(refund_check_after=0)
    response = refund(client, order)
    assert response.status_code == 503 and response.json() == {"detail": PENDING_MESSAGE}
    order.refresh_from_db()
    assert order.status == "refund_pending" and order.refund_check_outcome == "needs_operator"
    assert "still online" in order.refund_check and order.refund_checked_at is not None
    assert balance(user) == Decimal("8.00") and refund_entries(order) == 0
    assert not AuditEvent.objects.filter(action="proxyshop.refund.reopened").exists()


def test_provider_still_down_leaves_the_refund_pending(client, user, order, provider):
    lose_the_answer(client, provider, order, refunded=True)
    configure(refund_check_after=0, retries=0)
    provider.fail("check-refundable", status=503, times=2)
    result = reconcile_refunds_task()
    assert result["provider_down"] == 1 and result["left"] == 1
    order.refresh_from_db()
    assert order.status == "refund_pending" and "provider_down" in order.refund_check
    response = refund(client, order)
    assert response.status_code == 503 and response.json() == {"detail": PENDING_MESSAGE}
    assert Order.objects.get(pk=order.pk).status == "refund_pending"
    assert balance(user) == Decimal("8.00") and refund_entries(order) == 0

    assert reconcile_refunds_task()["refunded"] == 1  # the provider is back
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1


def test_a_provider_down_stops_the_run_and_the_oldest_is_asked_first(
    client, user, stocked, provider
):
    first = buy_offline(client, provider, stocked[0])
    second = buy_offline(client, provider, stocked[1])
    lose_the_answer(client, provider, first, refunded=True)
    lose_the_answer(client, provider, second, refunded=True)
    configure(refund_check_after=0, retries=0)
    provider.fail("check-refundable", status=502)
    asked = len(provider.calls("check-refundable"))
    result = refunds_reconcile()
    assert result["provider_down"] == 1 and result["refunded"] == 0 and result["left"] == 2
    checks = provider.calls("check-refundable")[asked:]
    assert len(checks) == 1 and checks[0].json()["credentials_id"] == first.credentials_id
    assert refunds_reconcile()["refunded"] == 2
    assert balance(user) == Decimal("10.00")


def test_the_periodic_check_leaves_fresh_pending_refunds_alone(client, user, order, provider):
    lose_the_answer(client, provider, order, refunded=True)
    calls = len(provider.calls("check-refundable"))
    assert refunds_reconcile()["left"] == 1  # younger than proxyshop.refund_check_after
    assert len(provider.calls("check-refundable")) == calls
    assert Order.objects.get(pk=order.pk).status == "refund_pending"


def test_bad_gateway_on_the_refund_is_an_unknown_outcome(client, user, order, provider):
    provider.fail("refund", status=502, apply=True)
    response = refund(client, order)
    assert response.status_code == 503 and response.json() == {"detail": PENDING_MESSAGE}
    configure(refund_check_after=0)
    assert refunds_reconcile()["refunded"] == 1
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1


def test_a_refusal_of_the_refund_call_is_not_left_pending(client, user, order, provider):
    provider.fail("refund", status=400, body={"message": "too late"})
    response = refund(client, order)
    assert response.status_code == 409 and "too late" in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == "active" and order.refund_unknown_at is None


def test_a_lost_refund_made_after_the_order_was_reopened_is_credited_on_retry(
    client, user, order, provider
):
    lose_the_answer(client, provider, order, refunded=False)
    configure(refund_check_after=0)
    assert refunds_reconcile()["reopened"] == 1
    provider.bought[order.credentials_id]["refunded"] = True  # the lost request, late
    response = refund(client, order)
    assert response.status_code == 200, response.content
    assert len(provider.calls("refund")) == 1
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    done = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert done.data["reconciled"] is True and done.data["trigger"] == "retry"


@pytest.mark.parametrize(
    "message", ["Already Refunded.", "The proxy has already been REFUNDED!", "refunded"]
)
def test_the_known_wordings_of_already_refunded_credit(client, user, order, provider, message):
    lose_the_answer(client, provider, order, refunded=True)
    provider.fail("check-refundable", status=200, body={"refundable": False, "message": message})
    assert refund(client, order).status_code == 200
    assert balance(user) == Decimal("10.00")


@pytest.mark.parametrize(
    "message",
    [
        "A proxy is refunded only within 1 hour of purchase",
        "it is refunded automatically when offline",
        "was refunded: false",
        "Already refunded: false",
        "purchase has not been refunded: too late",
        "too late: the refund window has passed",
    ],
)
def test_a_refusal_that_is_not_proof_neither_credits_nor_reopens(
    client, user, order, provider, message
):
    lose_the_answer(client, provider, order, refunded=False)
    body = {"refundable": False, "message": message}
    provider.fail("check-refundable", status=200, body=body)
    configure(refund_check_after=0)
    result = refunds_reconcile()
    assert result["needs_operator"] == 1 and result["left"] == 1
    order.refresh_from_db()
    assert order.status == "refund_pending" and order.refund_check_outcome == "needs_operator"
    assert message in order.refund_check
    assert balance(user) == Decimal("8.00") and refund_entries(order) == 0


def test_admin_check_now_settles_a_pending_refund(admin_client, client, user, order, provider):
    lose_the_answer(client, provider, order, refunded=True)
    response = admin_client.post(
        "/admin/proxyshop/order/",
        {"action": "reconcile_refund", "_selected_action": [order.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("the buyer is credited" in m for m in messages), messages
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    listing = admin_client.get("/admin/proxyshop/order/", {"status__exact": "refunded"})
    assert order.order_id in listing.content.decode()


def test_pending_orders_are_listed_and_filtered_in_the_admin(admin_client, client, order, provider):
    lose_the_answer(client, provider, order, refunded=False)
    page = admin_client.get("/admin/proxyshop/order/", {"status__exact": "refund_pending"})
    body = page.content.decode()
    assert page.status_code == 200 and order.order_id in body
    assert "Refund outcome unknown" in body


def test_the_shop_page_says_the_refund_is_being_checked(user, order, provider):
    browser = Client()
    browser.force_login(user)
    configure(timeout="0.3")
    provider.fail("refund", delay=1.0, apply=True)
    page = browser.post(f"/shop/orders/{order.order_id}/refund/", follow=True).content.decode()
    assert "being checked" in page and "Refund refused" not in page
    for url in ("/shop/orders/", f"/shop/orders/{order.order_id}/"):
        listing = browser.get(url).content.decode()
        assert "Refund outcome unknown" in listing and "refund_pending" not in listing


def test_the_periodic_check_is_scheduled_and_editable():
    task = PeriodicTask.objects.get(task="proxyshop.reconcile_refunds")
    assert task.enabled and task.interval is not None
    unit = {"seconds": 1, "minutes": 60, "hours": 3600}[task.interval.period]
    period = task.interval.every * unit
    assert 0 < task.expire_seconds < period


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("checks_start_after", [0.0, 0.3])  # checks first / retries first
def test_checks_and_retries_in_parallel_credit_once(
    live_server, provider, make_token, checks_start_after
):
    provider.add_proxies(1)
    proxies_sync(trigger="test")
    user = UserFactory()
    fund(user, "4.00")
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    with httpx.Client(base_url=live_server.url, timeout=60, headers=headers) as http:
        product_id = http.get("/api/external-proxy/list").json()["proxies"][0]["product_id"]
        order_id = http.post(
            "/api/external-proxy/purchase", json={"product_id": product_id}
        ).json()["order_id"]
        order = Order.objects.get(order_id=order_id)
        provider.set_online(order.proxy_id, False)
        configure(timeout="0.3")
        provider.fail("refund", delay=1.0, apply=True)
        assert http.post(URL, json={"order_id": order_id}).status_code == 503
    configure(timeout="5", refund_check_after=0)
    # every check holds the order's lock a while, so the others really queue behind it
    provider.fail("check-refundable", status=200, delay=0.2, apply=True, times=50)

    def job(index: int):
        try:
            if index % 3 == 0:
                time.sleep(checks_start_after)
                return refunds_reconcile(trigger="beat")["refunded"]
            with httpx.Client(base_url=live_server.url, timeout=60, headers=headers) as http:
                return http.post(URL, json={"order_id": order_id}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(job, range(12)))
    statuses = Counter(results[i] for i in range(12) if i % 3)
    credited_by_checks = sum(results[i] for i in range(0, 12, 3))
    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] + credited_by_checks == 1, (statuses, credited_by_checks)
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert Wallet.objects.get(user=user).balance == Decimal("4.00")
    assert Order.objects.get(order_id=order_id).status == "refunded"
    assert len(provider.calls("refund")) == 1
    call_command("check_ledgers")
