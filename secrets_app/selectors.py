"""Reads of the secrets store that are not a single secret: the contract's paginated list."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record

from .models import Secret
from .services.kv import normalize_path
from .services.policies import capabilities, effective_policies


def secret_list_visible(
    *,
    user: Any,
    context: Any,
    path_prefix: str = "",
    metadata_key: str | None = None,
) -> list[Secret]:
    """Live secrets under `path_prefix` (a plain string prefix), optionally having the custom
    metadata key `metadata_key`, that the caller may `list` or `read` — metadata only (the
    value column is never loaded). Audited as one list event."""
    prefix = path_prefix.strip().lstrip("/")
    if prefix:
        normalize_path(prefix, field="path_prefix", folder=True)
    qs = Secret.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), path__startswith=prefix
    )
    if metadata_key:
        qs = qs.filter(metadata__has_key=metadata_key)
    names = effective_policies(user=user, context=context)
    visible = [
        secret
        for secret in qs.order_by("path")
        if capabilities(names=names, path=secret.path) & {"list", "read"}
    ]
    audit_record(
        action="secret.list",
        target_type="secret",
        target=prefix,
        actor=user,
        accessor=getattr(context, "accessor", "") or "",
        data={"metadata_key": metadata_key, "count": len(visible)},
    )
    return visible
