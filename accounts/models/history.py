"""What happened to accounts and proxies: status history and health checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fleet import Account, AccountStatus, Proxy


class AccountStatusChange(models.Model):
    """One transition of an account's status (written by `account_status_change` only)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="status_changes")
    previous_status = models.CharField(max_length=16, choices=AccountStatus.choices)
    new_status = models.CharField(max_length=16, choices=AccountStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person's username or a component ("warming", "import"), kept if the user goes away.
    actor_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.previous_status} → {self.new_status}"


class ProxyCheck(models.Model):
    """One health check of a proxy (TCP connect plus SOCKS5 handshake)."""

    proxy = models.ForeignKey(Proxy, on_delete=models.CASCADE, related_name="checks")
    ok = models.BooleanField()
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    checked_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.proxy_id} {'ok' if self.ok else 'failed'} at {self.checked_at:%H:%M:%S}"
