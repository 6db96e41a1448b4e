"""Refunds: within the window, only for offline proxies (the provider is asked at refund time),
only once (order row lock + one refund entry per order), only by the buyer or an admin.

The refund intent is recorded before the provider is asked to refund: once the provider
has said the order is refundable, the order becomes REFUND_PENDING (stamped
`refund_unknown_at`) in a committed transaction; then the provider's refund call and our
credit happen in a second transaction under the order's row lock, which puts the order's
check fields back as they were (and the status to ACTIVE on a definite refusal). A process
killed between the provider's refund and that commit, or a refund request the provider does
not answer (timeout, dropped connection, 5xx: see `provider.outcome_unknown`), leaves the order
REFUND_PENDING, and services/refund_settle.py settles it later by asking the provider: the
periodic job, an admin, or the customer's next attempt. Every credit, first-hand or reconciled, is
written by `credit_refund` there, under the order's row lock and only from ACTIVE or
REFUND_PENDING, so a wallet is credited at most once per order whatever runs at the same time;
the one-refund-entry-per-order constraint is the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.authority import actor_allows
from core.durations import format_duration
from core.errors import Conflict, DomainError, NotFound
from core.locks import job_lock
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


@dataclass(frozen=True)
class _Intent:
    """A refund intent committed before the provider is asked (see the module docstring): the
    order's REFUND_PENDING stamp, and its check fields as they were, restored when the provider
    answers."""

    stamp: datetime
    unknown_at: datetime | None
    check: str
    checked_at: datetime | None
    outcome: str

    @property
    def lost_earlier(self) -> bool:
        return self.unknown_at is not None


_CHECK_FIELDS = ["refund_unknown_at", "refund_check", "refund_checked_at", "refund_check_outcome"]


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


def _check_with_provider(order: Order) -> bool:
    """Ask the provider whether `order` can be refunded. Returns True when it says it already
    made this refund and an earlier request of ours got no answer (`refund_unknown_at`): that
    request went through late, and the shop credits it instead of refusing. Raises Conflict for
    a refusal, the provider's error when it cannot be asked."""
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
        if order.refund_unknown_at is not None and refund_already_done(message):
            return True
        raise Conflict(
            f"The provider refuses the refund: {message or 'no reason'}.",
            code="provider_refused",
        )
    return False


def _intent_record(order: Order) -> _Intent:
    """Mark the locked ACTIVE order REFUND_PENDING (in the caller's transaction, committed before
    the provider is asked to refund): a process that dies after the provider's refund leaves the
    order pending, and the refund check settles it."""
    intent = _Intent(
        stamp=timezone.now(),
        unknown_at=order.refund_unknown_at,
        check=order.refund_check,
        checked_at=order.refund_checked_at,
        outcome=order.refund_check_outcome,
    )
    order.status = OrderStatus.REFUND_PENDING
    order.refund_unknown_at = intent.stamp
    order.refund_check = "refund asked of the provider; its answer is not recorded yet"
    order.refund_checked_at = None
    order.refund_check_outcome = ""
    order.save(update_fields=["status", *_CHECK_FIELDS])
    return intent


def _intent_restore(order: Order, intent: _Intent, *, status: str | None = None) -> None:
    """The provider answered: put back the order's check fields (and `status`) as they were."""
    order.refund_unknown_at = intent.unknown_at
    order.refund_check = intent.check
    order.refund_checked_at = intent.checked_at
    order.refund_check_outcome = intent.outcome
    fields = list(_CHECK_FIELDS)
    if status is not None:
        order.status = status
        fields.append("status")
    order.save(update_fields=fields)


def _refund_at_provider(order_pk: int, intent: _Intent, *, actor: User, trigger: str) -> None:
    """Have the provider refund the order whose intent is committed, and settle it in one
    transaction under the order's row lock: credit (the provider refunded, or says an earlier
    lost request of ours did), back to ACTIVE (a definite refusal or failure: raised after the
    commit), or left pending with what happened (no answer: RefundPending)."""
    failure: DomainError | None = None
    with transaction.atomic(durable=True):
        order = Order.objects.select_for_update().get(pk=order_pk)
        if order.status != OrderStatus.REFUND_PENDING or order.refund_unknown_at != intent.stamp:
            # settled meanwhile by a check that found our request (it outlived refund_check_after)
            if order.status == OrderStatus.REFUNDED:
                return
            raise RefundPending()
        try:
            with ProviderClient() as client:
                client.refund(credentials_id=order.credentials_id)
        except ProviderRefused as exc:
            if intent.lost_earlier and refund_already_done(exc.detail):
                _intent_restore(order, intent)
                credit_refund(order, actor=actor, reconciled=trigger)
                return
            _intent_restore(order, intent, status=OrderStatus.ACTIVE)
            failure = Conflict(
                f"The provider refuses the refund: {exc.message}", code="provider_refused"
            )
            failure.__cause__ = exc
        except ProviderError as exc:
            if outcome_unknown(exc):
                order.refund_check = f"refund not answered ({exc.kind}): {exc.message}"[:300]
                order.save(update_fields=["refund_check"])
                failure = RefundPending()
            else:
                _intent_restore(order, intent, status=OrderStatus.ACTIVE)
                failure = provider_failure(exc, charged=True)
            failure.__cause__ = exc
        else:
            _intent_restore(order, intent)
            credit_refund(order, actor=actor)
    if failure is not None:
        raise failure


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
        # One refund request per order at a time: another one of the same order waits until
        # this one has settled (and then finds it refunded, or pending), instead of taking a
        # refund in flight for one whose answer was lost.
        with job_lock(f"proxyshop.refund:{order.pk}", wait=_in_flight_wait()) as held:
            if not held:
                raise Conflict(
                    "A refund of this order is in progress; ask again in a moment.",
                    code="refund_in_progress",
                )
            order.refresh_from_db()
            return _order_refund_locked(order, actor=actor, trigger=trigger)
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


def _in_flight_wait() -> float:
    """Seconds a refund request waits for another one of the same order: its three provider
    calls at most, and a second."""
    return float(setting_get("proxyshop.timeout")) * 3 + 1


def _order_refund_locked(order: Order, *, actor: User, trigger: str) -> Decimal:
    """The rest of `order_refund`, holding the order's refund lock."""
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
                code = "already_refunded" if order.status == OrderStatus.REFUNDED else "too_late"
                raise Conflict(reason, code=code)
            late = _check_with_provider(order)
            if late:
                credit_refund(order, actor=actor, reconciled=trigger)
            else:
                intent = _intent_record(order)
        if not late:  # the intent is committed: a crash from here on leaves it pending
            _refund_at_provider(order.pk, intent, actor=actor, trigger=trigger)
    except ProviderError as exc:
        raise provider_failure(exc, charged=True) from exc
    return order.price
