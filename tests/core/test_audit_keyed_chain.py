"""The keyed audit chain: a database writer without the key cannot rewrite or cut the log
unnoticed, keys rotate like ENCRYPTION_KEYS, and a checkpoint kept outside the database proves
that the log still extends it (issue 12, item 8)."""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from core.audit import (
    GENESIS,
    UNKEYED,
    audit_key_id,
    audit_record,
    chain_event,
    event_hash,
)
from core.audit_verify import audit_checkpoint, audit_verify
from core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db

KEY_A = "audit-key-A-" + "a" * 32
KEY_B = "audit-key-B-" + "b" * 32
FORGER_KEY = "a-key-the-forger-made-up-" + "f" * 16


def _log(n: int, prefix: str = "row") -> list[AuditEvent]:
    return [
        audit_record(action="test.keyed", target=f"{prefix}-{i}", data={"i": i}) for i in range(n)
    ]


def _rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id"))


def _rechain(rows: list[AuditEvent], prev: str, *, unkeyed: bool = False) -> str:
    """What a forger runs: the project's own chaining function over `rows`, saved back with
    the head set to the new newest hash (and a seal made with the key the forger has)."""
    seal = ""
    for row in rows:
        if unkeyed:
            row.key_id, row.prev_hash = UNKEYED, prev
            row.hash = event_hash(row, prev)
        else:
            seal = chain_event(row, prev)
        AuditEvent.objects.filter(pk=row.pk).update(
            target=row.target, key_id=row.key_id, prev_hash=row.prev_hash, hash=row.hash
        )
        prev = row.hash
    AuditChainHead.objects.filter(id=1).update(hash=prev, seal=seal)
    return prev


def _verify_command(*args: str) -> str:
    out = SimpleNamespace(text="")

    class Out:
        def write(self, text: str) -> None:
            out.text += text

        def flush(self) -> None:
            pass

    call_command("verify_audit_log", *args, stdout=Out())
    return out.text


def test_rows_record_the_key_that_chained_them_and_verify(settings):
    settings.AUDIT_KEYS = [KEY_A]
    events = _log(3)
    assert {e.key_id for e in _rows()} == {audit_key_id(KEY_A)}
    assert all(KEY_A not in json.dumps(e.data) and e.key_id != KEY_A for e in events)
    stored = _rows()[-1]
    assert stored.hash == event_hash(stored, stored.prev_hash) == events[-1].hash
    assert audit_verify().ok
    assert "3 rows verified" in _verify_command()


@pytest.mark.parametrize("forger", ["own key", "unkeyed sha-256"])
def test_a_rewritten_row_with_recomputed_later_hashes_is_caught_without_the_key(settings, forger):
    settings.AUDIT_KEYS = [KEY_A]
    _log(6)
    rows = _rows()
    rows[2].target = "forged"
    # The forger has the database and the project's code, not AUDIT_KEYS.
    with override_settings(AUDIT_KEYS=[FORGER_KEY]):
        _rechain(rows[2:], rows[1].hash, unkeyed=forger == "unkeyed sha-256")
    forged = _rows()
    assert all(r.prev_hash == p.hash for p, r in zip(forged, forged[1:], strict=False))
    report = audit_verify()
    assert not report.ok and report.first_bad_id == rows[2].pk, report
    with pytest.raises(CommandError, match=f"broken at row #{rows[2].pk}"):
        _verify_command()


def test_removing_the_newest_row_and_setting_the_head_back_is_caught_without_the_key(settings):
    settings.AUDIT_KEYS = [KEY_A]
    _log(5)
    rows = _rows()
    rows[-1].delete()
    # The forger copies the hash of the row now newest (and its predecessor's) into the head.
    AuditChainHead.objects.filter(id=1).update(hash=rows[-2].hash, prev_hash=rows[-2].prev_hash)
    report = audit_verify()
    assert not report.ok and "seal" in report.problem, report
    assert not audit_verify(tail=2).ok
    with override_settings(AUDIT_KEYS=[FORGER_KEY]):  # a seal of the forger's own is no better
        forged = chain_event(rows[-2], rows[-2].prev_hash)
    AuditChainHead.objects.filter(id=1).update(seal=forged)
    assert not audit_verify().ok


def test_a_checkpoint_proves_the_log_still_extends_it(settings, tmp_path):
    settings.AUDIT_KEYS = [KEY_A]
    _log(4)
    path = tmp_path / "checkpoint.json"
    call_command("audit_checkpoint", "--output", str(path), stderr=SimpleNamespace(write=print))
    checkpoint = json.loads(path.read_text())
    newest = _rows()[-1]
    assert checkpoint["id"] == newest.pk and checkpoint["hash"] == newest.hash
    assert checkpoint["rows"] == 4 and checkpoint["key_id"] == audit_key_id(KEY_A)
    assert checkpoint["at"]
    _log(3, "later")
    assert "extends the checkpoint" in _verify_command("--checkpoint", str(path))

    # Even somebody who holds the key cannot rewrite what the checkpoint covers unnoticed:
    rows = _rows()
    rows[1].target = "forged"
    _rechain(rows[1:], rows[0].hash)
    assert audit_verify().ok  # consistent under the key...
    with pytest.raises(CommandError, match="no longer has the checkpoint's hash"):
        _verify_command("--checkpoint", str(path))  # ...but not the log the checkpoint saw


