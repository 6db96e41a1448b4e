"""Writing and verifying the hash-chained audit log.

Each append is one statement that updates the chain head row and inserts the event; the
head row's lock is held to the end of the writing transaction, so the chain follows commit
order. A row written inside a transaction that
rolls back disappears with it: record refusals outside the failing transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .context import current_actor
from .db import hot_cursor
from .models import AuditEvent

GENESIS = "0" * 64


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
        value = getattr(event, name)
        if name in _OMITTED_WHEN_EMPTY and not value:
            continue
        body[name] = value.isoformat() if name == "created_at" else value
    return json.dumps(body, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def event_hash(event: Any, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + _canonical(event)).encode()).hexdigest()


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
    """The event `audit_record` would append, unsaved (for statements that append it
    themselves, see secrets_app/services/kv_fastwrite.py). Actor, token accessor, client
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
    for the WAL flush (`synchronous_commit = off` for this one statement). It still takes its
    place in the chain in commit order; only a crash of the database server can lose it, with
    the other records of the last fraction of a second. Inside a transaction the flag is
    ignored (the transaction's own commit decides)."""
    event = audit_event(**fields)
    if connection.vendor == "postgresql":
        return _append_postgresql(event, durable=durable)
    with transaction.atomic():  # SQLite serialises writers by itself
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS
        event.hash = event_hash(event, event.prev_hash)
        event.save()
    return event


# One round trip: the UPDATE takes the head row's lock (held to the end of the writing
# transaction, so the chain follows commit order), computes the new hash in SQL exactly as
# `event_hash` does, and the INSERT stores the event with it. Parameters are typed (the
# statement is prepared, see config/db.py) and named as `append_params` names them. The
# `{options}` slot takes the asynchronous-commit variant: set_config(..., true) is local to
# this statement's own transaction.
_APPEND_TEMPLATE = """
WITH {options}head AS (
    UPDATE secrets_app_auditchainhead
       SET prev_hash = hash,
           hash = encode(sha256(convert_to(hash || %(canonical)s::text, 'UTF8')), 'hex')
     WHERE id = 1
    RETURNING prev_hash, hash
)
INSERT INTO secrets_app_auditevent (created_at, actor_id, actor, accessor, ip, request_id,
                                    action, target_type, target, outcome, data, prev_hash, hash)
SELECT %(event_at)s::timestamptz, %(actor_id)s::bigint, %(actor)s::text, %(accessor)s::text,
       %(ip)s::text, %(request_id)s::text, %(action)s::text, %(target_type)s::text,
       %(target)s::text, %(outcome)s::text, %(data)s::jsonb, head.prev_hash, head.hash
  FROM head{join}
RETURNING id, prev_hash, hash
"""
_APPEND_SQL = _APPEND_TEMPLATE.format(options="", join="")
_APPEND_ASYNC_SQL = _APPEND_TEMPLATE.format(
    options="options AS (SELECT set_config('synchronous_commit', 'off', true)),\n     ",
    join=" CROSS JOIN options",
)


def append_params(event: AuditEvent) -> dict[str, Any]:
    """The named parameters of an append: the event's columns and its canonical text (the
    statements that append in SQL, here and in services/kv_fastwrite.py, take these)."""
    params = {name: getattr(event, name) for name in EVENT_FIELDS}
    params["event_at"] = params.pop("created_at")
    params["data"] = json.dumps(event.data, cls=DjangoJSONEncoder)
    params["canonical"] = _canonical(event)
    return params


def _append_postgresql(event: AuditEvent, *, durable: bool = True) -> AuditEvent:
    asynchronous = not durable and connection.get_autocommit() and not connection.in_atomic_block
    sql = _APPEND_ASYNC_SQL if asynchronous else _APPEND_SQL
    params = append_params(event)
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # no head yet (fresh database, or tables flushed): start it from the log
            cursor.execute(
                "INSERT INTO secrets_app_auditchainhead (id, prev_hash, hash) "
                "SELECT 1, '', coalesce((SELECT hash FROM secrets_app_auditevent "
                "ORDER BY id DESC LIMIT 1), %(genesis)s::text) "
                "ON CONFLICT (id) DO NOTHING",
                {"genesis": GENESIS},
            )
            cursor.execute(sql, params)
            row = cursor.fetchone()
    event.id, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias
    return event


@dataclass
class ChainReport:
    checked: int
    ok: bool
    first_bad_id: int | None = None
    problem: str = ""


_CHAIN_FIELDS = ("id", *EVENT_FIELDS, "prev_hash", "hash")


def audit_verify(batch_size: int = 5000, tail: int | None = None) -> ChainReport:
    """Walk the chain in id order; name the first row altered, removed or reordered.

    `tail=N` checks only the newest N rows, starting from the hash the first of them records
    for its predecessor (fast, for a status page; edits further back need the full walk). Both
    end by comparing the last row with the chain head (PostgreSQL), so removing the newest
    rows is caught too."""
    prev = GENESIS
    checked = 0
    last_id = 0
    rows = AuditEvent.objects.order_by("id")
    if tail is not None:
        start = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[tail : tail + 1]
        boundary = list(start)
        if boundary:  # more rows than the tail: begin after the row before the window
            last_id = boundary[0]
            prev = AuditEvent.objects.values_list("hash", flat=True).get(id=last_id)
    while True:
        # Named rows: lighter than model instances, read by attribute like them.
        batch = list(
            rows.filter(id__gt=last_id).values_list(*_CHAIN_FIELDS, named=True)[:batch_size]
        )
        if not batch:
            head = _chain_head_hash()
            if head is None or head == prev:
                return ChainReport(checked=checked, ok=True)
            # Rows appended while we walked carry the head forward; look for them once more.
            if rows.filter(id__gt=last_id).exists():
                continue
            return ChainReport(
                checked,
                False,
                last_id or None,
                "the chain head records a later hash than the newest row "
                "(the newest rows were removed, or the head was altered)",
            )
        for event in batch:
            if event.prev_hash != prev:
                return ChainReport(
                    checked,
                    False,
                    event.id,
                    "its prev_hash does not match the row before it "
                    "(a row before it was removed, inserted or reordered)",
                )
            if event_hash(event, prev) != event.hash:
                return ChainReport(checked, False, event.id, "its content was altered")
            prev = event.hash
            checked += 1
            last_id = event.id


def _chain_head_hash() -> str | None:
    if connection.vendor != "postgresql":
        return None  # SQLite keeps no head row: the newest row is the head
    from core.models import AuditChainHead

    return AuditChainHead.objects.filter(id=1).values_list("hash", flat=True).first()


def audit_export(queryset: QuerySet[AuditEvent] | None = None) -> Iterator[str]:
    """The log as JSON lines, oldest first."""
    queryset = queryset if queryset is not None else AuditEvent.objects.all()
    for row in queryset.order_by("id").values_list(*_CHAIN_FIELDS).iterator(chunk_size=2000):
        event = dict(zip(_CHAIN_FIELDS, row, strict=True))
        event["created_at"] = event["created_at"].isoformat()
        yield json.dumps(event, cls=DjangoJSONEncoder)
