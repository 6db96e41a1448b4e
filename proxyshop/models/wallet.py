"""Each user's balance: a ledger of entries with a cached balance that never goes negative."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class Wallet(models.Model):
    """`balance` is the sum of the user's ledger entries, kept in step under a row lock;
    the CHECK is the last line of defence against a negative balance."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proxy_wallet"
    )
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="proxyshop_wallet_balance_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.balance}"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        TOPUP = "topup", "Top-up"
        PURCHASE = "purchase", "Purchase"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Adjustment"

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="signed")
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    order = models.ForeignKey(
        "proxyshop.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    note = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="proxyshop_ledger_after_non_negative"
            ),
            # One refund credit per order, whatever races happen above it.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="refund"),
                name="proxyshop_ledger_one_refund_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
