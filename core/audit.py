"""Writing and verifying the keyed, hash-chained audit log.

Each row's `hash` is SHA-256 of the previous row's hash and the row's *tag*: HMAC-SHA256 of the
row's canonical text under a key of AUDIT_KEYS. The tag is never stored; the row records the id
of the key that made it (`key_id`). Verification, which holds the key, recomputes every tag.
Somebody who can write the database but does not hold the key can neither alter a row nor
remove, insert or reorder rows and recompute the hashes after them: each link needs the tag of
the row after it. The chain head row holds the newest hash and a seal made from the newest
row's tag, so that removing the newest rows and copying the hash of the row before them into
the head does not verify either. An operator can also keep the head elsewhere
(`manage.py audit_checkpoint`) and prove later that the log still extends it
(`manage.py verify_audit_log --checkpoint FILE`).

The key stays in Python: an append computes the tag and sends it with the event; PostgreSQL
chains it in one statement that updates the head row (whose lock orders concurrent writers and
is held only to the end of the writing transaction) and inserts the event.

Rows chained before the chain was keyed (`key_id` empty) hash their canonical text itself; they
can only form the start of the chain, and the first keyed row (migration core 0005 appended
one) binds them: rewriting them changes the hash the keyed rows chain from (docs/decisions.md).
A row written inside a transaction that rolls back disappears with it: record refusals outside
the failing transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.utils import timezone

from .context import current_actor
from .db import hot_cursor
from .models import AuditEvent

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# The key id of rows chained before the chain was keyed: plain SHA-256.
UNKEYED = ""


# --- the chain's keys -------------------------------------------------------------------------


def audit_key_id(key: str) -> str:
    """The id a row records for the key that chained it: a digest of the key, not the key."""
    return hashlib.sha256(b"audit-chain-key-id:" + key.encode()).hexdigest()[:12]


@lru_cache(maxsize=1)
def _audit_keyring(keys: tuple[str, ...]) -> tuple[str, dict[str, bytes]]:
    if not keys or not all(keys):
        raise ImproperlyConfigured("AUDIT_KEYS is empty: at least one key is needed.")
    return audit_key_id(keys[0]), {audit_key_id(key): key.encode() for key in keys}


def _keyring() -> tuple[str, dict[str, bytes]]:
    """(id of the key that chains new rows, every listed key by id)."""
    return _audit_keyring(tuple(settings.AUDIT_KEYS))


def _reset(**kwargs: Any) -> None:
    if kwargs.get("setting") == "AUDIT_KEYS":
        _audit_keyring.cache_clear()


setting_changed.connect(_reset)


def event_tag(canonical: str, key_id: str) -> str | None:
    """The keyed tag of a row's canonical text (None when AUDIT_KEYS lacks the key); for an
    unkeyed row of before, the canonical text itself."""
    if key_id == UNKEYED:
        return canonical
    key = _keyring()[1].get(key_id)
    return None if key is None else hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def link_hash(prev_hash: str, tag: str) -> str:
    """A row's hash: SHA-256 of the previous hash and its tag (the append's SQL computes the
    same: encode(sha256(convert_to(prev || tag, 'UTF8')), 'hex'))."""
    return hashlib.sha256((prev_hash + tag).encode()).hexdigest()


def head_seal(head_hash: str, tag: str) -> str:
    """The chain head's seal: made from the newest row's tag, which only a key holder knows."""
    return hashlib.sha256((_SEAL_PREFIX + head_hash + tag).encode()).hexdigest()


_SEAL_PREFIX = "audit-chain-head:"


def chain_hash(prev_hash: str, canonical: str, key_id: str) -> str | None:
    """The hash a row with this canonical text, chained after `prev_hash` with the key
    `key_id`, must carry; None when AUDIT_KEYS does not hold that key."""
    tag = event_tag(canonical, key_id)
    return None if tag is None else link_hash(prev_hash, tag)


def audit_hmac(value: str | bytes) -> str:
    """A keyed digest of a sensitive value: comparable across rows, not reversible."""
    key = (getattr(settings, "AUDIT_HMAC_KEY", "") or settings.SECRET_KEY).encode()
    raw = value.encode() if isinstance(value, str) else value
    return "hmac-sha256:" + hmac.new(key, raw, hashlib.sha256).hexdigest()


# The columns of an event that the chain covers, named once: hashing, the SQL append's
# parameters, verification and the export all take them from here.
EVENT_FIELDS = (
    "created_at",
    "actor_id",
    "actor",
    "accessor",
    "ip",
    "request_id",
    "action",
    "target_type",
    "target",
    "outcome",
    "data",
)
# Rows written before request ids were recorded hash as they always did: an empty request id
# is left out of the canonical text.
_OMITTED_WHEN_EMPTY = frozenset({"request_id"})


def canonical_event(event: Any) -> str:
    body: dict[str, Any] = {}
    for name in EVENT_FIELDS:
        value: Any = getattr(event, name, "")
        if name in _OMITTED_WHEN_EMPTY and not value:
            continue
        body[name] = value.isoformat() if name == "created_at" else value
    return json.dumps(body, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def event_hash(event: Any, prev_hash: str) -> str | None:
    """The hash `event` must carry after `prev_hash`, with the key its `key_id` names."""
    return chain_hash(prev_hash, canonical_event(event), getattr(event, "key_id", UNKEYED))


def tag_event(event: Any) -> str:
    """Sets the event's key id to the newest key's and answers its tag (for statements that
    chain it in SQL: `append_params`)."""
    event.key_id = _keyring()[0]
    tag = event_tag(canonical_event(event), event.key_id)
    assert tag is not None  # the newest key is always held
    return tag


def chain_event(event: Any, prev_hash: str) -> str:
    """Chain `event` after `prev_hash` in Python (SQLite, migrations): sets its key id,
    prev_hash and hash; answers the head's seal."""
    tag = tag_event(event)
    event.prev_hash = prev_hash
    event.hash = link_hash(prev_hash, tag)
    return head_seal(event.hash, tag)


