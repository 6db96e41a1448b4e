"""Refunds: within the window, only for offline proxies (the provider is asked at refund time),
only once (order row lock + one refund entry per order), only by the buyer or an admin."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config.errors import Conflict, DomainError, NotFound, PermissionDenied
from secrets_app.durations import format_duration
from secrets_app.models import AuditEvent, User
from secrets_app.registry import setting_get
from secrets_app.services.audit import audit_record

from ..models import LedgerEntry, Order, OrderStatus, Wallet
from ..provider import ProviderClient, ProviderError, ProviderRefused, ProxyGone
from .common import provider_failure
from .wallet import ledger_post


def refund_refusal(order: Order, *, now=None) -> str | None:
    """Why this order cannot be refunded whatever the provider says, or None."""
    if order.status == OrderStatus.REFUNDED:
        return "This order has already been refunded."
    window = setting_get("proxyshop.refund_window")
    if (now or timezone.now()) - order.created_at > timedelta(seconds=window):
        return f"Too late: refunds are possible within {format_duration(window)} of the purchase."
    return None


def _ask_provider(order: Order) -> None:
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
            raise Conflict(
                f"The provider refuses the refund: {message or 'no reason'}.",
                code="provider_refused",
            )
        client.refund(credentials_id=order.credentials_id)


def order_refund(*, actor: User, order_id: str, request=None) -> Decimal:
    """Refund `order_id` to its buyer's balance; returns the amount credited.

    Raises NotFound, PermissionDenied (not yours), Conflict (already refunded, too late,
    still online, refused by the provider) or Unavailable/UpstreamError (provider down);
    every refusal is audited with its reason.
    """
    order = Order.objects.filter(order_id=order_id).first()
    try:
        if order is None:
            raise NotFound("Unknown order.")
        if order.user_id != actor.pk and not getattr(actor, "is_admin", False):
            raise PermissionDenied("This order is not yours.")
        try:
            with transaction.atomic():
                order = Order.objects.select_for_update().get(pk=order.pk)
                reason = refund_refusal(order)
                if reason:
                    code = (
                        "already_refunded" if order.status == OrderStatus.REFUNDED else "too_late"
                    )
                    raise Conflict(reason, code=code)
                _ask_provider(order)
                wallet = Wallet.objects.select_for_update().get(user_id=order.user_id)
                entry = ledger_post(
                    wallet=wallet,
                    kind=LedgerEntry.Kind.REFUND,
                    amount=order.price,
                    order=order,
                    note=f"refund of {order.order_id}",
                    actor=actor.username,
                )
                order.status = OrderStatus.REFUNDED
                order.refunded_at = timezone.now()
                order.refund_amount = order.price
                order.save(update_fields=["status", "refunded_at", "refund_amount"])
                audit_record(
                    action="proxyshop.refund",
                    target_type="order",
                    target=order.order_id,
                    actor=actor,
                    request=request,
                    data={
                        "amount": str(order.price),
                        "buyer_id": order.user_id,
                        "balance": str(entry.balance_after),
                    },
                )
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
