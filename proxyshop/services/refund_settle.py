"""Settling refunds whose provider answer was lost (see services/refund.py): the periodic
check, an admin's "check now", the customer's next attempt and an operator's resolution all end
here, and every credit, first-hand or reconciled, is written by `credit_refund` under the
order's row lock, only from ACTIVE or REFUND_PENDING, so a wallet is credited at most once per
order whatever runs at the same time.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.authority import actor_allows
from core.errors import PermissionDenied, Unavailable
from core.registry import setting_get, settings_get_many
from secrets_app.models import User

from ..models import LedgerEntry, Order, OrderStatus, RefundCheck
from ..provider import (
    ProviderClient,
    ProviderError,
    ProviderUnavailable,
    refund_already_done,
)
from ..signals import notify, refund_needs_operator
from .common import actor_name
from .wallet import ledger_post, wallet_lock

PENDING_MESSAGE = (
    "The provider did not confirm the refund, so it is being checked with the provider: if the "
    "refund went through there, the amount is credited to your balance automatically; if it did "
    "not, you can ask again."
)


class ReconcileOutcome(StrEnum):
    """How a check ended; all but SKIPPED are also stored as the order's RefundCheck."""

    REFUNDED = RefundCheck.REFUNDED.value  # the provider made the refund: credited now
    REOPENED = RefundCheck.REOPENED.value  # the provider did not make it: ACTIVE again
    PENDING = RefundCheck.PENDING.value  # the provider's answer does not tell (still pending)
    PROVIDER_DOWN = RefundCheck.PROVIDER_DOWN.value  # the provider cannot be asked now
    # "refundable" before proxyshop.refund_check_after: the lost request may still be in
    # progress there, so the order is not reopened yet (still pending)
    WAITING = RefundCheck.WAITING.value
    # refused for a reason other than "already refunded": proves nothing either way, since
    # the provider may test "too late" or "still online" first (pending until an operator
    # resolves it)
    NEEDS_OPERATOR = RefundCheck.NEEDS_OPERATOR.value
    SKIPPED = "skipped"  # not pending any more, or being settled by someone else right now


STILL_PENDING = (
    ReconcileOutcome.PENDING,
    ReconcileOutcome.PROVIDER_DOWN,
    ReconcileOutcome.WAITING,
    ReconcileOutcome.NEEDS_OPERATOR,
)


class RefundPending(Unavailable):
    """503 `refund_pending`; `retry_after` (seconds) when it is known when to ask again."""

    def __init__(self, *, retry_after: int | None = None) -> None:
        super().__init__(PENDING_MESSAGE, code="refund_pending")
        self.retry_after = retry_after


