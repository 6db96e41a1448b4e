"""Path-glob policies over secret paths (Vault-style ACL)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

CAPABILITIES = ("create", "read", "update", "delete", "list", "deny")


class Policy(models.Model):
    """A named set of rules `[{"path": "team/*", "capabilities": ["read", "list"]}, …]`.

    `*` matches any characters (slashes included), `+` exactly one path segment. Attached to
    users (`users`), to roles (`roles`: role names) and to tokens (Token.policies holds names).
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    rules = models.JSONField(default=list, blank=True)
    roles = models.JSONField(default=list, blank=True, help_text="role names this applies to")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="secret_policies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name
