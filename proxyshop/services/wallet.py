"""The wallet: every balance change is a ledger entry written under the wallet's row lock."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.authority import actor_allows
from core.errors import InvalidArgument, NotFound, PaymentRequired, PermissionDenied
from core.registry import setting_get
from secrets_app.models import User

from ..models import LedgerEntry, Order, Wallet

CENT = Decimal("0.01")


def money(value: Any, *, field: str = "amount") -> Decimal:
    """A Decimal with at most two places, or InvalidArgument."""
    if isinstance(value, bool) or value is None:
        raise InvalidArgument("Not a valid amount.", field=field)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidArgument("Not a valid amount.", field=field)
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidArgument("An amount has at most two decimal places.", field=field)
    return amount.quantize(CENT)


def wallet_for_user(*, user: User) -> Wallet:
    """The user's wallet, created empty on first use (safe under concurrent first use)."""
    wallet = Wallet.objects.filter(user=user).first()
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            return Wallet.objects.create(user=user)
    except IntegrityError:
        return Wallet.objects.get(user=user)


def wallet_lock(*, user_id: int) -> Wallet:
    """The user's wallet row (created empty if missing), locked until the surrounding
    transaction ends. Every change of a balance happens under this lock."""
    wallet = Wallet.objects.select_for_update().filter(user_id=user_id).first()
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            Wallet.objects.create(user_id=user_id)
    except IntegrityError:
        pass  # created by a concurrent first use
    return Wallet.objects.select_for_update().get(user_id=user_id)


def ledger_post(
    *,
    wallet: Wallet,
    kind: str,
    amount: Decimal,
    order: Order | None = None,
    note: str = "",
    actor: str = "",
) -> LedgerEntry:
    """Apply `amount` (signed) to a wallet locked by the caller and write its entry.

    Raises PaymentRequired when the balance would go negative.
    """
    new_balance = wallet.balance + amount
    if new_balance < 0:
        raise PaymentRequired(f"Not enough balance: {wallet.balance} available, {-amount} needed.")
    wallet.balance = new_balance
    wallet.updated_at = timezone.now()
    wallet.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        order=order,
        note=note[:500],
        actor=actor[:150],
    )


def _target_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


@transaction.atomic
def wallet_topup(*, actor: User, username: str, amount: Any, note: str = "") -> LedgerEntry:
    """Credit `amount` (> 0) to `username`'s wallet. Admins only; audited."""
    if not actor_allows("wallets.write", user=actor):
        raise PermissionDenied("Only admins may top up balances.")
    value = money(amount)
    if value <= 0:
        raise InvalidArgument("A top-up must be positive.", field="amount")
    if value > setting_get("proxyshop.topup_max"):
        raise InvalidArgument("The top-up exceeds proxyshop.topup_max.", field="amount")
    target = _target_user(username)
    wallet = wallet_lock(user_id=target.pk)
    entry = ledger_post(
        wallet=wallet, kind=LedgerEntry.Kind.TOPUP, amount=value, note=note, actor=actor.username
    )
    audit_record(
        action="proxyshop.balance.topup",
        target_type="user",
        target=target.username,
        actor=actor,
        data={"amount": str(value), "balance": str(entry.balance_after), "note": note[:200]},
    )
    return entry


@transaction.atomic
def wallet_adjust(*, actor: User, username: str, amount: Any, note: str) -> LedgerEntry:
    """A signed correction by an admin (never below zero); needs a note; audited."""
    if not actor_allows("wallets.write", user=actor):
        raise PermissionDenied("Only admins may adjust balances.")
    value = money(amount)
    if value == 0 or not note.strip():
        raise InvalidArgument("An adjustment needs a non-zero amount and a note.", field="amount")
    target = _target_user(username)
    wallet = wallet_lock(user_id=target.pk)
    entry = ledger_post(
        wallet=wallet,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount=value,
        note=note,
        actor=actor.username,
    )
    audit_record(
        action="proxyshop.balance.adjust",
        target_type="user",
        target=target.username,
        actor=actor,
        data={"amount": str(value), "balance": str(entry.balance_after), "note": note[:200]},
    )
    return entry
