"""Versioned secrets (KV v2 semantics) and single-use wrapped values."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.fields import EncryptedJSONField


class Secret(models.Model):
    """A secret path and its metadata. Values live in SecretVersion rows.

    `current_version` is the highest version ever written (Vault's `current_version`);
    `oldest_version` the lowest one still kept. `max_versions` 0 means the global default
    (`secrets.default_max_versions`). `expires_at` is the secret's TTL: past it the secret reads
    as missing at once and the purge job deletes it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    path = models.CharField(max_length=512, unique=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="custom metadata (str→str)")
    current_version = models.PositiveIntegerField(default=0)
    oldest_version = models.PositiveIntegerField(default=0)
    max_versions = models.PositiveIntegerField(default=0, help_text="0 = the global default")
    cas_required = models.BooleanField(default=False)
    delete_version_after = models.PositiveIntegerField(
        default=0, help_text="seconds after which each new version is soft-deleted; 0 = never"
    )
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Not a column: every kept version, newest first, set by secret_metadata_read.
    version_list: list[SecretVersion]

    class Meta:
        # Prefix lookups (path__startswith) use the LIKE index PostgreSQL gets with the unique
        # constraint on `path`.
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class SecretVersion(models.Model):
    """One version of a secret. `value` is encrypted at rest; destroy sets it to NULL.

    A version is soft-deleted when `deletion_time` is set and in the past (a future
    `deletion_time` is a scheduled deletion from `delete_version_after`).
    """

    # No index of its own: the (secret, version) unique constraint serves lookups by secret.
    secret = models.ForeignKey(
        Secret, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    value = EncryptedJSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deletion_time = models.DateTimeField(null=True, blank=True)
    destroyed = models.BooleanField(default=False)
    # Informational, like AuditEvent.actor_id: no database constraint, so that a write does not
    # take a KEY SHARE lock on its author's user row (concurrent writes of one user would share
    # it as a MultiXact). Deleting a user still sets it to NULL (Django's collector).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        ordering = ["secret", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["secret", "version"], name="secret_version_unique"),
            models.CheckConstraint(
                condition=models.Q(destroyed=False) | models.Q(value__isnull=True),
                name="secret_version_destroyed_has_no_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.secret_id} v{self.version}"

    @property
    def is_deleted(self) -> bool:
        return self.deletion_time is not None and self.deletion_time <= timezone.now()

    @property
    def is_readable(self) -> bool:
        return not self.destroyed and not self.is_deleted


class WrappedSecret(models.Model):
    """A value wrapped into a single-use token. Only the token's SHA-256 is stored; the value
    is encrypted and erased (NULL) when unwrapped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    accessor = models.CharField(max_length=40, unique=True, editable=False)
    value = EncryptedJSONField(null=True, blank=True)
    source_path = models.CharField(max_length=512, blank=True)
    source_version = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    unwrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "wrapped (shared) secret"

    def __str__(self) -> str:
        return f"wrap {self.accessor}"
