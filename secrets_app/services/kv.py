"""The secrets store (KV v2 semantics): write, read, list, versions, metadata.

Guarantees:
- every write makes a new version under a row lock on the secret, so concurrent writers get
  distinct consecutive version numbers; `cas` (check-and-set) refuses with Conflict and writes
  nothing when it does not match the current version (`cas=0`: only if absent);
- at most `max_versions` versions are kept (the secret's own or `secrets.default_max_versions`),
  the oldest pruned;
- a secret past its TTL reads as missing at once, before any purge;
- values are encrypted at rest, destroyed versions lose their ciphertext for good;
- every call checks the caller's policies (services/policies.py) and is audited, refusals
  included; the audit holds the path, version and an HMAC of the value, never the value.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import timezone

from core.audit import audit_hmac
from core.db import hot_cursor, orm_values
from core.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from core.models import AuditEvent
from core.registry import setting_get

from ..models import Secret, SecretVersion
from .kv_common import (
    kv_audit,
    live_q,
    live_secret_get,
    path_of,
    secret_lock_or_create,
    secret_lookup,
    user_or_none,
)
from .kv_validation import (
    cas_conflict,
    duration_field,
    normalize_path,
    parse_cas,
    validate_metadata,
    validate_value,
)
from .policies import allowed, audit_refusal, authorize, write_refused_message


class VersionDeleted(NotFound):
    """The asked version exists but is soft-deleted or destroyed (`.secret`, `.version`)."""

    def __init__(self, secret: Secret, version: SecretVersion) -> None:
        self.secret = secret
        self.version = version
        state = "destroyed" if version.destroyed else "deleted"
        super().__init__(f"Version {version.version} of this secret is {state}.")


class _Refused(Exception):
    def __init__(self, capability: str) -> None:
        self.capability = capability


# --- writes -----------------------------------------------------------------------------------


def secret_write(
    *,
    path: str,
    value: Any,
    metadata: dict[str, Any] | None = None,
    ttl: Any = None,
    cas: int | None = None,
    user: Any,
    context: Any,
) -> SecretVersion:
    """Create the secret or add a version. `ttl` (seconds or "1h30m") sets the secret's expiry,
    0 clears it, None keeps it; `metadata` replaces the custom metadata when given.

    Raises InvalidArgument (422), PermissionDenied (create on a new path, update on an existing
    one), Conflict (cas mismatch, or cas missing where the secret requires it)."""
    path = normalize_path(path)
    encoded = validate_value(value)
    metadata = None if metadata is None else validate_metadata(metadata)
    ttl_s = duration_field(ttl, "ttl")
    cas = parse_cas(cas)
    try:
        with transaction.atomic():
            secret, is_new = secret_lock_or_create(path, user)
            capability = "create" if is_new else "update"
            if not allowed(user=user, context=context, path=path, capability=capability):
                raise _Refused(capability)
            conflict = cas_conflict(
                cas=cas,
                current=secret.current_version,
                cas_required=secret.cas_required and not is_new,
            )
            if conflict is not None:
                raise conflict
            now = timezone.now()
            number = secret.current_version + 1
            version = SecretVersion.objects.create(
                secret=secret,
                version=number,
                value=value,
                created_at=now,
                created_by=user_or_none(user),
                deletion_time=now + timedelta(seconds=secret.delete_version_after)
                if secret.delete_version_after
                else None,
            )
            keep = secret.max_versions or setting_get("secrets.default_max_versions")
            if number > keep:
                SecretVersion.objects.filter(secret=secret, version__lte=number - keep).delete()
            secret.current_version = number
            secret.oldest_version = max(secret.oldest_version or 1, number - keep + 1, 1)
            secret.updated_at = now
            if metadata is not None:
                secret.metadata = metadata
            if ttl_s is not None:
                secret.expires_at = now + timedelta(seconds=ttl_s) if ttl_s else None
            secret.save()
            kv_audit(
                "secret.write",
                path,
                user=user,
                context=context,
                version=number,
                created=is_new,
                value_hmac=audit_hmac(encoded),
                cas=cas,
                ttl=ttl_s,
            )
            version.secret = secret
            return version
    except _Refused as refused:
        audit_refusal(user=user, context=context, path=path, capability=refused.capability)
        raise PermissionDenied(write_refused_message(path)) from None
    except Conflict as exc:
        kv_audit(
            "secret.write",
            path,
            user=user,
            context=context,
            outcome=AuditEvent.Outcome.ERROR,
            reason=exc.code,
            cas=cas,
        )
        raise


# --- reads ------------------------------------------------------------------------------------


def _fetch_version(where: Q, version: int | None) -> SecretVersion | None:
    """One version (the current one when `version` is None) with its secret, in one query.

    This is the hot path of every read: the SQL is built once per (lookup column, version
    given) and rows are decoded with the fields' own converters (decryption included), which
    skips the ORM's per-call query compilation (~1 ms of a ~2 ms read query)."""
    ((lookup, value),) = cast("list[tuple[str, Any]]", where.children)  # one lookup
    column = "path" if lookup.endswith("path") else "id"
    sql = _read_sql(column, bool(version))  # version 0 or None: the current one
    params = [value, version] if version else [value]
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchone()
    if raw is None:
        return None
    secret_fields, version_fields = _read_fields()
    secret_names, version_names = _read_names()
    split = len(version_fields)
    row = SecretVersion.from_db("default", version_names, orm_values(version_fields, raw[:split]))
    row.secret = Secret.from_db("default", secret_names, orm_values(secret_fields, raw[split:]))
    return row


