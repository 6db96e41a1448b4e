"""Refunds: within the window, only for offline proxies (the provider is asked at refund time),
only once (order row lock + one refund entry per order), only by the buyer or an admin.

A refund request the provider does not answer (timeout, dropped connection, 5xx: see
`provider.outcome_unknown`) may have been carried out there. The order then becomes
REFUND_PENDING in its own transaction, committed after the refund's transaction has rolled
back, and services/refund_settle.py settles it later by asking the provider: the periodic
job, an admin, or the customer's next attempt. Every credit, first-hand or reconciled, is
written by `credit_refund` there, under the order's row lock and only from ACTIVE or
REFUND_PENDING, so a wallet is credited at most once per order whatever runs at the same time;
the one-refund-entry-per-order constraint is the last line of defence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.authority import actor_allows
from core.durations import format_duration
from core.errors import Conflict, DomainError, NotFound
from core.models import AuditEvent
from core.registry import setting_get
from secrets_app.models import User

from ..models import Order, OrderStatus
from ..provider import (
    ProviderClient,
    ProviderError,
    ProviderRefused,
    ProxyGone,
    outcome_unknown,
    refund_already_done,
)
from .common import provider_failure
from .refund_settle import (
    STILL_PENDING,
    ReconcileOutcome,
    RefundPending,
    credit_refund,
    order_refund_reconcile,
    reopen_wait_seconds,
)


class _RefundOutcomeUnknown(Exception):
    """The refund call failed in a way that may hide a success (internal to this module)."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.error = error


def refund_refusal(order: Order, *, now: datetime | None = None) -> str | None:
    """Why this order cannot be refunded whatever the provider says, or None.

    A pending order may always be asked again: the request was made within the window, and
    asking again settles it with the provider first. Likewise an order whose refund was first
    asked within the window (`refund_unknown_at`) is judged by the provider alone later on."""
    if order.status == OrderStatus.REFUNDED:
        return "This order has already been refunded."
    if order.status == OrderStatus.REFUND_PENDING:
        return None
    window = timedelta(seconds=setting_get("proxyshop.refund_window"))
    asked = order.refund_unknown_at
    if asked is not None and asked - order.created_at <= window:
        return None
    if (now or timezone.now()) - order.created_at > window:
        return (
            "Too late: refunds are possible within "
            f"{format_duration(int(window.total_seconds()))} of the purchase."
        )
    return None


def _ask_provider(order: Order) -> bool:
    """Have the provider refund `order`. Returns True when the provider says it already made
    this refund and an earlier request of ours got no answer (`refund_unknown_at`): that request
    went through late, and the shop credits it instead of refusing. Raises Conflict for a
    refusal and _RefundOutcomeUnknown when the refund call may have happened unseen."""
    lost_earlier = order.refund_unknown_at is not None
    with ProviderClient() as client:
        try:
            online = client.lookup(proxy_id=order.proxy_id).status == 1
        except ProxyGone:
            online = False
        if online:
            raise Conflict(
                "The proxy is still online: only offline proxies can be refunded.",
                code="still_online",
            )
        refundable, message = client.check_refundable(credentials_id=order.credentials_id)
        if not refundable:
            if lost_earlier and refund_already_done(message):
                return True
            raise Conflict(
                f"The provider refuses the refund: {message or 'no reason'}.",
                code="provider_refused",
            )
        try:
            client.refund(credentials_id=order.credentials_id)
        except ProviderRefused as exc:
            if lost_earlier and refund_already_done(exc.detail):
                return True
            raise
        except ProviderError as exc:
            if outcome_unknown(exc):
                raise _RefundOutcomeUnknown(exc) from exc
            raise
    return False


def _mark_pending(order_pk: int, error: ProviderError) -> str:
    """Remember, durably, that a refund of the order may have happened at the provider.

    Runs after the refund's transaction has rolled back, in a transaction of its own (durable:
    it must commit even if a caller's transaction would not). Returns the order's status: an
    order another request refunded meanwhile is left as it is."""
    with transaction.atomic(durable=True):
        order = Order.objects.select_for_update().get(pk=order_pk)
        if order.status == OrderStatus.ACTIVE:
            order.status = OrderStatus.REFUND_PENDING
            order.refund_unknown_at = timezone.now()
            order.refund_check = f"refund not answered ({error.kind}): {error.message}"[:300]
            order.refund_checked_at = None
            order.refund_check_outcome = ""
            order.save(
                update_fields=[
                    "status",
                    "refund_unknown_at",
                    "refund_check",
                    "refund_checked_at",
                    "refund_check_outcome",
                ]
            )
        return order.status


def order_refund(*, actor: User, order_id: str, trigger: str = "retry") -> Decimal:
    """Refund `order_id` to its buyer's balance; returns the amount credited.

    Raises NotFound (unknown, or not yours: the same answer), Conflict (already refunded, too late,
    still online, refused by the provider) or Unavailable/UpstreamError (provider down);
    every refusal is audited with its reason (and the provider's error kind). When the provider
    does not answer the refund call itself, the order is left REFUND_PENDING and RefundPending
    (503, code `refund_pending`) is raised; asking again for a pending order first settles it
    with the provider (`order_refund_reconcile`, as `trigger`): credit if the refund happened
    there, a normal refund once it is known not to have, otherwise RefundPending again (with
    `retry_after` while it is too early to tell). Not to be called inside a transaction.
    """
    order = Order.objects.filter(order_id=order_id).first()
    try:
        if order is None:
            raise NotFound("Unknown order.")
        if order.user_id != actor.pk and not actor_allows("orders.any", user=actor):
            # The same answer as for an order that does not exist (and as reading it gives).
            raise NotFound("Unknown order.")
        if order.status == OrderStatus.REFUND_PENDING:
            outcome = order_refund_reconcile(order_pk=order.pk, actor=actor, trigger=trigger)
            if outcome == ReconcileOutcome.REFUNDED:
                return order.price
            if outcome == ReconcileOutcome.WAITING:
                raise RefundPending(retry_after=reopen_wait_seconds(order) or None)
            if outcome in STILL_PENDING:
                raise RefundPending()
            # reopened, or settled by someone else: the locked checks below decide
        try:
            with transaction.atomic(durable=True):
                order = Order.objects.select_for_update().get(pk=order.pk)
                if order.status == OrderStatus.REFUND_PENDING:
                    raise RefundPending()
                reason = refund_refusal(order)
                if reason:
                    code = (
                        "already_refunded" if order.status == OrderStatus.REFUNDED else "too_late"
                    )
                    raise Conflict(reason, code=code)
                late = _ask_provider(order)
                credit_refund(order, actor=actor, reconciled=trigger if late else "")
        except _RefundOutcomeUnknown as exc:
            if _mark_pending(order.pk, exc.error) == OrderStatus.REFUNDED:
                raise Conflict("This order has already been refunded.", code="already_refunded")
            raise RefundPending() from exc.error
        except ProviderRefused as exc:
            raise Conflict(
                f"The provider refuses the refund: {exc.message}", code="provider_refused"
            ) from exc
        except ProviderError as exc:
            raise provider_failure(exc, charged=True) from exc
    except DomainError as exc:
        data = {"reason": exc.message[:300], "code": exc.code}
        if isinstance(exc.__cause__, ProviderError):
            data["provider_error"] = exc.__cause__.kind
        audit_record(
            action="proxyshop.refund",
            target_type="order",
            target=order_id,
            outcome=AuditEvent.Outcome.DENIED
            if exc.status_code < 500
            else AuditEvent.Outcome.ERROR,
            actor=actor,
            data=data,
        )
        raise
    return order.price
