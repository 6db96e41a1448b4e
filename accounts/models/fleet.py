"""The account fleet: accounts on third-party platforms and the proxies they use."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.fields import EncryptedJSONField, EncryptedTextField


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
    """A proxy of the fleet's pool (added by hand, imported, or taken from a shop order).

    A proxy is *live* when it is not dead, not disabled and not expired; only live proxies are
    allocated. Bindings (Account.proxy) change only in `accounts.services.proxies`, under a row
    lock on the proxy, which is what makes "at most N accounts per proxy" hold.
    """

    class Protocol(models.TextChoices):
        SOCKS5 = "socks5", "SOCKS5"
        HTTP = "http", "HTTP"
        HTTPS = "https", "HTTPS"

    class Health(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        ALIVE = "alive", "Alive"
        DEAD = "dead", "Dead"

    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        IMPORT = "import", "Bulk import"
        SHOP = "shop", "Proxy shop order"

    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField()
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.SOCKS5)
    username = models.CharField(max_length=255, blank=True)
    password = EncryptedTextField(blank=True, null=True)
    country = models.CharField(max_length=2, blank=True, db_index=True)
    provider = models.CharField(max_length=100, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    is_disabled = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(max_length=100, blank=True)
    health = models.CharField(
        max_length=8, choices=Health.choices, default=Health.UNKNOWN, db_index=True
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "proxies"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "port", "username"], name="proxy_unique_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}"

    @property
    def is_live(self) -> bool:
        if self.is_disabled or self.health == self.Health.DEAD:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


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
    proxy_assigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("view_credentials", "Can reveal decrypted account credentials")]
        constraints = [
            models.UniqueConstraint(fields=["platform", "login"], name="account_unique_login")
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.login}"