def credit_refund(
    order: Order,
    *,
    actor: User | None,
    reconciled: str = "",
    extra: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Credit the buyer and mark `order` REFUNDED. The caller holds the order's row lock and
    has seen it ACTIVE or REFUND_PENDING in the same transaction. `reconciled` names what
    found a refund whose answer was lost (beat, admin, retry, operator); empty for a
    first-hand one. `extra` is added to the audit data."""
    wallet = wallet_lock(user_id=order.user_id)
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
        order.refund_check_outcome = RefundCheck.REFUNDED
        order.refund_checked_at = order.refunded_at
        fields += ["refund_check", "refund_check_outcome", "refund_checked_at"]
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
    data.update(extra or {})
    audit_record(
        action="proxyshop.refund",
        target_type="order",
        target=order.order_id,
        actor=actor,
        data=data,
    )
    return entry


def reopen_wait_seconds(order: Order, *, now: datetime | None = None) -> int:
    """Seconds until a pending order may be reopened (0: now): the provider may still be
    processing the lost request for `proxyshop.refund_check_after` after it was sent."""
    if order.refund_unknown_at is None:
        return 0
    after = timedelta(seconds=setting_get("proxyshop.refund_check_after"))
    left = (order.refund_unknown_at + after - (now or timezone.now())).total_seconds()
    return max(0, math.ceil(left))


def _still_pending(order: Order, outcome: ReconcileOutcome, check: str) -> ReconcileOutcome:
    order.refund_check = check[:300]
    order.refund_check_outcome = outcome.value
    order.refund_checked_at = timezone.now()
    order.save(update_fields=["refund_check", "refund_check_outcome", "refund_checked_at"])
    return outcome


def _reopen(order: Order, *, actor: User | None, check: str, data: dict[str, Any]) -> None:
    order.status = OrderStatus.ACTIVE
    order.refund_check = check[:300]
    order.refund_check_outcome = RefundCheck.REOPENED
    order.refund_checked_at = timezone.now()
    order.save(
        update_fields=["status", "refund_check", "refund_check_outcome", "refund_checked_at"]
    )
    audit_record(
        action="proxyshop.refund.reopened",
        target_type="order",
        target=order.order_id,
        actor=actor,
        data={"reconciled": True, "pending_since": order.refund_unknown_at, **data},
    )


def order_refund_reconcile(
    *,
    order_pk: int,
    actor: User | None = None,
    trigger: str = "beat",
    skip_locked: bool = False,
) -> ReconcileOutcome:
    """Settle a REFUND_PENDING order by asking the provider whether the refund happened.

    "Already refunded" (see `provider.refund_already_done`) → credit exactly as a normal refund
    does, audited as reconciled, at any time. "Refundable" → the refund did not happen and the
    order is ACTIVE again, but only once `proxyshop.refund_check_after` has passed since the
    lost request (before that it may still be in progress there: WAITING). A refusal for any
    other reason proves nothing (NEEDS_OPERATOR: an operator resolves it with
    `order_refund_resolve`); provider unreachable or an unreadable answer → still pending for
    the next try. Every check is recorded on the order (`refund_check*`). The order's row lock
    is held while the provider is asked, so two settlements of one order never overlap;
    `skip_locked` (the periodic job) skips an order someone else is settling instead of waiting
    for it. Never raises a provider error.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update(skip_locked=skip_locked).filter(pk=order_pk).first()
        if order is None or order.status != OrderStatus.REFUND_PENDING:
            return ReconcileOutcome.SKIPPED
        try:
            with ProviderClient() as client:
                refundable, message = client.check_refundable(credentials_id=order.credentials_id)
        except ProviderError as exc:
            down = isinstance(exc, ProviderUnavailable)
            outcome = ReconcileOutcome.PROVIDER_DOWN if down else ReconcileOutcome.PENDING
            return _still_pending(order, outcome, f"check failed ({exc.kind}): {exc.message}")
        if not refundable and refund_already_done(message):
            credit_refund(order, actor=actor, reconciled=trigger)
            return ReconcileOutcome.REFUNDED
        if not refundable:
            first = order.refund_check_outcome != RefundCheck.NEEDS_OPERATOR
            check = (
                f"the provider refuses for another reason: {message or 'no reason'} "
                "(an operator must resolve it)"
            )
            outcome = _still_pending(order, ReconcileOutcome.NEEDS_OPERATOR, check)
            if first:
                notify(
                    refund_needs_operator,
                    Order,
                    order_id=order.order_id,
                    reason=check,
                    pending_since=order.refund_unknown_at,
                )
            return outcome
        if left := reopen_wait_seconds(order):
            return _still_pending(
                order,
                ReconcileOutcome.WAITING,
                f"not refunded at the provider yet; reopened only after {left} s more "
                "(the lost request may still be in progress there)",
            )
        _reopen(
            order,
            actor=actor,
            check="not refunded at the provider (refundable)",
            data={"trigger": trigger, "refundable": True, "provider_message": message[:200]},
        )
        return ReconcileOutcome.REOPENED


def order_refund_resolve(*, order_pk: int, actor: User, refunded: bool) -> ReconcileOutcome:
    """An operator's verdict on a REFUND_PENDING order, after checking with the provider by
    other means: `refunded` → credit the buyer (through `credit_refund`: at most once), otherwise
    reopen it. Under the order's row lock; an order no longer pending is left alone (SKIPPED).
    Audited with `resolved_by_operator`. Raises PermissionDenied for a non-operator."""
    if not actor_allows("refunds.resolve", user=actor):
        raise PermissionDenied("Only operators resolve refunds.")
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_pk).first()
        if order is None or order.status != OrderStatus.REFUND_PENDING:
            return ReconcileOutcome.SKIPPED
        flag = {"resolved_by_operator": True, "trigger": "operator"}
        if refunded:
            note = "an operator found the refund made at the provider"
            credit_refund(
                order,
                actor=actor,
                reconciled="operator",
                extra={**flag, "note": note},
            )
            return ReconcileOutcome.REFUNDED
        _reopen(
            order,
            actor=actor,
            check="not refunded at the provider (resolved by an operator)",
            data=flag,
        )
        return ReconcileOutcome.REOPENED


def refunds_reconcile(*, trigger: str = "beat") -> dict[str, int]:
    """Settle the pending refunds that have waited `proxyshop.refund_check_after`, at most
    `proxyshop.refund_check_batch` per run: the never checked first, then the longest
    unchecked (`refund_checked_at`), so an order whose check keeps failing does not hold up the
    others. Returns how many ended how. Stops at the first order the provider cannot be asked
    about: the next run tries again."""
    values = settings_get_many(["proxyshop.refund_check_after", "proxyshop.refund_check_batch"])
    before = timezone.now() - timedelta(seconds=values["proxyshop.refund_check_after"])
    pks = list(
        Order.objects.filter(status=OrderStatus.REFUND_PENDING, refund_unknown_at__lte=before)
        .order_by(F("refund_checked_at").asc(nulls_first=True), "refund_unknown_at", "pk")
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
