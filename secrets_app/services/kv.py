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
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Q
from django.utils import timezone

from core.audit import (
    APPEND_HEAD_CTE,
    APPEND_INSERT,
    append_params,
    audit_append,
    audit_event,
    audit_hmac,
    ensure_chain_head,
)
from core.db import hot_cursor, orm_values, pipelined_transaction
from core.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from core.models import AuditEvent

from ..models import Secret, SecretVersion
from .kv_common import (
    accessor_of,
    kv_audit,
    live_q,
    live_secret_get,
    path_of,
    retention,
    secret_lock_or_create,
    secret_lookup,
    start_afresh,
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
    one), Conflict (cas mismatch, or cas missing where the secret requires it).

    One transaction: lock the secret row (created if absent), decide in Python
    (`_plan_version`: cas, number, pruning, TTL, deletion time), then one statement writes the
    version, prunes, saves the secret and appends the audit event (PostgreSQL; `_store`). That
    statement and the COMMIT travel together (core.db.pipelined_transaction), so the audit
    chain's head lock is released by the server, without waiting for this process."""
    path = normalize_path(path)
    encoded = validate_value(value)
    metadata = None if metadata is None else validate_metadata(metadata)
    ttl_s = duration_field(ttl, "ttl")
    cas = parse_cas(cas)
    value_hmac = audit_hmac(encoded)
    try:
        with pipelined_transaction():
            secret, is_new = _lock_for_write(path, user)
            capability = "create" if is_new else "update"
            if not allowed(user=user, context=context, path=path, capability=capability):
                raise _Refused(capability)
            plan = _plan_version(
                secret, is_new=is_new, cas=cas, ttl_s=ttl_s, metadata=metadata, now=timezone.now()
            )
            event = audit_event(
                action="secret.write",
                target_type="secret",
                target=path,
                actor=user,
                accessor=accessor_of(context),
                data={
                    "version": plan.number,
                    "created": is_new,
                    "value_hmac": value_hmac,
                    "cas": cas,
                    "ttl": ttl_s,
                },
            )
            stored = _store(secret, plan, value=value, user=user, event=event)
        return stored()  # read once committed: the statement's answer came with the commit's
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


@dataclass(frozen=True)
class _VersionPlan:
    number: int
    prune_through: int  # versions numbered up to this are pruned
    oldest_version: int
    at: datetime
    deletion_time: datetime | None
    expires_at: datetime | None
    metadata: dict[str, Any]


def _plan_version(
    secret: Secret,
    *,
    is_new: bool,
    cas: int | None,
    ttl_s: int | None,
    metadata: dict[str, Any] | None,
    now: datetime,
) -> _VersionPlan:
    """Every rule of a new version, decided on the locked row: `cas` / `cas_required`
    (Conflict), the next number, what is pruned (`retention`), `delete_version_after`, the TTL
    (None keeps the expiry, 0 clears it) and the custom metadata."""
    conflict = cas_conflict(
        cas=cas, current=secret.current_version, cas_required=secret.cas_required and not is_new
    )
    if conflict is not None:
        raise conflict
    number = secret.current_version + 1
    prune_through, oldest = retention(secret, number)
    if ttl_s is None:
        expires_at = secret.expires_at
    else:
        expires_at = now + timedelta(seconds=ttl_s) if ttl_s else None
    dva = secret.delete_version_after
    return _VersionPlan(
        number=number,
        prune_through=prune_through,
        oldest_version=oldest,
        at=now,
        deletion_time=now + timedelta(seconds=dva) if dva else None,
        expires_at=expires_at,
        metadata=secret.metadata if metadata is None else metadata,
    )


@functools.cache
def _lock_sql() -> str:
    columns = ", ".join(f"s.{_quoted(f)}" for f in _read_fields()[0])
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM secrets_app_auditchainhead WHERE id = 1) "  # noqa: S608
        f"FROM {Secret._meta.db_table} s WHERE s.path = %s FOR UPDATE"
    )


