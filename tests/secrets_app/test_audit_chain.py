"""The audit chain under concurrent writers, and its SQL hash against the Python one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from core.audit import GENESIS, audit_record, event_hash
from core.audit_verify import audit_verify
from core.models import AuditEvent


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


@pytest.mark.django_db
def test_event_data_is_stored_and_hashed_as_it_reads_back():
    """Flat data of JSON types is kept as given (a copy); anything else is stored as its JSON
    reading, so the hash made at append time matches the row read back."""
    flat = {"version": 3, "ok": True, "why": None, "ratio": 0.5, "path": "a/b"}
    rich = {
        "id": uuid.UUID(int=7),
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "amount": Decimal("1.50"),
        "nested": {"ids": [uuid.UUID(int=8)]},
    }
    first = audit_record(action="test.flat", data=flat)
    second = audit_record(action="test.rich", data=rich)
    assert first.data == flat and first.data is not flat
    assert second.data == {
        "id": str(uuid.UUID(int=7)),
        "at": "2026-01-02T03:04:05Z",
        "amount": "1.50",
        "nested": {"ids": [str(uuid.UUID(int=8))]},
    }
    for event in (first, second):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.data == event.data
        assert stored.hash == event.hash == event_hash(stored, stored.prev_hash)
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_read_records_commit_asynchronously_in_the_same_chain(parallel):
    """durable=False (secret reads): the append commits without waiting for the flush, only
    its own transaction is affected, and it takes its place in the one chain."""
    from django.test.utils import CaptureQueriesContext

    def append(n: int) -> None:
        try:
            for k in range(6):
                audit_record(action="test.mixed", target=f"{n}-{k}", durable=bool(k % 2))
        finally:
            connection.close()

    parallel(8, append)
    report = audit_verify()
    assert report.ok, report
    assert report.checked == 48

    with CaptureQueriesContext(connection) as queries:
        audit_record(action="test.async", durable=False)
        audit_record(action="test.sync")
    asynchronous, synchronous = (q["sql"] for q in queries.captured_queries)
    assert "synchronous_commit" in asynchronous and "synchronous_commit" not in synchronous
    with connection.cursor() as cursor:  # the session's setting is untouched
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_a_non_durable_record_inside_a_transaction_keeps_the_transaction_durable():
    from django.db import transaction

    with transaction.atomic():
        audit_record(action="test.inside", durable=False)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    assert AuditEvent.objects.filter(action="test.inside").count() == 1


@pytest.mark.django_db(transaction=True)
def test_secret_reads_are_audited_durably_when_the_setting_says_so(admin_user):
    from django.test.utils import CaptureQueriesContext

    from core.registry import setting_set
    from secrets_app.services import kv

    secret = kv.secret_write(path="durable/one", value="v", user=admin_user, context=None).secret

    def read_statement() -> str:
        with CaptureQueriesContext(connection) as queries:
            kv.secret_read(path_or_id=secret.id, user=admin_user, context=None)
        return next(q["sql"] for q in queries.captured_queries if "auditevent" in q["sql"])

    assert "synchronous_commit" in read_statement()
    setting_set(key="audit.durable_reads", value=True, actor=admin_user)
    assert "synchronous_commit" not in read_statement()


@pytest.mark.django_db
def test_removing_the_newest_rows_is_caught_by_the_chain_head():
    for n in range(4):
        audit_record(action="test.tail", target=str(n))
    assert audit_verify().ok
    newest = AuditEvent.objects.order_by("-id").first()
    newest.delete()
    report = audit_verify()
    assert not report.ok and "newest rows were removed" in report.problem
    assert audit_verify(tail=2).ok is False


@pytest.mark.django_db
def test_tail_verification_checks_only_the_newest_rows():
    events = [audit_record(action="test.window", target=str(n)) for n in range(10)]
    AuditEvent.objects.filter(pk=events[2].pk).update(target="forged-old")
    tail = audit_verify(tail=5)
    assert tail.ok and tail.checked == 5  # outside the window: only the full walk sees it
    full = audit_verify()
    assert not full.ok and full.first_bad_id == events[2].pk
    AuditEvent.objects.filter(pk=events[8].pk).update(target="forged-new")
    tail = audit_verify(tail=5)
    assert not tail.ok and tail.first_bad_id == events[8].pk
