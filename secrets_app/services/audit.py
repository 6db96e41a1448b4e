"""Writing and verifying the hash-chained audit log.

Rows are chained under a PostgreSQL advisory lock held to the end of the writing
transaction, so the chain follows commit order. A row written inside a transaction that
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
from django.utils import timezone

from ..models import AuditEvent

_CHAIN_LOCK_ID = 0x5EC12E7A
GENESIS = "0" * 64


def audit_hmac(value: str | bytes) -> str:
    """A keyed digest of a sensitive value: comparable across rows, not reversible."""
    key = (getattr(settings, "AUDIT_HMAC_KEY", "") or settings.SECRET_KEY).encode()
    raw = value.encode() if isinstance(value, str) else value
    return "hmac-sha256:" + hmac.new(key, raw, hashlib.sha256).hexdigest()


def _canonical(event: AuditEvent) -> str:
    body = {
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "accessor": event.accessor,
        "ip": event.ip,
        "action": event.action,
        "target_type": event.target_type,
        "target": event.target,
        "outcome": event.outcome,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + _canonical(event)).encode()).hexdigest()


def audit_record(
    *,
    action: str,
    target_type: str = "",
    target: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    actor: Any = None,
    accessor: str = "",
    ip: str = "",
    data: dict | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one event. `request` (DRF or Django) fills actor, accessor and IP if not given."""
    if request is not None:
        user = getattr(request, "user", None)
        if actor is None and user is not None and getattr(user, "is_authenticated", False):
            actor = user
        auth = getattr(request, "auth", None)
        accessor = accessor or getattr(auth, "accessor", "") or ""
        ip = ip or getattr(request, "client_ip", "") or request.META.get("REMOTE_ADDR", "")
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", None) or (actor if isinstance(actor, str) else "")
    event = AuditEvent(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor=actor_name or "",
        accessor=accessor,
        ip=ip or "",
        action=action,
        target_type=target_type,
        target=str(target)[:500],
        outcome=outcome,
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS
        # The id is not hashed: order is carried by prev_hash, so one INSERT suffices.
        event.hash = event_hash(event, event.prev_hash)
        event.save()
    return event


@dataclass
class ChainReport:
    checked: int
    ok: bool
    first_bad_id: int | None = None
    problem: str = ""


def audit_verify(batch_size: int = 2000) -> ChainReport:
    """Walk the chain in id order; name the first row altered, removed or reordered."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not rows:
            return ChainReport(checked=checked, ok=True)
        for event in rows:
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


def audit_export(queryset=None) -> Iterator[str]:
    """The log as JSON lines, oldest first."""
    queryset = queryset if queryset is not None else AuditEvent.objects.all()
    for event in queryset.order_by("id").iterator(chunk_size=2000):
        yield json.dumps(
            {
                "id": event.id,
                "created_at": event.created_at.isoformat(),
                "actor": event.actor,
                "actor_id": event.actor_id,
                "accessor": event.accessor,
                "ip": event.ip,
                "action": event.action,
                "target_type": event.target_type,
                "target": event.target,
                "outcome": event.outcome,
                "data": event.data,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            },
            cls=DjangoJSONEncoder,
        )
