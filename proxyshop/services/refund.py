"""Refunds: within the window, only for offline proxies (the provider is asked at refund time),
only once (order row lock + one refund entry per order), only by the buyer or an admin.

A refund request the provider does not answer (timeout, dropped connection, 5xx: see
`provider.outcome_unknown`) may have been carried out there. The order then becomes
REFUND_PENDING in its own transaction, committed after the refund's transaction has rolled
back, and `order_refund_reconcile` settles it later by asking the provider: the periodic job,
an admin, or the customer's next attempt. Every credit, first-hand or reconciled, is written by
`_complete` under the order's row lock, and only from ACTIVE or REFUND_PENDING, so a wallet is
credited at most once per order whatever runs at the same time; the one-refund-entry-per-order
constraint is the last line of defence.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from config.errors import Conflict, DomainError, NotFound, PermissionDenied, Unavailable
from secrets_app.durations import format_duration
from secrets_app.models import AuditEvent, User
from secrets_app.registry import setting_get, settings_get_many
from secrets_app.services.audit import audit_record

from ..models import LedgerEntry, Order, OrderStatus, Wallet
from ..provider import (
    ProviderClient,
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
    ProxyGone,
    outcome_unknown,
    refund_already_done,
)
from .common import actor_name, provider_failure
from .wallet import ledger_post

PENDING_MESSAGE = (
    "The provider did not confirm the refund, so it is being checked with the provider: if the "
    "refund went through there, the amount is credited to your balance automatically; if it did "
    "not, you can ask again."
)


class ReconcileOutcome(StrEnum):
    REFUNDED = "refunded"  # the provider made the refund: credited now
    REOPENED = "reopened"  # the provider did not make it: the order is ACTIVE again
    PENDING = "pending"  # the provider's answer does not tell (still pending)
    PROVIDER_DOWN = "provider_down"  # the provider cannot be asked now (still pending)
    SKIPPED = "skipped"  # not pending any more, or being settled by someone else right now


class _RefundOutcomeUnknown(Exception):
    """The refund call failed in a way that may hide a success (internal to this module)."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.error = error


def refund_refusal(order: Order, *, now=None) -> str | None:
    """Why this order cannot be refunded whatever the provider says, or None.

    A pending order may always be asked again: the request was made within the window, and
    asking again settles it with the provider first."""
    if order.status == OrderStatus.REFUNDED:
        return "This order has already been refunded."
    if order.status == OrderStatus.REFUND_PENDING:
        return None
    window = setting_get("proxyshop.refund_window")
    if (now or timezone.now()) - order.created_at > timedelta(seconds=window):
        return f"Too late: refunds are possible within {format_duration(window)} of the purchase."
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
            if lost_earlier and refund_already_done(exc.message):
                return True
            raise
        except ProviderError as exc:
            if outcome_unknown(exc):
                raise _RefundOutcomeUnknown(exc) from exc
            raise
    return False


def _complete(
    order: Order, *, actor: User | None, request=None, reconciled: str = ""
) -> LedgerEntry:
    """Credit the buyer and mark `order` REFUNDED. The caller holds the order's row lock and
    has seen it ACTIVE or REFUND_PENDING in the same transaction. `reconciled` names what
    found a refund whose answer was lost (beat, admin, retry); empty for a first-hand one."""
    wallet = Wallet.objects.select_for_update().get(user_id=order.user_id)
    note = f"refund of {order.order_id}"
    if reconciled:
        note += " (confirmed by the provider after its answer was lost)"
    entry = ledger_post(
        wallet=wallet,
        kind=LedgerEntry.Kind.REFUND,
        amount=order.price,
        order=order,
        note=note,
        actor=actor_name(actor) or f"refund check ({reconciled})",
    )
    order.status = OrderStatus.REFUNDED
    order.refunded_at = timezone.now()
    order.refund_amount = order.price
    fields = ["status", "refunded_at", "refund_amount"]
    if reconciled:
        order.refund_check = f"refunded at the provider (confirmed by {reconciled})"
        fields.append("refund_check")
    order.save(update_fields=fields)
    data = {
        "amount": str(order.price),
        "buyer_id": order.user_id,
        "balance": str(entry.balance_after),
    }
    if reconciled:
        data.update(
            reconciled=True,
            trigger=reconciled,
            note="the provider confirmed a refund whose answer had been lost",
            pending_since=order.refund_unknown_at,
        )
    audit_record(
        action="proxyshop.refund",
        target_type="order",
        target=order.order_id,
        actor=actor,
        request=request,
        data=data,
    )
    return entry


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
            order.save(update_fields=["status", "refund_unknown_at", "refund_check"])
        return order.status


