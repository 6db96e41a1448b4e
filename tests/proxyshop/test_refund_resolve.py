"""Pending refunds that must not be judged too early, must not starve the periodic check, and
that an operator resolves by hand (fake provider over HTTP)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import PermissionDenied
from core.models import AuditEvent
from proxyshop.models import Order
from proxyshop.selectors import order_credentials_for_fleet, shop_stats
from proxyshop.services import order_refund_resolve, refunds_reconcile
from proxyshop.services.refund_settle import PENDING_MESSAGE, ReconcileOutcome
from tests.proxyshop.conftest import configure
from tests.proxyshop.factories import fund
from tests.proxyshop.refund_helpers import (
    balance,
    buy_offline,
    lose_the_answer,
    refund,
    refund_entries,
)

pytestmark = pytest.mark.django_db
ADMIN_URL = "/admin/proxyshop/order/"


@pytest.fixture
def buyer_client(auth_client, user):
    fund(user, "10.00")
    return auth_client(user)


@pytest.fixture
def order(buyer_client, stocked, provider) -> Order:
    return buy_offline(buyer_client, provider, stocked[0])


@pytest.fixture
def pending(buyer_client, order, provider) -> Order:
    """A refund whose answer was lost and which the provider did not make."""
    lose_the_answer(buyer_client, provider, order, refunded=False)
    order.refresh_from_db()
    return order


def admin_action(admin_client, action: str, order: Order) -> list[str]:
    response = admin_client.post(
        ADMIN_URL, {"action": action, "_selected_action": [order.pk]}, follow=True
    )
    return [str(m) for m in response.context["messages"]]


# --- too early ---
def test_a_retry_before_the_check_delay_does_not_reopen_and_says_when(
    buyer_client, user, pending, provider
):
    configure(refund_check_after=600)
    response = refund(buyer_client, pending)
    assert response.status_code == 503 and response.json() == {"detail": PENDING_MESSAGE}
    assert 0 < int(response["Retry-After"]) <= 600
    pending.refresh_from_db()
    assert pending.status == "refund_pending" and pending.refund_check_outcome == "waiting"
    assert len(provider.calls("refund")) == 1  # not refunded a second time
    assert not AuditEvent.objects.filter(action="proxyshop.refund.reopened").exists()
    assert balance(user) == Decimal("8.00") and refund_entries(pending) == 0


def test_admin_check_now_before_the_check_delay_does_not_reopen(admin_client, pending):
    configure(refund_check_after=600)
    messages = admin_action(admin_client, "reconcile_refund", pending)
    assert any("too early to reopen" in m for m in messages), messages
    assert Order.objects.get(pk=pending.pk).status == "refund_pending"
    configure(refund_check_after=0)
    messages = admin_action(admin_client, "reconcile_refund", pending)
    assert any("active again" in m for m in messages), messages
    assert Order.objects.get(pk=pending.pk).status == "active"


def test_a_refund_first_asked_within_the_window_is_not_too_late_later(
    buyer_client, user, pending, provider
):
    configure(refund_check_after=0)
    assert refunds_reconcile()["reopened"] == 1
    # the lost request came 50 minutes after the purchase; the retry comes after the hour
    created = timezone.now() - timedelta(hours=2)
    Order.objects.filter(pk=pending.pk).update(
        created_at=created, refund_unknown_at=created + timedelta(minutes=50)
    )
    provider.refund_window = 3 * 3600  # the provider alone judges it now
    response = refund(buyer_client, pending)
    assert response.status_code == 200, response.content
    assert balance(user) == Decimal("10.00") and refund_entries(pending) == 1


def test_a_refund_first_asked_after_the_window_is_still_too_late(buyer_client, pending):
    created = timezone.now() - timedelta(hours=3)
    Order.objects.filter(pk=pending.pk).update(
        status="active", created_at=created, refund_unknown_at=created + timedelta(hours=2)
    )
    response = refund(buyer_client, pending)
    assert response.status_code == 409 and "Too late" in response.json()["detail"]


# --- the periodic check ---
def test_an_order_whose_check_keeps_failing_does_not_starve_newer_ones(
    buyer_client, user, stocked, provider
):
    first = buy_offline(buyer_client, provider, stocked[0])
    second = buy_offline(buyer_client, provider, stocked[1])
    lose_the_answer(buyer_client, provider, first, refunded=True)
    lose_the_answer(buyer_client, provider, second, refunded=True)
    configure(refund_check_after=0, refund_check_batch=1)
    provider.fail("check-refundable", status=404, times=5)  # the first one's check fails
    asked = len(provider.calls("check-refundable"))
    assert refunds_reconcile()["pending"] == 1
    first.refresh_from_db()
    assert first.refund_checked_at is not None and first.refund_check_outcome == "pending"
    provider._failures.clear()
    assert refunds_reconcile()["refunded"] == 1
    checks = [r.json()["credentials_id"] for r in provider.calls("check-refundable")[asked:]]
    assert checks == [first.credentials_id, second.credentials_id]
    assert Order.objects.get(pk=second.pk).status == "refunded"
    assert refunds_reconcile()["refunded"] == 1  # then the first one again
    assert balance(user) == Decimal("10.00")


# --- operators ---
def test_operator_resolves_a_pending_refund_as_made_and_credits_once(
    admin_client, admin_user, user, pending
):
    messages = admin_action(admin_client, "resolve_refunded", pending)
    assert any("the buyer is credited" in m for m in messages), messages
    assert balance(user) == Decimal("10.00") and refund_entries(pending) == 1
    pending.refresh_from_db()
    assert pending.status == "refunded" and pending.refund_check_outcome == "refunded"
    event = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert event.data["resolved_by_operator"] is True and event.target == pending.order_id
    messages = admin_action(admin_client, "resolve_refunded", pending)  # not pending any more
    assert any("no refund to resolve" in m for m in messages), messages
    outcome = order_refund_resolve(order_pk=pending.pk, actor=admin_user, refunded=True)
    assert outcome == ReconcileOutcome.SKIPPED
    assert balance(user) == Decimal("10.00") and refund_entries(pending) == 1


def test_operator_resolves_a_pending_refund_as_not_made_and_reopens(
    admin_client, buyer_client, user, pending
):
    admin_action(admin_client, "resolve_reopen", pending)
    pending.refresh_from_db()
    assert pending.status == "active" and pending.refund_check_outcome == "reopened"
    event = AuditEvent.objects.get(action="proxyshop.refund.reopened")
    assert event.data["resolved_by_operator"] is True
    assert balance(user) == Decimal("8.00") and refund_entries(pending) == 0
    assert refund(buyer_client, pending).status_code == 200  # the buyer may ask again


def test_only_operators_resolve_pending_refunds(user, pending, operator_user):
    with pytest.raises(PermissionDenied):
        order_refund_resolve(order_pk=pending.pk, actor=user, refunded=True)
    assert Order.objects.get(pk=pending.pk).status == "refund_pending"
    outcome = order_refund_resolve(order_pk=pending.pk, actor=operator_user, refunded=False)
    assert outcome == ReconcileOutcome.REOPENED


def test_admin_lists_the_orders_an_operator_must_resolve(admin_client, pending, provider):
    provider.fail("check-refundable", status=200, body={"refundable": False, "message": "too late"})
    configure(refund_check_after=0)
    assert refunds_reconcile()["needs_operator"] == 1
    page = admin_client.get(ADMIN_URL, {"refund_check_outcome__exact": "needs_operator"})
    body = page.content.decode()
    assert page.status_code == 200 and pending.order_id in body
    assert "operator must resolve" in body


def test_admin_refund_action_on_a_pending_order_is_audited_as_admin(
    admin_client, user, order, buyer_client, provider
):
    lose_the_answer(buyer_client, provider, order, refunded=True)
    messages = admin_action(admin_client, "refund", order)
    assert any("refunded 2.00" in m for m in messages), messages
    done = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert done.data["trigger"] == "admin"


def test_the_failed_refund_that_left_the_order_pending_records_the_provider_error(pending):
    failed = AuditEvent.objects.get(action="proxyshop.refund", outcome="error")
    assert failed.data["code"] == "refund_pending"
    assert failed.data["provider_error"] == "provider_timeout"


# --- what a pending order still is ---
def test_a_pending_order_cannot_be_imported_into_the_fleet(user, pending):
    with pytest.raises(Exception) as caught:
        order_credentials_for_fleet(order_id=pending.order_id, actor=user)
    assert caught.value.status_code == 409 and "being checked" in caught.value.message


def test_revenue_counts_pending_refunds(pending):
    assert shop_stats()["revenue"] == 2.0
