"""Writing and verifying the keyed, hash-chained audit log.

Each row's `hash` is HMAC-SHA256, under a key of AUDIT_KEYS (never stored in the database), of
the previous row's hash and the row's own canonical text; the row records the id of the key
that chained it (`key_id`). Somebody who can write the database but does not hold the key can
neither alter a row nor remove one and recompute the hashes after it. The chain head row holds
the newest hash and a keyed seal of it, so that removing the newest rows and copying the hash
of the row before them into the head does not verify either. An operator can also keep the
head elsewhere (`manage.py audit_checkpoint`) and prove later that the log still extends it
(`manage.py verify_audit_log --checkpoint FILE`).

Rows chained before the chain was keyed (`key_id` empty) hash with plain SHA-256; they can only
form the start of the chain, and the first keyed row (migration core 0005 appended one) binds
them: rewriting them changes the hash the keyed rows chain from (docs/decisions.md).

On PostgreSQL an append locks the head row (held to the end of the writing transaction, so the
chain follows commit order), computes the HMAC in Python and writes the head and the event in
one statement. A row written inside a transaction that rolls back disappears with it: record
refusals outside the failing transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import QuerySet
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


def chain_hash(prev_hash: str, canonical: str, key_id: str) -> str | None:
    """The hash a row with this canonical text, chained after `prev_hash` with the key
    `key_id`, must carry; None when AUDIT_KEYS does not hold that key."""
    message = (prev_hash + canonical).encode()
    if key_id == UNKEYED:
        return hashlib.sha256(message).hexdigest()
    key = _keyring()[1].get(key_id)
    return None if key is None else _mac(key, message)


def head_seal(head_hash: str, key_id: str) -> str | None:
    """The chain head's keyed seal of its hash (None: key not held, or an unkeyed row)."""
    key = _keyring()[1].get(key_id)
    return None if key is None else _mac(key, _SEAL_PREFIX + head_hash.encode())


_SEAL_PREFIX = b"audit-chain-head:"


def _mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


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