def order_refund(*, actor: User, order_id: str, request=None) -> Decimal:
    """Refund `order_id` to its buyer's balance; returns the amount credited.

    Raises NotFound, PermissionDenied (not yours), Conflict (already refunded, too late,
    still online, refused by the provider) or Unavailable/UpstreamError (provider down);
    every refusal is audited with its reason. When the provider does not answer the refund
    call itself, the order is left REFUND_PENDING and Unavailable (code `refund_pending`) is
    raised; asking again for a pending order first settles it with the provider (credit if the
    refund happened there, otherwise a normal refund). Not to be called inside a transaction.
    """
    order = Order.objects.filter(order_id=order_id).first()
    try:
        if order is None:
            raise NotFound("Unknown order.")
        if order.user_id != actor.pk and not getattr(actor, "is_admin", False):
            raise PermissionDenied("This order is not yours.")
        if order.status == OrderStatus.REFUND_PENDING:
            outcome = order_refund_reconcile(
                order_pk=order.pk, actor=actor, trigger="retry", request=request
            )
            if outcome == ReconcileOutcome.REFUNDED:
                return order.price
            if outcome in (ReconcileOutcome.PENDING, ReconcileOutcome.PROVIDER_DOWN):
                raise Unavailable(PENDING_MESSAGE, code="refund_pending")
            # reopened, or settled by someone else: the locked checks below decide
        try:
            with transaction.atomic(durable=True):
                order = Order.objects.select_for_update().get(pk=order.pk)
                if order.status == OrderStatus.REFUND_PENDING:
                    raise Unavailable(PENDING_MESSAGE, code="refund_pending")
                reason = refund_refusal(order)
                if reason:
                    code = (
                        "already_refunded" if order.status == OrderStatus.REFUNDED else "too_late"
                    )
                    raise Conflict(reason, code=code)
                late = _ask_provider(order)
                _complete(order, actor=actor, request=request, reconciled="retry" if late else "")
        except _RefundOutcomeUnknown as exc:
            if _mark_pending(order.pk, exc.error) == OrderStatus.REFUNDED:
                raise Conflict("This order has already been refunded.", code="already_refunded")
            raise Unavailable(PENDING_MESSAGE, code="refund_pending") from exc.error
        except ProviderRefused as exc:
            raise Conflict(
                f"The provider refuses the refund: {exc.message}", code="provider_refused"
            ) from exc
        except ProviderError as exc:
            raise provider_failure(exc, charged=True) from exc
    except DomainError as exc:
        audit_record(
            action="proxyshop.refund",
            target_type="order",
            target=order_id,
            outcome=AuditEvent.Outcome.DENIED
            if exc.status_code < 500
            else AuditEvent.Outcome.ERROR,
            actor=actor,
            request=request,
            data={"reason": exc.message[:300], "code": exc.code},
        )
        raise
    return order.price


def order_refund_reconcile(
    *,
    order_pk: int,
    actor: User | None = None,
    trigger: str = "beat",
    request=None,
    skip_locked: bool = False,
) -> ReconcileOutcome:
    """Settle a REFUND_PENDING order by asking the provider whether the refund happened.

    "Already refunded" (see `provider.refund_already_done`) → credit exactly as a normal refund
    does, audited as reconciled; refundable, or refused for another reason → the refund did not
    happen and the order is ACTIVE again; provider unreachable or an unreadable answer → it
    stays pending for the next try. The order's row lock is held while the provider is asked,
    so two settlements of one order never overlap; `skip_locked` (the periodic job) skips an
    order someone else is settling instead of waiting for it. Never raises a provider error.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update(skip_locked=skip_locked).filter(pk=order_pk).first()
        if order is None or order.status != OrderStatus.REFUND_PENDING:
            return ReconcileOutcome.SKIPPED
        try:
            with ProviderClient() as client:
                refundable, message = client.check_refundable(credentials_id=order.credentials_id)
        except ProviderError as exc:
            order.refund_check = f"check failed ({exc.kind}): {exc.message}"[:300]
            order.save(update_fields=["refund_check"])
            if isinstance(exc, ProviderUnavailable):
                return ReconcileOutcome.PROVIDER_DOWN
            return ReconcileOutcome.PENDING
        if not refundable and refund_already_done(message):
            _complete(order, actor=actor, request=request, reconciled=trigger)
            return ReconcileOutcome.REFUNDED
        why = "refundable" if refundable else message or "no reason"
        order.status = OrderStatus.ACTIVE
        order.refund_check = f"not refunded at the provider ({why})"[:300]
        order.save(update_fields=["status", "refund_check"])
        audit_record(
            action="proxyshop.refund.reopened",
            target_type="order",
            target=order.order_id,
            actor=actor,
            request=request,
            data={
                "reconciled": True,
                "trigger": trigger,
                "refundable": refundable,
                "provider_message": message[:200],
                "pending_since": order.refund_unknown_at,
            },
        )
        return ReconcileOutcome.REOPENED


def refunds_reconcile(*, trigger: str = "beat") -> dict[str, int]:
    """Settle the pending refunds that have waited `proxyshop.refund_check_after` (oldest
    first, at most `proxyshop.refund_check_batch`); returns how many ended how. Stops at the
    first order the provider cannot be asked about: the next run tries again."""
    values = settings_get_many(["proxyshop.refund_check_after", "proxyshop.refund_check_batch"])
    before = timezone.now() - timedelta(seconds=values["proxyshop.refund_check_after"])
    pks = list(
        Order.objects.filter(status=OrderStatus.REFUND_PENDING, refund_unknown_at__lte=before)
        .order_by("refund_unknown_at", "pk")
        .values_list("pk", flat=True)[: values["proxyshop.refund_check_batch"]]
    )
    counts = {outcome.value: 0 for outcome in ReconcileOutcome}
    for pk in pks:
        outcome = order_refund_reconcile(order_pk=pk, trigger=trigger, skip_locked=True)
        counts[outcome.value] += 1
        if outcome == ReconcileOutcome.PROVIDER_DOWN:
            break
    counts["left"] = Order.objects.filter(status=OrderStatus.REFUND_PENDING).count()
    return counts