@functools.cache
def _read_fields() -> tuple[tuple[Field[Any, Any], ...], tuple[Field[Any, Any], ...]]:
    return tuple(Secret._meta.concrete_fields), tuple(SecretVersion._meta.concrete_fields)


@functools.cache
def _read_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    secret_fields, version_fields = _read_fields()
    return tuple(f.attname for f in secret_fields), tuple(f.attname for f in version_fields)


@functools.cache
def _read_sql(column: str, with_version: bool) -> str:
    secret_fields, version_fields = _read_fields()

    def quoted(field: Field[Any, Any]) -> str:
        assert field.column is not None  # a concrete field has its column
        return connection.ops.quote_name(field.column)

    columns = [f"v.{quoted(f)}" for f in version_fields] + [f"s.{quoted(f)}" for f in secret_fields]
    version_match = "v.version = %s" if with_version else "v.version = s.current_version"
    return (
        f"SELECT {', '.join(columns)} FROM {SecretVersion._meta.db_table} v "  # noqa: S608
        f"JOIN {Secret._meta.db_table} s ON s.id = v.secret_id "
        f"WHERE s.{column} = %s AND {version_match} LIMIT 1"
    )


def secret_read(
    *, path_or_id: Any, version: int | None = None, user: Any, context: Any
) -> tuple[Secret, SecretVersion]:
    """The secret and one version of it (the current one by default), in one query.

    Raises NotFound (missing, expired, version pruned), VersionDeleted (soft-deleted or
    destroyed version), PermissionDenied (no `read` on the path; checked before existence is
    revealed when addressed by path)."""
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 0
    ):
        raise InvalidArgument(
            "version must be a positive integer.", field="version", location="query"
        )
    where, path = secret_lookup(path_or_id, "secret__")
    row = _fetch_version(where, version)
    if row is None or row.secret.is_expired:
        if path is not None:
            authorize(user=user, context=context, path=path, capability="read")
            kv_audit(
                "secret.read",
                path,
                user=user,
                context=context,
                outcome=AuditEvent.Outcome.ERROR,
                reason="not_found",
                version=version,
                read=True,
            )
        raise NotFound("No secret at this path or id.")
    secret = row.secret
    authorize(user=user, context=context, path=secret.path, capability="read")
    if not row.is_readable:
        kv_audit(
            "secret.read",
            secret.path,
            user=user,
            context=context,
            outcome=AuditEvent.Outcome.ERROR,
            reason="version_deleted",
            version=row.version,
            read=True,
        )
        raise VersionDeleted(secret, row)
    kv_audit(
        "secret.read",
        secret.path,
        user=user,
        context=context,
        version=row.version,
        read=True,
    )
    return secret, row


def secret_list(*, prefix: str = "", user: Any, context: Any) -> list[str]:
    """Vault LIST: the immediate children of the folder `prefix` ("a/b/"), sub-folders ending
    in "/", sorted. Needs `list` on the folder. [] when nothing is there (Vault answers 404)."""
    folder = normalize_path(prefix, field="prefix", folder=True)
    authorize(user=user, context=context, path=folder, capability="list")
    paths = Secret.objects.filter(live_q(), path__startswith=folder).values_list("path", flat=True)
    keys = set()
    for path in paths.iterator(chunk_size=2000):
        head, sep, _ = path[len(folder) :].partition("/")
        keys.add(head + sep)
    kv_audit(
        "secret.list",
        folder,
        user=user,
        context=context,
        count=len(keys),
        read=True,
    )
    return sorted(keys)


def secret_metadata_read(*, path: str, user: Any, context: Any) -> Secret:
    """The secret with `.version_list` (every kept version, newest first). NotFound if absent."""
    path = path_of(path)
    authorize(user=user, context=context, path=path, capability="read")
    secret = live_secret_get(path)
    secret.version_list = list(secret.versions.order_by("-version"))
    kv_audit("secret.metadata_read", path, user=user, context=context, read=True)
    return secret


from .kv_versions import (  # noqa: E402  (the version operations share this module's helpers)
    secret_delete_all,
    secret_delete_versions,
    secret_destroy_versions,
    secret_metadata_update,
    secret_undelete_versions,
)

__all__ = [
    "VersionDeleted",
    "authorize",
    "normalize_path",
    "secret_delete_all",
    "secret_delete_versions",
    "secret_destroy_versions",
    "secret_list",
    "secret_metadata_read",
    "secret_metadata_update",
    "secret_read",
    "secret_undelete_versions",
    "secret_write",
    "validate_metadata",
]
