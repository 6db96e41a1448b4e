"""Orders (one bought proxy each), batches, and provider purchases undone by a failed batch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.fields import EncryptedJSONField


class OrderStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # the provider did not answer a refund request: it may or may not have refunded
    REFUND_PENDING = "refund_pending", "Refund outcome unknown (being checked)"
    REFUNDED = "refunded", "Refunded"


class RefundCheck(models.TextChoices):
    """What the last check with the provider found about a refund whose answer was lost."""

    PENDING = "pending", "Answer unclear"
    PROVIDER_DOWN = "provider_down", "Provider unreachable"
    WAITING = "waiting", "Not refunded yet (too early to reopen)"
    NEEDS_OPERATOR = "needs_operator", "Refused for another reason: operator must resolve"
    REFUNDED = "refunded", "Refunded at the provider"
    REOPENED = "reopened", "Not refunded at the provider"


class PurchaseBatch(models.Model):
    batch_id = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    idempotency_key = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "purchase batches"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="proxyshop_batch_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.batch_id


class Order(models.Model):
    """A sold proxy. Credentials are encrypted at rest; one order per product ever."""

    order_id = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxy_orders"
    )
    product = models.OneToOneField(
        "proxyshop.Product", on_delete=models.PROTECT, related_name="order"
    )
    batch = models.ForeignKey(
        PurchaseBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    proxy_id = models.BigIntegerField(db_index=True)
    credentials_id = models.BigIntegerField()
    credentials = EncryptedJSONField()
    price = models.DecimalField(max_digits=12, decimal_places=2)
    provider_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.ACTIVE
    )
    refundable = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    refund_unknown_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a refund request got no answer from the provider. Kept after the check: "
        "a later 'already refunded' from the provider is then credited, not refused.",
    )
    refund_check = models.CharField(
        max_length=300, blank=True, help_text="What the last check of that refund found."
    )
    refund_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When that refund was last checked with the provider."
    )
    refund_check_outcome = models.CharField(
        max_length=16, blank=True, choices=RefundCheck.choices, verbose_name="refund check"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["refund_unknown_at"],
                condition=models.Q(status="refund_pending"),
                name="proxyshop_order_refund_pending",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="proxyshop_order_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.order_id


class ProviderRollback(models.Model):
    """A provider purchase the shop tried to undo because its batch failed."""

    batch_ref = models.CharField(max_length=32, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    proxy_id = models.BigIntegerField()
    credentials_id = models.BigIntegerField()
    refunded = models.BooleanField(default=False)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"rollback {self.batch_ref} proxy {self.proxy_id}"