def _lock_for_write(path: str, user: Any) -> tuple[Secret, bool]:
    """The secret row locked (created if absent, started afresh if expired) and whether the
    write creates it. On PostgreSQL one statement locks an existing row and tells whether the
    audit chain has its head row (created here if not, so that `_store`'s append finds it)."""
    if connection.vendor != "postgresql":
        return secret_lock_or_create(path, user)
    with hot_cursor() as cursor:
        cursor.execute(_lock_sql(), [path])
        raw = cursor.fetchone()
        if raw is None or not raw[-1]:
            ensure_chain_head(cursor)
    if raw is None:
        return secret_lock_or_create(path, user)
    fields = _read_fields()[0]
    secret = Secret.from_db("default", _read_names()[0], orm_values(fields, raw[:-1]))
    if secret.is_expired:
        start_afresh(secret)
        return secret, True
    return secret, secret.current_version == 0


# The write of `_store` (PostgreSQL): the version, the pruning, the secret's new state and the
# audit event, all or nothing, under the secret's row lock taken before (so pruning sees every
# version committed before it). Values come decided from `_plan_version`.
_WRITE_SQL = f"""
WITH added AS (
    INSERT INTO secrets_app_secretversion
           (secret_id, version, value, created_at, deletion_time, destroyed, created_by_id)
    VALUES (%(secret_id)s::uuid, %(number)s::int, %(value)s::text, %(at)s::timestamptz,
            %(deletion_time)s::timestamptz, false, %(user_id)s::bigint)
    RETURNING id
), pruned AS (
    DELETE FROM secrets_app_secretversion
     WHERE secret_id = %(secret_id)s::uuid AND version <= %(prune_through)s::int
), saved AS (
    UPDATE secrets_app_secret
       SET current_version = %(number)s::int, oldest_version = %(oldest)s::int,
           created_at = %(created_at)s::timestamptz, updated_at = %(at)s::timestamptz,
           metadata = %(metadata)s::jsonb, expires_at = %(expires_at)s::timestamptz
     WHERE id = %(secret_id)s::uuid
), {APPEND_HEAD_CTE}, logged AS (
{APPEND_INSERT}
    RETURNING id
)
SELECT (SELECT id FROM added), (SELECT id FROM logged)
"""  # noqa: S608 (constant fragments of core.audit, no input)


def _store(
    secret: Secret, plan: _VersionPlan, *, value: Any, user: Any, event: AuditEvent
) -> Callable[[], SecretVersion]:
    """Write what `plan` decided; answers a function that returns the new version (with
    `.secret`) once the statement's answer is there (after the commit when pipelined)."""
    secret.current_version = plan.number
    secret.oldest_version = plan.oldest_version
    secret.updated_at = plan.at
    secret.metadata = plan.metadata
    secret.expires_at = plan.expires_at
    version = SecretVersion(
        secret=secret,
        version=plan.number,
        value=value,
        created_at=plan.at,
        deletion_time=plan.deletion_time,
        destroyed=False,
        created_by=user_or_none(user),
    )
    if connection.vendor != "postgresql":
        version.save()
        if plan.prune_through > 0:
            SecretVersion.objects.filter(secret=secret, version__lte=plan.prune_through).delete()
        secret.save()
        audit_append(event)
        return lambda: version
    params = append_params(event)
    params.update(
        secret_id=secret.id,
        number=plan.number,
        value=SecretVersion._meta.get_field("value").get_db_prep_save(value, connection),
        at=plan.at,
        deletion_time=plan.deletion_time,
        user_id=version.created_by_id,
        prune_through=plan.prune_through,
        oldest=plan.oldest_version,
        created_at=secret.created_at,
        metadata=json.dumps(plan.metadata),
        expires_at=plan.expires_at,
    )
    with hot_cursor() as cursor:
        cursor.execute(_WRITE_SQL, params)

    def answer() -> SecretVersion:
        version_id, event_id = cursor.fetchone()
        if version_id is None or event_id is None:  # the statement guarantees both
            raise RuntimeError("secret version written without its audit event")
        version.id = version_id
        version._state.adding = False
        version._state.db = connection.alias
        return version

    return answer


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


def _quoted(field: Field[Any, Any]) -> str:
    assert field.column is not None  # a concrete field has its column
    return connection.ops.quote_name(field.column)


@functools.cache
def _read_sql(column: str, with_version: bool) -> str:
    secret_fields, version_fields = _read_fields()
    columns = [f"v.{_quoted(f)}" for f in version_fields] + [
        f"s.{_quoted(f)}" for f in secret_fields
    ]
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