def test_a_checkpoint_catches_the_newest_rows_removed_even_by_a_key_holder(settings, tmp_path):
    settings.AUDIT_KEYS = [KEY_A]
    _log(5)
    checkpoint = audit_checkpoint()
    rows = _rows()
    AuditEvent.objects.filter(pk__gte=rows[3].pk).delete()
    _rechain(rows[2:3], rows[1].hash)  # the head set back and sealed again with the key
    assert audit_verify().ok
    report = audit_verify(checkpoint=checkpoint)
    assert not report.ok and f"row #{rows[4].pk} is no longer" in report.problem, report

    path = tmp_path / "cp.json"
    path.write_text(json.dumps(checkpoint))
    with pytest.raises(CommandError, match="no longer in the log"):
        _verify_command("--checkpoint", str(path))


def test_a_checkpoint_catches_a_row_removed_before_it(settings):
    settings.AUDIT_KEYS = [KEY_A]
    _log(5)
    checkpoint = audit_checkpoint()
    rows = _rows()
    AuditEvent.objects.filter(pk=rows[1].pk).delete()
    _rechain(rows[2:], rows[0].hash)  # a key holder re-chains the rest
    assert audit_verify().ok
    report = audit_verify(checkpoint=checkpoint)
    assert not report.ok and "hash" in report.problem


def test_unreadable_checkpoints_are_refused_clearly(tmp_path):
    _log(1)
    bad = tmp_path / "bad.json"
    for text in ("not json", json.dumps({"id": 1}), json.dumps({"kind": "audit-checkpoint"})):
        bad.write_text(text)
        with pytest.raises(CommandError, match="cannot read the checkpoint"):
            _verify_command("--checkpoint", str(bad))
    with pytest.raises(CommandError, match="cannot read the checkpoint"):
        _verify_command("--checkpoint", str(tmp_path / "missing.json"))
    empty = audit_checkpoint()  # of the log as it is: it extends itself
    assert audit_verify(checkpoint=empty).ok


def test_keys_rotate_newest_first_and_old_rows_verify_while_their_key_is_listed(settings):
    settings.AUDIT_KEYS = [KEY_A]
    _log(2, "a")
    settings.AUDIT_KEYS = [KEY_B, KEY_A]
    _log(2, "b")
    assert [r.key_id for r in _rows()] == [audit_key_id(KEY_A)] * 2 + [audit_key_id(KEY_B)] * 2
    assert audit_verify().ok
    settings.AUDIT_KEYS = [KEY_B]  # the old key retired too early
    report = audit_verify()
    assert not report.ok and audit_key_id(KEY_A) in report.problem
    assert report.first_bad_id == _rows()[0].pk


def _make_unkeyed_log(n: int) -> list[AuditEvent]:
    """A log as chained before the chain was keyed (plain SHA-256, no key id)."""
    _log(n, "old")
    rows = _rows()
    _rechain(rows, GENESIS, unkeyed=True)
    return _rows()


def _key_the_chain() -> None:
    migration = importlib.import_module("core.migrations.0005_audit_keyed_chain")
    migration.key_the_chain(apps, SimpleNamespace(connection=connection))


def test_the_unkeyed_rows_of_before_are_bound_by_the_first_keyed_row(settings):
    settings.AUDIT_KEYS = [KEY_A]
    old = _make_unkeyed_log(4)
    report = audit_verify()
    assert not report.ok and "not keyed" in report.problem  # an unkeyed log proves nothing
    _key_the_chain()
    _key_the_chain()  # idempotent: the newest row is keyed now
    rows = _rows()
    assert len(rows) == 5
    boundary = rows[-1]
    assert boundary.action == "audit.chain_keyed" and boundary.key_id == audit_key_id(KEY_A)
    assert boundary.data == {"unkeyed_rows": 4, "unkeyed_head": old[-1].hash}
    assert boundary.prev_hash == old[-1].hash
    _log(2, "new")
    assert audit_verify().ok

    # Rewriting an old row and recomputing the old (unkeyed) hashes breaks the keyed link.
    old[1].target = "forged"
    _rechain(old[1:], old[0].hash, unkeyed=True)
    AuditChainHead.objects.filter(id=1).update(hash=_rows()[-1].hash)
    report = audit_verify()
    assert not report.ok and report.first_bad_id == boundary.pk, report


def test_keyed_rows_rewritten_as_unkeyed_ones_are_caught(settings):
    settings.AUDIT_KEYS = [KEY_A]
    _log(4)
    rows = _rows()
    rows[2].target = "forged"
    _rechain(rows[2:], rows[1].hash, unkeyed=True)  # the old function, which needs no key
    report = audit_verify()
    assert not report.ok and report.first_bad_id == rows[2].pk
    assert "without a key" in report.problem
    _rechain(rows, GENESIS, unkeyed=True)  # the whole log
    report = audit_verify()
    assert not report.ok and "not keyed" in report.problem
