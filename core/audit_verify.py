"""Verifying the audit chain (core/audit.py writes it), its checkpoints and its export.

`audit_verify` walks every row and recomputes its keyed link; `audit_checkpoint` prints the
head for safekeeping elsewhere, and `verify_audit_log --checkpoint` proves the log still
extends it.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from .audit import (
    EVENT_FIELDS,
    GENESIS,
    UNKEYED,
    canonical_event,
    event_tag,
    head_seal,
    link_hash,
)
from .models import AuditEvent


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
            before = AuditEvent.objects.values_list(*_CHAIN_FIELDS, named=True).get(id=last_id)
            walk.prev, walk.keyed = before.hash, before.key_id != UNKEYED
            walk.prev_tag = event_tag(canonical_event(before), before.key_id)
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
        self.prev_tag: str | None = None  # the tag of the row whose hash is `prev`
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
        tag = event_tag(canonical_event(event), event.key_id)
        if tag is None:
            raise _Broken(
                event.id,
                f"it was chained with key {event.key_id}, which AUDIT_KEYS does not hold "
                "(keep retired keys listed while rows chained with them must verify)",
            )
        if not hmac.compare_digest(link_hash(self.prev, tag), event.hash):
            raise _Broken(
                event.id, "its content was altered (its hash does not verify under its key)"
            )
        self.keyed = self.keyed or event.key_id != UNKEYED
        self.prev, self.prev_tag = event.hash, tag
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
        if self.prev_tag is None or not hmac.compare_digest(
            head_seal(head_hash, self.prev_tag), seal
        ):
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
