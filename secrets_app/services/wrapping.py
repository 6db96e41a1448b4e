"""Single-use sharing: wrap a secret (or an ad-hoc value) into a one-time token with a TTL.

Guarantees: the wrap token is 256 random bits stored only as a SHA-256; unwrapping returns the
value once — the row is locked, the value read and erased (NULL) in one transaction, so two
concurrent unwraps give one value and one NotFound; an expired or used wrap is NotFound. Both
outcomes are audited (the wrap's accessor, never the value or the token).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_hmac, audit_record
from core.errors import InvalidArgument, NotFound
from core.models import AuditEvent
from core.registry import settings_get_many

from ..models import WrappedSecret
from .kv import secret_read
from .kv_validation import duration_field, validate_value

WRAP_PREFIX = "pvw."


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def wrap_create(
    *,
    value: Any = None,
    path: str | None = None,
    ttl: Any = None,
    user: Any,
    context: Any,
) -> tuple[str, datetime]:
    """Wrap `value`, or the current version of the secret at `path` (needs `read` on it), into
    a one-time token. Returns (raw token, expires_at); the raw token is shown once."""
    if (value is None) == (path is None):
        raise InvalidArgument("give either a value or a secret path to share.", field="value")
    limits = settings_get_many(["secrets.wrap_default_ttl", "secrets.wrap_max_ttl"])
    ttl_s = duration_field(ttl, "ttl") or limits["secrets.wrap_default_ttl"]
    if ttl_s > limits["secrets.wrap_max_ttl"]:
        raise InvalidArgument(
            f"ttl is at most {limits['secrets.wrap_max_ttl']} seconds.", field="ttl"
        )
    source_version = None
    if path is not None:
        secret, version = secret_read(path_or_id=path, user=user, context=context)
        value, path, source_version = version.value, secret.path, version.version
    else:
        validate_value(value)
    raw = WRAP_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=ttl_s)
    with transaction.atomic():
        wrap = WrappedSecret.objects.create(
            token_hash=_digest(raw),
            accessor=secrets.token_hex(12),
            value=value,
            source_path=path or "",
            source_version=source_version,
            created_by=user if getattr(user, "pk", None) else None,
            expires_at=expires_at,
        )
        audit_record(
            action="wrap.create",
            target_type="wrap",
            target=wrap.accessor,
            actor=user,
            accessor=getattr(context, "accessor", "") or "",
            data={
                "path": path or None,
                "version": source_version,
                "ttl": ttl_s,
                "token_hmac": audit_hmac(raw),
            },
        )
    return raw, expires_at


def wrap_lookup(*, raw_token: str) -> WrappedSecret | None:
    """The wrap if it can still be unwrapped (does not consume it, never returns the value)."""
    return (
        WrappedSecret.objects.defer("value")
        .filter(
            token_hash=_digest(raw_token or ""),
            unwrapped_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def wrap_unwrap(*, raw_token: str) -> Any:
    """The wrapped value, once. NotFound for an unknown, used or expired token."""
    digest = _digest(raw_token or "")
    with transaction.atomic():
        wrap = WrappedSecret.objects.select_for_update().filter(token_hash=digest).first()
        usable = wrap is not None and wrap.unwrapped_at is None and wrap.expires_at > timezone.now()
        if wrap is not None and usable:
            value = wrap.value
            wrap.value = None
            wrap.unwrapped_at = timezone.now()
            wrap.save(update_fields=["value", "unwrapped_at"])
            audit_record(
                action="wrap.unwrap",
                target_type="wrap",
                target=wrap.accessor,
                data={"path": wrap.source_path or None},
            )
            return value
    reason = "unknown" if wrap is None else ("used" if wrap.unwrapped_at else "expired")
    audit_record(
        action="wrap.unwrap",
        target_type="wrap",
        target=wrap.accessor if wrap else "",
        outcome=AuditEvent.Outcome.DENIED,
        data={"reason": reason, "token_hmac": audit_hmac(raw_token or "")},
    )
    raise NotFound("This shared secret does not exist, was already opened, or has expired.")


def wrap_discard(*, raw_token: str, reason: str) -> bool:
    """Erase a wrap without revealing it (its token was exposed, e.g. written to a server's
    access log by a link of the old `/secrets/share/<token>` form). True if a usable wrap was
    erased; unknown, used or expired tokens change nothing. Audited with the reason."""
    with transaction.atomic():
        wrap = (
            WrappedSecret.objects.select_for_update()
            .filter(
                token_hash=_digest(raw_token or ""),
                unwrapped_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if wrap is None:
            return False
        wrap.value = None
        wrap.unwrapped_at = timezone.now()
        wrap.save(update_fields=["value", "unwrapped_at"])
        audit_record(
            action="wrap.discard",
            target_type="wrap",
            target=wrap.accessor,
            data={"path": wrap.source_path or None, "reason": reason},
        )
    return True
