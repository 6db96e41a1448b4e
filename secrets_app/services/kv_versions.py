"""Version operations of the secrets store: soft-delete, undelete, destroy, metadata, delete all.

Each locks the secret row, checks the caller's policies before the change (refusals audited
outside the transaction) and audits the change with the versions it touched.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.durations import MAX_DURATION
from core.errors import InvalidArgument

from ..models import Secret, SecretVersion
from .kv_common import (
    kv_audit,
    live_q,
    live_secret_get,
    path_of,
    retention,
    secret_lock_or_create,
)
from .kv_validation import duration_field, normalize_path, parse_versions, validate_metadata
from .policies import authorize, authorize_write


def _change_versions(
    *, path: Any, versions: Any, user: Any, context: Any, action: str
) -> list[int]:
    path = path_of(path)
    authorize(user=user, context=context, path=path, capability="delete")
    with transaction.atomic():
        secret = live_secret_get(path, lock=True)
        numbers = [secret.current_version] if versions is None else parse_versions(versions)
        rows = SecretVersion.objects.filter(secret=secret, version__in=numbers, destroyed=False)
        now = timezone.now()
        if action == "delete":
            pending = Q(deletion_time__isnull=True) | Q(deletion_time__gt=now)
            changed = list(rows.filter(pending).values_list("version", flat=True))
            rows.filter(version__in=changed).update(deletion_time=now)
        elif action == "undelete":
            changed = list(
                rows.filter(deletion_time__isnull=False).values_list("version", flat=True)
            )
            rows.filter(version__in=changed).update(deletion_time=None)
        else:
            changed = list(rows.values_list("version", flat=True))
            rows.update(value=None, destroyed=True)
        kv_audit(
            f"secret.{action}",
            path,
            user=user,
            context=context,
            versions=sorted(changed),
        )
    return sorted(changed)


def secret_delete_versions(
    *, path: str, versions: list[int] | None = None, user: Any, context: Any
) -> list[int]:
    """Soft-delete versions (None = the current one). Undoable; needs `delete`."""
    return _change_versions(
        path=path, versions=versions, user=user, context=context, action="delete"
    )


def secret_undelete_versions(
    *, path: str, versions: list[int], user: Any, context: Any
) -> list[int]:
    """Restore soft-deleted versions (destroyed ones stay destroyed). Needs `delete`."""
    return _change_versions(
        path=path, versions=versions, user=user, context=context, action="undelete"
    )


def secret_destroy_versions(
    *, path: str, versions: list[int], user: Any, context: Any
) -> list[int]:
    """Erase the ciphertext of versions for good (the rows stay, `destroyed`). Needs `delete`."""
    return _change_versions(
        path=path, versions=versions, user=user, context=context, action="destroy"
    )


def secret_metadata_update(
    *,
    path: str,
    max_versions: int | None = None,
    cas_required: bool | None = None,
    delete_version_after: Any = None,
    custom_metadata: dict[str, Any] | None = None,
    user: Any,
    context: Any,
) -> Secret:
    """Change a secret's settings; creates an empty secret (no version) if the path is free
    (as Vault does). Lowering max_versions prunes the oldest versions. Needs `update` (or
    `create` for a new path)."""
    path = normalize_path(path_of(path))
    if max_versions is not None and (
        isinstance(max_versions, bool)
        or not isinstance(max_versions, int)
        or not 0 <= max_versions <= MAX_DURATION
    ):
        raise InvalidArgument(
            f"max_versions must be an integer from 0 to {MAX_DURATION}.", field="max_versions"
        )
    if cas_required is not None and not isinstance(cas_required, bool):
        raise InvalidArgument("cas_required must be a boolean.", field="cas_required")
    dva = duration_field(delete_version_after, "delete_version_after")
    custom = (
        None
        if custom_metadata is None
        else validate_metadata(custom_metadata, field="custom_metadata")
    )
    exists = Secret.objects.filter(live_q(), path=path).exists()
    authorize_write(user=user, context=context, path=path, exists=exists)
    with transaction.atomic():
        secret, _ = secret_lock_or_create(path, user)
        changes: dict[str, Any] = {}
        if max_versions is not None:
            secret.max_versions = changes["max_versions"] = max_versions
        if cas_required is not None:
            secret.cas_required = changes["cas_required"] = cas_required
        if dva is not None:
            secret.delete_version_after = changes["delete_version_after"] = dva
        if custom is not None:
            secret.metadata = custom
            changes["custom_metadata_keys"] = sorted(custom)
        prune_through, secret.oldest_version = retention(secret, secret.current_version)
        if prune_through > 0:
            SecretVersion.objects.filter(secret=secret, version__lte=prune_through).delete()
        secret.updated_at = timezone.now()
        secret.save()
        kv_audit("secret.metadata_update", path, user=user, context=context, **changes)
    return secret


def secret_delete_all(*, path: str, user: Any, context: Any) -> None:
    """Delete the secret: every version and its metadata. Needs `delete`. NotFound if absent."""
    path = path_of(path)
    authorize(user=user, context=context, path=path, capability="delete")
    with transaction.atomic():
        secret = Secret.objects.select_for_update().filter(path=path).first()
        if secret is None:
            from core.errors import NotFound

            raise NotFound("No secret at this path or id.")
        count = secret.current_version
        secret.delete()
        kv_audit("secret.delete_all", path, user=user, context=context, versions=count)
