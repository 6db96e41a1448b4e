"""A new version of an existing, live secret in one statement (PostgreSQL).

The common write - a new version at a path that already holds one - runs as a single SQL
statement in autocommit: it locks the secret row, checks `cas` / `cas_required`, inserts the
version, prunes versions past max_versions, saves the secret's new state and appends the
audit event to the hash chain, all or nothing. No BEGIN/COMMIT round trips, no read before the
write. The version number is known only inside the statement, so the audit event's canonical
text and data carry a placeholder that the statement replaces by it; the stored event is
exactly what `audit_record` would have written (`verify_audit_log` checks it the same way).
A writer that had to wait for the row lock prunes once more afterwards (see `_PRUNE_SQL`).

Anything else - no such secret, an expired one, one without versions, no chain head yet, or
SQLite - answers `None` and the caller takes the general path (services/kv.py `secret_write`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import DatabaseError, connection

from core.audit import append_params, audit_event
from core.db import hot_cursor, orm_values
from core.registry import setting_get

from ..models import Secret, SecretVersion
from .kv_validation import cas_conflict

logger = logging.getLogger(__name__)

PLACEHOLDER = -1  # the version number in the event before the statement knows it
_MAX_VERSION = 2**31 - 1  # versions are PostgreSQL integers
_MARK = f'"version":{PLACEHOLDER}'

_WRITE_SQL = """
WITH cur AS (
    SELECT id, current_version, oldest_version, max_versions, cas_required,
           delete_version_after, expires_at
      FROM secrets_app_secret
     WHERE path = %(path)s::text AND current_version > 0
       AND EXISTS (SELECT 1 FROM secrets_app_auditchainhead WHERE id = 1)
       FOR UPDATE
), chk AS (
    -- Once the row is locked (a writer may have waited): the time of this write, and so
    -- whether the secret is still live now. Volatile, hence evaluated once.
    SELECT cur.*, clock_timestamp() AS at FROM cur
), ok AS (
    SELECT chk.*, chk.current_version + 1 AS number,
           CASE WHEN chk.max_versions > 0 THEN chk.max_versions
                ELSE %(default_keep)s::int END AS keep
      FROM chk
     WHERE (chk.expires_at IS NULL OR chk.expires_at > chk.at)
       AND CASE WHEN %(cas)s::bigint IS NULL THEN NOT chk.cas_required
                ELSE chk.current_version = %(cas)s::bigint END
), added AS (
    INSERT INTO secrets_app_secretversion
           (secret_id, version, value, created_at, deletion_time, destroyed, created_by_id)
    SELECT ok.id, ok.number, %(value)s::text, ok.at,
           CASE WHEN ok.delete_version_after > 0
                THEN ok.at + make_interval(secs => ok.delete_version_after)
           END,
           false, %(user_id)s::bigint
      FROM ok
    RETURNING id, created_at, deletion_time
), pruned AS (
    DELETE FROM secrets_app_secretversion v
     USING ok
     WHERE v.secret_id = ok.id AND v.version <= ok.number - ok.keep
), saved AS (
    UPDATE secrets_app_secret s
       SET current_version = ok.number,
           oldest_version = GREATEST(COALESCE(NULLIF(ok.oldest_version, 0), 1),
                                     ok.number - ok.keep + 1, 1),
           updated_at = ok.at,
           metadata = COALESCE(%(metadata)s::jsonb, s.metadata),
           expires_at = CASE WHEN %(ttl)s::bigint IS NULL THEN s.expires_at
                             WHEN %(ttl)s::bigint > 0
                             THEN ok.at + make_interval(secs => %(ttl)s::bigint)
                        END
      FROM ok
     WHERE s.id = ok.id
    RETURNING {saved}
), head AS (
    UPDATE secrets_app_auditchainhead
       SET prev_hash = hash,
           hash = encode(sha256(convert_to(
               hash || replace(%(canonical)s::text, %(mark)s::text,
                               '"version":' || (SELECT number FROM ok)),
               'UTF8')), 'hex')
     WHERE id = 1 AND EXISTS (SELECT 1 FROM ok)
    RETURNING prev_hash, hash
), logged AS (
    INSERT INTO secrets_app_auditevent (created_at, actor_id, actor, accessor, ip, request_id,
                                        action, target_type, target, outcome, data, prev_hash,
                                        hash)
    SELECT %(event_at)s::timestamptz, %(actor_id)s::bigint, %(actor)s::text,
           %(accessor)s::text, %(ip)s::text, %(request_id)s::text, %(action)s::text,
           %(target_type)s::text, %(target)s::text, %(outcome)s::text,
           jsonb_set(%(data)s::jsonb, '{version}', to_jsonb(ok.number)),
           head.prev_hash, head.hash
      FROM head CROSS JOIN ok
    RETURNING id
)
SELECT (SELECT current_version FROM chk), (SELECT cas_required FROM chk),
       (SELECT expires_at IS NULL OR expires_at > at FROM chk),
       (SELECT id FROM added), (SELECT created_at FROM added),
       (SELECT deletion_time FROM added), (SELECT id FROM logged),
       (SELECT current_version FROM secrets_app_secret WHERE path = %(path)s::text),
       saved.*
  FROM (SELECT 1) AS one LEFT JOIN saved ON true
