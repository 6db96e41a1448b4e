"""What the secrets store's services share: finding a live secret by path or id, locking or
creating its row, and auditing a call on a path."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict, NotFound
from core.models import AuditEvent
from core.registry import setting_get

from ..models import Secret
from .kv_validation import normalize_path


def live_q() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def accessor_of(context: Any) -> str:
    return getattr(context, "accessor", "") or ""


def kv_audit(
    action: str,
    path: str,
    *,
    user: Any,
    context: Any,
    outcome: str | None = None,
    read: bool = False,
    **data: Any,
) -> None:
    """`read=True`: a read-only call, audited durably only if `audit.durable_reads` says so."""
    audit_record(
        action=action,
        target_type="secret",
        target=path,
        actor=user,
        accessor=accessor_of(context),
        outcome=outcome or AuditEvent.Outcome.SUCCESS,
        data=data,
        durable=not read or setting_get("audit.durable_reads"),
    )


def secret_lock_or_create(path: str, user: Any) -> tuple[Secret, bool]:
    """The secret row locked FOR UPDATE, created if absent; an expired secret starts afresh."""
    for _attempt in range(3):  # a concurrent create, or create-then-delete, may race us
        secret = Secret.objects.select_for_update().filter(path=path).first()
        if secret is not None:
            break
        try:
            with transaction.atomic():
                return Secret.objects.create(path=path, created_by=user_or_none(user)), True
        except IntegrityError:
            continue
    else:
        raise Conflict("The secret changed concurrently; retry the write.", code="concurrent")
    if secret.is_expired:
        start_afresh(secret)
        return secret, True
    return secret, secret.current_version == 0


def start_afresh(secret: Secret) -> None:
    """An expired secret, locked, becomes a new one at its path: its versions are deleted, its
    state reset in memory (saved by the write that follows)."""
    secret.versions.all().delete()
    now = timezone.now()
    secret.current_version = secret.oldest_version = 0
    secret.metadata, secret.expires_at = {}, None
    secret.created_at = secret.updated_at = now


def retention(secret: Secret, newest: int) -> tuple[int, int]:
    """What to keep when `newest` is the secret's newest version: at most `max_versions` (the
    secret's own, else `secrets.default_max_versions`). Answers (versions numbered up to this
    are pruned, the new oldest_version)."""
    keep = secret.max_versions or setting_get("secrets.default_max_versions")
    through = newest - keep
    if newest == 0:
        return through, secret.oldest_version
    return through, max(secret.oldest_version or 1, through + 1)


def user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def secret_lookup(path_or_id: Any, prefix: str = "") -> tuple[Q, str | None]:
    """A filter on the secret by stable id (uuid) or by path; also the path when given one."""
    if isinstance(path_or_id, uuid.UUID):
        return Q(**{f"{prefix}id": path_or_id}), None
    text = str(path_or_id or "")
    try:
        return Q(**{f"{prefix}id": uuid.UUID(text)}), None
    except ValueError:
        path = normalize_path(text)
        return Q(**{f"{prefix}path": path}), path


def live_secret_get(path_or_id: Any, *, lock: bool = False) -> Secret:
    where, _ = secret_lookup(path_or_id)
    qs = Secret.objects.select_for_update() if lock else Secret.objects
    secret = qs.filter(where).first()
    if secret is None or secret.is_expired:
        raise NotFound("No secret at this path or id.")
    return secret


def path_of(path_or_id: Any) -> str:
    """Authorization needs the path first; an id is resolved without revealing anything."""
    where, path = secret_lookup(path_or_id)
    if path is not None:
        return path
    found = Secret.objects.filter(where).values_list("path", flat=True).first()
    if found is None:
        raise NotFound("No secret at this path or id.")
    return found