def audit_event(
    *,
    action: str,
    target_type: str = "",
    target: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    actor: Any = None,
    accessor: str = "",
    ip: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event `audit_record` would append, unsaved (for callers that append it with
    `append_after_locked_head`). Actor, token accessor, client
    address and request id not given come from the current actor context (core.context)."""
    context = current_actor()
    if actor is None:
        actor = context.authenticated_user
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", None) or (actor if isinstance(actor, str) else "")
    return AuditEvent(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor=actor_name or "",
        accessor=accessor or context.accessor,
        ip=ip or context.ip,
        request_id=context.request_id,
        action=action,
        target_type=target_type,
        target=str(target)[:500],
        outcome=outcome,
        data=_as_json(data),
    )


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _as_json(data: dict[str, Any] | None) -> dict[str, Any]:
    """`data` as it reads back from the JSON column (UUIDs, dates, decimals as text), which is
    also what the chain hashes. Flat data of JSON types alone, the common case of the hot
    routes, is copied as it is."""
    if not data:
        return {}
    if all(type(v) in _JSON_SCALARS for v in data.values()) and all(type(k) is str for k in data):
        return dict(data)
    loaded: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return loaded


def audit_record(*, durable: bool = True, **fields: Any) -> AuditEvent:
    """Append one event; `fields` are `audit_event`'s (the actor context fills actor,
    accessor, address and request id if not given).

    `durable=False` (PostgreSQL, outside any transaction): the event commits without waiting
    for the WAL flush (`synchronous_commit = off` for its own transaction). It still takes its
    place in the chain in commit order; only a crash of the database server can lose it, with
    the other records of the last fraction of a second. Inside a transaction the flag is
    ignored (the transaction's own commit decides)."""
    return audit_append(audit_event(**fields), durable=durable)


def audit_append(event: AuditEvent, *, durable: bool = True) -> AuditEvent:
    """Append an event made by `audit_event` (see `audit_record`)."""
    if connection.vendor == "postgresql":
        return _append_postgresql(event, durable=durable)
    with transaction.atomic():  # SQLite serialises writers by itself
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        chain_event(event, last or GENESIS)
        event.save()
    return event


# One statement: the UPDATE takes the head row's lock (held to the end of the writing
# transaction, so the chain follows commit order), chains the tag exactly as `link_hash` does and
# seals the new head as `head_seal` does; the INSERT stores the event with the hashes. Parameters
# are typed (the statement is prepared, see core/db.py) and named as `append_params` names them;
# statements that write more than the event embed it (`APPEND_HEAD_CTE`, `APPEND_INSERT`). The
# `{options}` slot takes the asynchronous-commit variant: set_config(..., true) is local to this
# statement's own transaction.
APPEND_HEAD_CTE = """head AS (
    UPDATE secrets_app_auditchainhead
       SET prev_hash = hash,
           hash = encode(sha256(convert_to(hash || %(tag)s::text, 'UTF8')), 'hex'),
           seal = encode(sha256(convert_to(
               %(seal_prefix)s::text
               || encode(sha256(convert_to(hash || %(tag)s::text, 'UTF8')), 'hex')
               || %(tag)s::text, 'UTF8')), 'hex')
     WHERE id = 1
    RETURNING prev_hash, hash
)"""
APPEND_INSERT = """INSERT INTO secrets_app_auditevent (created_at, actor_id, actor, accessor, ip,
                                    request_id, action, target_type, target, outcome, data,
                                    key_id, prev_hash, hash)
SELECT %(event_at)s::timestamptz, %(actor_id)s::bigint, %(actor)s::text, %(accessor)s::text,
       %(ip)s::text, %(request_id)s::text, %(action)s::text, %(target_type)s::text,
       %(target)s::text, %(outcome)s::text, %(data)s::jsonb, %(key_id)s::text,
       head.prev_hash, head.hash
  FROM head"""
_APPEND_TEMPLATE = f"""
WITH {{options}}{APPEND_HEAD_CTE}
{APPEND_INSERT}{{join}}
RETURNING id, prev_hash, hash
"""
_APPEND_SQL = _APPEND_TEMPLATE.format(options="", join="")
_APPEND_ASYNC_SQL = _APPEND_TEMPLATE.format(
    options="options AS (SELECT set_config('synchronous_commit', 'off', true)),\n     ",
    join=" CROSS JOIN options",
)


def append_params(event: AuditEvent) -> dict[str, Any]:
    """The named parameters of an append: the event's columns, its key id and its tag."""
    tag = tag_event(event)
    params = {name: getattr(event, name) for name in EVENT_FIELDS}
    params["event_at"] = params.pop("created_at")
    params["data"] = json.dumps(event.data, cls=DjangoJSONEncoder)
    params.update(key_id=event.key_id, tag=tag, seal_prefix=_SEAL_PREFIX)
    return params


def _append_postgresql(event: AuditEvent, *, durable: bool = True) -> AuditEvent:
    asynchronous = not durable and connection.get_autocommit() and not connection.in_atomic_block
    sql = _APPEND_ASYNC_SQL if asynchronous else _APPEND_SQL
    params = append_params(event)
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # no head yet (fresh database, or tables flushed): start it from the log
            ensure_chain_head(cursor)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    event.id, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias
    return event


def ensure_chain_head(cursor: Any) -> None:
    """Create the head row if it is missing, from the newest row of the log."""
    cursor.execute(
        "INSERT INTO secrets_app_auditchainhead (id, prev_hash, hash, seal) "
        "SELECT 1, '', coalesce((SELECT hash FROM secrets_app_auditevent "
        "ORDER BY id DESC LIMIT 1), %(genesis)s::text), '' "
        "ON CONFLICT (id) DO NOTHING RETURNING hash",
        {"genesis": GENESIS},
    )
    created = cursor.fetchone()
    if created is not None and created[0] != GENESIS:  # a log without its head: surgery
        logger.error("the audit chain head row was missing; started again from the newest row")
