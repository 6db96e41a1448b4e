"""SMS activations: a number rented from an SMS provider to receive one code."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class SmsStatus(models.TextChoices):
    """The contract's SMSStatus."""

    PENDING = "pending", "Pending"
    WAITING_CODE = "waiting_code", "Waiting for code"
    CODE_RECEIVED = "code_received", "Code received"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


SMS_FINAL_STATUSES = (SmsStatus.COMPLETED, SmsStatus.CANCELLED, SmsStatus.FAILED)


class SmsActivation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=32)
    provider_activation_id = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    service = models.CharField(max_length=16, db_index=True)
    country = models.CharField(max_length=8, default="ru")
    operator = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=16, choices=SmsStatus.choices, default=SmsStatus.PENDING, db_index=True
    )
    code = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms_activations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    code_received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS activation"

    def __str__(self) -> str:
        return f"{self.service} {self.phone or '…'} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in SMS_FINAL_STATUSES
