from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SystemSetting(models.Model):
    """A stored override of a registered setting (core.registry)."""

    key = models.CharField(max_length=100, primary_key=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        db_table = "secrets_app_systemsetting"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