def _canonical(event: Any) -> str:
    body: dict[str, Any] = {}
    for name in EVENT_FIELDS:
        value: Any = getattr(event, name, "")
        if name in _OMITTED_WHEN_EMPTY and not value:
            continue
        body[name] = value.isoformat() if name == "created_at" else value
    return json.dumps(body, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def event_hash(event: Any, prev_hash: str) -> str | None:
    """The hash `event` must carry after `prev_hash`, with the key its `key_id` names."""
    return chain_hash(prev_hash, _canonical(event), getattr(event, "key_id", UNKEYED))


def chain_event(event: Any, prev_hash: str) -> str:
    """Chain `event` after `prev_hash` with the newest key: sets its key id, prev_hash and
    hash; answers the head's seal of the new hash."""
    key_id, keys = _keyring()
    event.key_id = key_id
    event.prev_hash = prev_hash
    event.hash = _mac(keys[key_id], (prev_hash + _canonical(event)).encode())
    return _mac(keys[key_id], _SEAL_PREFIX + event.hash.encode())


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
    event = audit_event(**fields)
    if connection.vendor == "postgresql":
        return _append_postgresql(event, durable=durable)
    with transaction.atomic():  # SQLite serialises writers by itself
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        chain_event(event, last or GENESIS)
        event.save()
    return event


# The head row's lock orders concurrent writers; it is held to the end of the writing
# transaction, so the chain follows commit order. The asynchronous-commit variant sets
# synchronous_commit for this transaction only (set_config(..., true)).
LOCK_HEAD_SQL = "SELECT hash FROM secrets_app_auditchainhead WHERE id = 1 FOR UPDATE"
_LOCK_HEAD_ASYNC_SQL = (
    "SELECT hash, set_config('synchronous_commit', 'off', true) "
    "FROM secrets_app_auditchainhead WHERE id = 1 FOR UPDATE"
)
# Writes the new head and inserts the event in one statement. Parameters are typed (the
# statement is prepared, see core/db.py) and named as `append_params` names them. The guard on
# the head's hash holds under the lock; were it ever false, nothing is written and the caller
# raises.
_APPEND_SQL = """
WITH head AS (
    UPDATE secrets_app_auditchainhead
       SET prev_hash = hash, hash = %(hash)s::text, seal = %(seal)s::text
     WHERE id = 1 AND hash = %(prev_hash)s::text
    RETURNING 1
)
INSERT INTO secrets_app_auditevent (created_at, actor_id, actor, accessor, ip, request_id,
                                    action, target_type, target, outcome, data, key_id,
                                    prev_hash, hash)
SELECT %(event_at)s::timestamptz, %(actor_id)s::bigint, %(actor)s::text, %(accessor)s::text,
       %(ip)s::text, %(request_id)s::text, %(action)s::text, %(target_type)s::text,
       %(target)s::text, %(outcome)s::text, %(data)s::jsonb, %(key_id)s::text,
       %(prev_hash)s::text, %(hash)s::text
  FROM head
RETURNING id
"""


def append_params(event: AuditEvent, seal: str) -> dict[str, Any]:
    """The named parameters of `_APPEND_SQL`: the chained event's columns and the head's seal."""
    params = {name: getattr(event, name) for name in EVENT_FIELDS}
    params["event_at"] = params.pop("created_at")
    params["data"] = json.dumps(event.data, cls=DjangoJSONEncoder)
    params.update(key_id=event.key_id, prev_hash=event.prev_hash, hash=event.hash, seal=seal)
    return params


def append_after_locked_head(event: AuditEvent, head_hash: str, cursor: Any) -> AuditEvent:
    """Chain and insert `event` in the transaction that holds the head row's lock, whose hash
    is `head_hash` (for statements that take the lock themselves, as the secret write does)."""
    seal = chain_event(event, head_hash)
    cursor.execute(_APPEND_SQL, append_params(event, seal))
    row = cursor.fetchone()
    if row is None:  # the head moved under its lock: never write an event off the chain
        raise RuntimeError("the audit chain head changed while locked")
    event.id = row[0]
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _append_postgresql(event: AuditEvent, *, durable: bool = True) -> AuditEvent:
    asynchronous = not durable and connection.get_autocommit() and not connection.in_atomic_block
    lock_sql = _LOCK_HEAD_ASYNC_SQL if asynchronous else LOCK_HEAD_SQL
    # Inside a caller's transaction no savepoint is needed: the append is its last step or
    # rolls back with it.
    with transaction.atomic(savepoint=False), hot_cursor() as cursor:
        cursor.execute(lock_sql)
        row = cursor.fetchone()
        if row is None:  # no head yet (fresh database, or tables flushed): start it from the log
            _create_head(cursor)
            cursor.execute(lock_sql)
            row = cursor.fetchone()
        return append_after_locked_head(event, row[0], cursor)


def _create_head(cursor: Any) -> None:
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


@dataclass
class ChainReport:
    checked: int
    ok: bool
    first_bad_id: int | None = None
    problem: str = ""


_CHAIN_FIELDS = ("id", *EVENT_FIELDS, "key_id", "prev_hash", "hash")


class _Broken(Exception):
    def __init__(self, row_id: int | None, problem: str) -> None:
        self.row_id = row_id
        self.problem = problem


def audit_verify(
    batch_size: int = 5000, tail: int | None = None, checkpoint: dict[str, Any] | None = None
) -> ChainReport:
    """Walk the chain in id order; name the first row altered, removed, reordered or chained
    without a key of AUDIT_KEYS.

    `tail=N` checks only the newest N rows, starting from the hash the first of them records
    for its predecessor (fast, for a status page; edits further back need the full walk). Both
    end by comparing the last row with the chain head and its seal (PostgreSQL), so removing
    the newest rows is caught too. `checkpoint` (from `audit_checkpoint`, kept outside the
    database) walks the whole chain and also proves that the log still extends it: its row is
    there with the same hash and the same number of rows up to it."""
    if checkpoint is not None:
        tail = None
    walk = _Walk(checkpoint)
    rows = AuditEvent.objects.order_by("id")
    last_id = 0
    if tail is not None:
        start = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[tail : tail + 1]
        boundary = list(start)
        if boundary:  # more rows than the tail: begin after the row before the window
            last_id = boundary[0]
            walk.prev, walk.prev_key_id = AuditEvent.objects.values_list("hash", "key_id").get(
                id=last_id
            )
            walk.keyed = walk.prev_key_id != UNKEYED
    try:
        while True:
            # Named rows: lighter than model instances, read by attribute like them.
            batch = list(
                rows.filter(id__gt=last_id).values_list(*_CHAIN_FIELDS, named=True)[:batch_size]
            )
            if not batch:
                # Rows appended while we walked carry the head forward; look for them once more.
                if not walk.head_matches() and rows.filter(id__gt=last_id).exists():
                    continue
                walk.finish(last_id or None)
                return ChainReport(checked=walk.checked, ok=True)
            for event in batch:
                walk.row(event)
                last_id = event.id
    except _Broken as broken:
        return ChainReport(walk.checked, False, broken.row_id, broken.problem)


class _Walk:
    """The state of one verification walk; each check raises _Broken naming the row."""

    def __init__(self, checkpoint: dict[str, Any] | None) -> None:
        self.prev = GENESIS
        self.prev_key_id = UNKEYED
        self.keyed = False  # a keyed row was seen: no unkeyed row may follow
        self.checked = 0
        self.checkpoint = checkpoint
        self.checkpoint_seen = checkpoint is None or checkpoint["id"] == 0
        self._head: tuple[str, str] | None = None

    def row(self, event: Any) -> None:
        if self.checkpoint is not None and not self.checkpoint_seen:
            self._check_checkpoint(event)
        if event.prev_hash != self.prev:
            raise _Broken(
                event.id,
                "its prev_hash does not match the row before it "
                "(a row before it was removed, inserted or reordered)",
            )
        if event.key_id == UNKEYED and self.keyed:
            raise _Broken(
                event.id,
                "it is chained without a key after keyed rows "
                "(rewritten by someone who does not hold the audit key)",
            )
        expected = event_hash(event, self.prev)
        if expected is None:
            raise _Broken(
                event.id,
                f"it was chained with key {event.key_id}, which AUDIT_KEYS does not hold "
                "(keep retired keys listed while rows chained with them must verify)",
            )
        if not hmac.compare_digest(expected, event.hash):
            raise _Broken(
                event.id, "its content was altered (its hash does not verify under its key)"
            )
        self.keyed = self.keyed or event.key_id != UNKEYED
        self.prev, self.prev_key_id = event.hash, event.key_id
        self.checked += 1

    def _check_checkpoint(self, event: Any) -> None:
        checkpoint = self.checkpoint or {}
        cp_id = checkpoint["id"]
        if event.id < cp_id:
            return
        if event.id > cp_id:
            raise _Broken(event.id, f"the checkpoint's row #{cp_id} is no longer in the log")
        self.checkpoint_seen = True
        if event.hash != checkpoint["hash"]:
            raise _Broken(
                event.id,
                "the checkpoint's row no longer has the checkpoint's hash "
                "(it or rows before it were rewritten)",
            )
        if self.checked + 1 != checkpoint["rows"]:
            raise _Broken(
                event.id,
                f"the log holds {self.checked + 1} rows up to the checkpoint's row, the "
                f"checkpoint {checkpoint['rows']} (rows before it were removed or added)",
            )

    def head(self) -> tuple[str, str] | None:
        if self._head is None:
            self._head = _chain_head()
        return self._head

    def head_matches(self) -> bool:
        head = self.head()
        if head is None or head[0] == self.prev:
            return True
        self._head = None  # read again after the next batch
        return False

    def finish(self, last_id: int | None) -> None:
        if self.checkpoint is not None and not self.checkpoint_seen:
            cp_id = self.checkpoint["id"]
            raise _Broken(last_id, f"the checkpoint's row #{cp_id} is no longer in the log")
        if self.checked and not self.keyed:
            raise _Broken(
                last_id,
                "the newest row is not keyed (the log was rewritten without the audit key)",
            )
        head = self.head()
        if head is None:
            if connection.vendor == "postgresql" and last_id is not None:
                raise _Broken(last_id, "the chain head row is missing")
            return
        head_hash, seal = head
        if head_hash != self.prev:
            raise _Broken(
                last_id,
                "the chain head records a later hash than the newest row "
                "(the newest rows were removed, or the head was altered)",
            )
        if self.prev == GENESIS:
            return
        expected = head_seal(head_hash, self.prev_key_id)
        if expected is None or not hmac.compare_digest(expected, seal):
            raise _Broken(
                last_id,
                "the chain head's seal does not verify (the newest rows were removed and the "
                "head set back by someone who does not hold the audit key)",
            )


def _chain_head() -> tuple[str, str] | None:
    if connection.vendor != "postgresql":
        return None  # SQLite keeps no head row: the newest row is the head
    from core.models import AuditChainHead

    return AuditChainHead.objects.filter(id=1).values_list("hash", "seal").first()


def audit_checkpoint() -> dict[str, Any]:
    """The chain's newest row as an anchor to keep outside the database: its id and hash, the
    number of rows up to it, the key that chained it and when the checkpoint was taken."""
    newest = AuditEvent.objects.order_by("-id").values("id", "hash", "key_id").first()
    if newest is None:
        newest = {"id": 0, "hash": GENESIS, "key_id": UNKEYED}
    rows = AuditEvent.objects.filter(id__lte=newest["id"]).count()
    return {
        "kind": "audit-checkpoint",
        "id": newest["id"],
        "hash": newest["hash"],
        "rows": rows,
        "key_id": newest["key_id"],
        "at": timezone.now().isoformat(),
    }


def checkpoint_parse(data: Any) -> dict[str, Any]:
    """A checkpoint read back (ValueError naming what is wrong)."""
    if not isinstance(data, dict) or data.get("kind") != "audit-checkpoint":
        raise ValueError("not an audit checkpoint (manage.py audit_checkpoint writes one)")
    for name, kind in (("id", int), ("rows", int), ("hash", str)):
        if type(data.get(name)) is not kind:
            raise ValueError(f"the checkpoint's {name!r} is missing or not {kind.__name__}")
    return data


def audit_export(queryset: QuerySet[AuditEvent] | None = None) -> Iterator[str]:
    """The log as JSON lines, oldest first."""
    queryset = queryset if queryset is not None else AuditEvent.objects.all()
    for row in queryset.order_by("id").values_list(*_CHAIN_FIELDS).iterator(chunk_size=2000):
        event = dict(zip(_CHAIN_FIELDS, row, strict=True))
        event["created_at"] = event["created_at"].isoformat()
        yield json.dumps(event, cls=DjangoJSONEncoder)
