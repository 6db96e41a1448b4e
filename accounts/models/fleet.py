"""The account fleet: accounts on third-party platforms and the proxies they use."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from secrets_app.fields import EncryptedJSONField, EncryptedTextField


class Platform(models.TextChoices):
    VK = "vk", "VK"
    TELEGRAM = "telegram", "Telegram"
    MAIL = "mail", "Mail"
    MAX = "max", "MAX"


class AccountStatus(models.TextChoices):
    CREATING = "creating", "Creating"
    ACTIVE = "active", "Active"
    WARMING = "warming", "Warming"
    BANNED = "banned", "Banned"
    SUSPENDED = "suspended", "Suspended"
    DELETED = "deleted", "Deleted"


class Proxy(models.Model):
    """A proxy of the fleet's pool (added by hand, imported, or taken from a shop order)."""

    class Protocol(models.TextChoices):
        SOCKS5 = "socks5", "SOCKS5"
        HTTP = "http", "HTTP"
        HTTPS = "https", "HTTPS"

    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField()
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.SOCKS5)
    username = models.CharField(max_length=255, blank=True)
    password = EncryptedTextField(blank=True, null=True)
    country = models.CharField(max_length=2, blank=True, db_index=True)
    provider = models.CharField(max_length=100, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "proxies"
        constraints = [
            models.UniqueConstraint(
                fields=["host", "port", "username"], name="proxy_unique_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}"


class Account(models.Model):
    """An account on a third-party platform. Credentials are encrypted at rest."""

    platform = models.CharField(max_length=16, choices=Platform.choices, db_index=True)
    login = models.CharField(max_length=255)
    password = EncryptedTextField()
    phone = EncryptedTextField(blank=True, null=True)
    additional_data = EncryptedJSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.CREATING, db_index=True
    )
    tags = models.JSONField(default=list, blank=True)
    proxy = models.ForeignKey(
        Proxy, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "login"], name="account_unique_login")
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.login}"
