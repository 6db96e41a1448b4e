"""The audit chain under concurrent writers, and its SQL hash against the Python one."""

from __future__ import annotations

import pytest
from django.db import connection

from secrets_app.models import AuditEvent
from secrets_app.services.audit import GENESIS, audit_record, audit_verify, event_hash


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_valid_chain(parallel):
    def append(n: int) -> None:
        try:
            for k in range(5):
                audit_record(action="test.append", target=f"{n}-{k}", data={"n": n, "k": k})
        finally:
            connection.close()

    parallel(12, append)
    report = audit_verify()
    assert report.ok, report
    assert report.checked == AuditEvent.objects.count() == 60
    hashes = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    assert hashes[0][0] == GENESIS
    assert all(prev == hashes[i][1] for i, (prev, _) in enumerate(hashes[1:]))


@pytest.mark.django_db
def test_sql_hash_equals_the_python_hash_and_edits_are_caught():
    first = audit_record(action="test.one", target="a", data={"text": "ünïcode ✓", "n": 1})
    second = audit_record(action="test.two", target="b")
    stored = AuditEvent.objects.get(pk=first.pk)
    assert stored.hash == event_hash(stored, stored.prev_hash)
    assert AuditEvent.objects.get(pk=second.pk).prev_hash == stored.hash
    AuditEvent.objects.filter(pk=first.pk).update(target="forged")
    report = audit_verify()
    assert not report.ok and report.first_bad_id == first.pk