"""

# What the answers need of the secret, in the model's field order (Model.from_db wants that).
# Pruning inside the statement sees the versions committed before the statement began. When
# the statement waited for the row lock behind other writers (the row it locked is newer than
# the one its snapshot shows), versions they added may be due for pruning and invisible to
# it: a second statement, with a fresh snapshot, prunes them before the write is answered. (If
# the process dies in between, the next write of the path prunes them.)
_PRUNE_SQL = """
DELETE FROM secrets_app_secretversion
 WHERE secret_id = %s::uuid
   AND version <= (SELECT oldest_version FROM secrets_app_secret WHERE id = %s::uuid) - 1
"""


def _prune_again(secret: Secret) -> None:
    # The write is committed and audited: a failure here must not turn it into an error (a
    # retrying client would add a duplicate version); the next write of the path prunes.
    try:
        with hot_cursor() as cursor:
            cursor.execute(_PRUNE_SQL, [secret.id, secret.id])
    except DatabaseError:
        logger.warning("pruning old versions of a secret failed; the next write retries it")


_SAVED_FIELDS = tuple(
    f
    for f in Secret._meta.concrete_fields
    if f.attname
    in {"id", "path", "current_version", "metadata", "created_at", "updated_at", "expires_at"}
)
_SAVED = tuple(f.attname for f in _SAVED_FIELDS)
_WRITE_SQL = _WRITE_SQL.replace("{saved}", ", ".join(f"s.{name}" for name in _SAVED))


def write_existing(
    *,
    path: str,
    value: Any,
    value_hmac: str,
    metadata: dict | None,
    ttl_s: int | None,
    cas: int | None,
    user: Any,
    context: Any,
) -> SecretVersion | None:
    """The new version (with `.secret`), Conflict on a cas mismatch / missing cas, or None
    when the general path must handle the write. The caller has checked `update` on `path`."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None  # inside a caller's transaction: the general path (its savepoint) is safer
    if cas is not None and cas > _MAX_VERSION:
        return None  # can match no version; the general path answers the Conflict
    event = audit_event(
        action="secret.write",
        target_type="secret",
        target=path,
        actor=user,
        accessor=getattr(context, "accessor", "") or "",
        data={
            "version": PLACEHOLDER,
            "created": False,
            "value_hmac": value_hmac,
            "cas": cas,
            "ttl": ttl_s,
        },
    )
    params = append_params(event)
    if params["canonical"].count(_MARK) != 1:  # cannot happen with the data above; never guess
        return None
    user_id = getattr(user, "pk", None)
    params.update(
        path=path,
        default_keep=setting_get("secrets.default_max_versions"),
        cas=cas,
        value=SecretVersion._meta.get_field("value").get_db_prep_save(value, connection),
        user_id=user_id,
        metadata=None if metadata is None else json.dumps(metadata),
        ttl=ttl_s,
        mark=_MARK,
    )
    with hot_cursor() as cursor:
        cursor.execute(_WRITE_SQL, params)
        row = cursor.fetchone()
    current, cas_required, live, version_id, created_at, deletion_time, event_id, seen = row[:8]
    if version_id is None:
        if current is None or not live:
            return None  # absent, expired, no versions yet or no chain head: general path
        raise cas_conflict(cas=cas, current=current, cas_required=cas_required)
    if event_id is None:  # the statement guarantees it; refuse to believe otherwise silently
        raise RuntimeError("secret written without its audit event")
    secret = Secret.from_db("default", _SAVED, orm_values(_SAVED_FIELDS, row[8:]))
    if seen != current:
        _prune_again(secret)
    version = SecretVersion(
        id=version_id,
        secret=secret,
        version=secret.current_version,
        value=value,
        created_at=created_at,
        deletion_time=deletion_time,
        destroyed=False,
        created_by_id=user_id,
    )
    version._state.adding = False
    version._state.db = connection.alias
    return version
