"""The append-only, hash-chained audit log shared by every domain."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One recorded action. `hash` = HMAC-SHA256 under the AUDIT_KEYS key `key_id` of
    (prev_hash + canonical row), so any edit, removal or reordering breaks the chain from that
    row on, and only a holder of the key could compute it again (`manage.py verify_audit_log`).
    Rows chained before the chain was keyed have an empty `key_id` and plain SHA-256."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        DENIED = "denied", "Denied"
        ERROR = "error", "Error"

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    # Few indexes on purpose: every audited request inserts here. Lookups go by time, action,
    # accessor or (target_type, target), all exact; admin text search scans. (Declared in Meta:
    # `db_index=True` on a CharField would add a second, LIKE index on PostgreSQL.)
    actor = models.CharField(max_length=150, blank=True)
    accessor = models.CharField(max_length=40, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    data = models.JSONField(default=dict, blank=True)
    key_id = models.CharField(max_length=16, blank=True, default="")
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "secrets_app_auditevent"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target"]),
            models.Index(fields=["accessor"], name="audit_accessor_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.outcome}"


class AuditChainHead(models.Model):
    """The chain's newest hash, in one row, with a keyed seal of it (so that it cannot be set
    back to an older row's hash without the key). Appending locks it, then updates it and
    inserts the event in one statement: the row lock orders concurrent writers (PostgreSQL)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "secrets_app_auditchainhead"
        verbose_name = "audit chain head"

    def __str__(self) -> str:
        return self.hash


class AuditChain(AuditEvent):
    """The audit log seen as a chain: its admin page shows the chain status and exports it."""

    class Meta:
        proxy = True
        verbose_name = "audit chain status"
        verbose_name_plural = "audit chain status"
