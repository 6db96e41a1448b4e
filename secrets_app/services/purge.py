"""Purge of what has expired: secrets past their TTL and wraps that can no longer be opened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record

from ..models import Secret, WrappedSecret

# Used or expired wraps are kept (without their value) this long, for the admin's history.
WRAP_HISTORY = timedelta(days=30)


def secrets_purge_expired(*, actor: str = "purge_expired") -> dict[str, Any]:
    """Delete expired secrets (all versions) and erase the values of expired wraps. Reads already
    treat these as missing; this reclaims the rows. Returns counts; audited when it did work."""
    now = timezone.now()
    with transaction.atomic():
        expired = list(Secret.objects.filter(expires_at__lte=now).values_list("id", "path")[:5000])
        if expired:
            Secret.objects.filter(id__in=[pk for pk, _ in expired], expires_at__lte=now).delete()
        wraps = WrappedSecret.objects.filter(expires_at__lte=now, value__isnull=False).update(
            value=None
        )
        old = WrappedSecret.objects.filter(expires_at__lte=now - WRAP_HISTORY).delete()[0]
        result = {"secrets": len(expired), "wraps_erased": wraps, "wraps_deleted": old}
        if expired or wraps or old:
            audit_record(
                action="secret.purge",
                target_type="secret",
                target=",".join(path for _, path in expired[:20]),
                actor=actor,
                data=result,
            )
    return result
