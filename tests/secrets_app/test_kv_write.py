"""The write of a secret version (services/kv.py `secret_write`): lock the row, decide in Python,
one statement writes the version, the pruning, the secret and the audit event, sent with the
COMMIT. Versions, pruning, cas, expiry and the audit chain under concurrent writers, and a write
that fails at its last statement leaves nothing behind."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import event_hash
from core.audit_verify import audit_verify
from core.errors import Conflict
from core.models import AuditEvent
from secrets_app.models import Secret, SecretVersion
from secrets_app.services import kv


def _write(user, path="fast/a", value="v", **kwargs):
    return kv.secret_write(path=path, value=value, user=user, context=None, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_new_version_is_a_lock_and_one_write_statement_audited_in_the_chain(admin_user):
    _write(admin_user, value="one")
    with CaptureQueriesContext(connection) as queries:
        version = _write(admin_user, value={"k": "two"}, metadata={"team": "x"}, ttl=3600)
    begin, lock, write, commit = (q["sql"] for q in queries.captured_queries)
    assert (begin, commit) == ("BEGIN", "COMMIT")
    assert lock.endswith("FOR UPDATE") and "secrets_app_secret " in lock
    for table in ("secretversion", "UPDATE secrets_app_secret\n", "auditchainhead", "auditevent"):
        assert table in write
    assert version.version == 2 and version.secret.current_version == 2
    assert version.secret.metadata == {"team": "x"} and version.secret.expires_at is not None
    stored = SecretVersion.objects.get(secret__path="fast/a", version=2)
    assert stored.value == {"k": "two"} and stored.id == version.id

    event = AuditEvent.objects.filter(action="secret.write").order_by("-id").first()
    assert event.data["version"] == 2 and event.data["created"] is False
    assert event.data["ttl"] == 3600 and event.actor == admin_user.username
    assert event.hash == event_hash(event, event.prev_hash)
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_path_get_consecutive_versions_and_pruning(admin_user, parallel):
    """Writers queue on the row lock with snapshots older than the versions ahead of them:
    pruning must still leave exactly max_versions (a small one, so that it matters)."""
    kv.secret_metadata_update(path="fast/race", max_versions=2, user=admin_user, context=None)
    _write(admin_user, path="fast/race", value="start")
    barrier = threading.Barrier(8)

    def writer(n: int) -> list[int]:
        try:
            barrier.wait()
            return [
                _write(admin_user, path="fast/race", value=f"{n}-{k}").version for k in range(6)
            ]
        finally:
            connection.close()

    numbers = sorted(v for got in parallel(8, writer) for v in got)
    assert numbers == list(range(2, 50))  # every number won exactly once
    secret = Secret.objects.get(path="fast/race")
    assert secret.current_version == 49 and secret.oldest_version == 48
    kept = list(secret.versions.order_by("version").values_list("version", flat=True))
    assert kept == [48, 49]
    report = audit_verify()
    assert report.ok, report
    writes = AuditEvent.objects.filter(action="secret.write", target="fast/race")
    assert sorted(e.data["version"] for e in writes) == list(range(1, 50))


@pytest.mark.django_db(transaction=True)
def test_cas_mismatch_and_cas_required_write_nothing_and_are_audited(admin_user):
    _write(admin_user, path="fast/cas", value="one")
    with pytest.raises(Conflict) as mismatch:
        _write(admin_user, path="fast/cas", value="two", cas=5)
    assert mismatch.value.code == "cas_mismatch" and "(1)" in str(mismatch.value)
    kv.secret_metadata_update(path="fast/cas", cas_required=True, user=admin_user, context=None)
    with pytest.raises(Conflict) as required:
        _write(admin_user, path="fast/cas", value="two")
    assert required.value.code == "cas_required"
    assert Secret.objects.get(path="fast/cas").current_version == 1
    assert SecretVersion.objects.filter(secret__path="fast/cas").count() == 1
    reasons = list(
        AuditEvent.objects.filter(target="fast/cas", outcome="error")
        .order_by("id")
        .values_list("data__reason", flat=True)
    )
    assert reasons == ["cas_mismatch", "cas_required"]
    assert _write(admin_user, path="fast/cas", value="two", cas=1).version == 2
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_expired_secret_and_deletion_time_follow_the_general_rules(admin_user):
    _write(admin_user, path="fast/ttl", value="old", ttl=60)
    Secret.objects.filter(path="fast/ttl").update(expires_at=timezone.now() - timedelta(seconds=1))
    renewed = _write(admin_user, path="fast/ttl", value="new")  # starts afresh: version 1
    assert renewed.version == 1 and renewed.secret.expires_at is None
    assert list(SecretVersion.objects.filter(secret__path="fast/ttl").values_list("version")) == [
        (1,)
    ]

    kv.secret_metadata_update(
        path="fast/ttl", delete_version_after=120, user=admin_user, context=None
    )
    before = timezone.now()
    version = _write(admin_user, path="fast/ttl", value="newer")
    assert version.version == 2
    assert before + timedelta(seconds=119) < version.deletion_time < before + timedelta(seconds=125)
    stored = SecretVersion.objects.get(secret__path="fast/ttl", version=2)
    assert stored.deletion_time == version.deletion_time


@pytest.mark.django_db
def test_deleting_the_author_of_versions_clears_it(admin_user, django_user_model):
    author = django_user_model.objects.create_user(username="author", password="x" * 16)
    author.role = "admin"
    author.save()
    _write(author, path="fast/author", value="one")
    _write(author, path="fast/author", value="two")
    assert set(SecretVersion.objects.values_list("created_by_id", flat=True)) == {author.pk}
    author.delete()
    assert set(SecretVersion.objects.values_list("created_by_id", flat=True)) == {None}


@pytest.mark.django_db(transaction=True)
def test_a_writer_that_waited_for_the_lock_still_prunes_what_was_added_meanwhile(admin_user):
    """Deterministic form of the race above: B's statement starts (and takes its snapshot)
    while A holds the row lock with a new version not yet committed; with max_versions=1, B
    must prune A's version, which its snapshot cannot see."""
    from django.db import transaction

    kv.secret_metadata_update(path="fast/wait", max_versions=1, user=admin_user, context=None)
    _write(admin_user, path="fast/wait", value="v1")
    a_holds_lock = threading.Event()
    result = {}

    def writer_a() -> None:
        try:
            with transaction.atomic():
                _write(admin_user, path="fast/wait", value="v2")
                a_holds_lock.set()
                deadline = timezone.now() + timedelta(seconds=10)
                while timezone.now() < deadline:  # until B waits for our row lock
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh each time
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                        )
                        if cursor.fetchone()[0]:
                            break
        finally:
            connection.close()

    def writer_b() -> None:
        try:
            a_holds_lock.wait(10)
            result["version"] = _write(admin_user, path="fast/wait", value="v3").version
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert result["version"] == 3
    kept = list(
        SecretVersion.objects.filter(secret__path="fast/wait").values_list("version", flat=True)
    )
    assert kept == [3]
    assert audit_verify().ok


def _hold_row_lock(path: str, seconds: float, locked: threading.Event) -> threading.Thread:
    """Another connection holds the secret's row lock for `seconds`."""
    from django.db import transaction

    def holder() -> None:
        try:
            with transaction.atomic():
                Secret.objects.select_for_update().get(path=path)
                locked.set()
                threading.Event().wait(seconds)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_secret_that_expires_while_the_writer_waits_starts_afresh(admin_user):
    """Expiry is judged once the row is locked, as on the general path: the write starts the
    secret afresh (version 1, no expiry) instead of adding a version nobody can read."""
    _write(admin_user, path="fast/expiring", value="old", ttl=60)
    Secret.objects.filter(path="fast/expiring").update(
        expires_at=timezone.now() + timedelta(seconds=0.5)
    )
    locked = threading.Event()
    holder = _hold_row_lock("fast/expiring", 1.2, locked)
    locked.wait(5)
    version = _write(admin_user, path="fast/expiring", value="new")  # waits past the expiry
    holder.join()
    assert version.version == 1 and version.secret.expires_at is None
    _, read = kv.secret_read(path_or_id="fast/expiring", user=admin_user, context=None)
    assert read.value == "new"


@pytest.mark.django_db(transaction=True)
def test_versions_are_timed_when_written_not_when_asked(admin_user):
    """A writer that waited for the lock stamps its version after the one it waited for."""
    _write(admin_user, path="fast/clock", value="one")
    locked = threading.Event()
    holder = _hold_row_lock("fast/clock", 0.5, locked)
    locked.wait(5)
    asked = timezone.now()
    version = _write(admin_user, path="fast/clock", value="two")
    holder.join()
    assert version.created_at >= asked + timedelta(seconds=0.4)
    secret = Secret.objects.get(path="fast/clock")
    assert secret.updated_at == version.created_at
    stored = SecretVersion.objects.get(secret=secret, version=2)
    assert stored.created_at == version.created_at


@pytest.mark.django_db(transaction=True)
def test_a_cas_beyond_any_version_is_a_conflict_not_an_error(admin_user, auth_client):
    _write(admin_user, path="fast/bigcas", value="one")
    with pytest.raises(Conflict) as exc:
        _write(admin_user, path="fast/bigcas", value="two", cas=2**31)
    assert exc.value.code == "cas_mismatch"
    client = auth_client(admin_user)
    for path in ("fast/bigcas", "fast/bigcas-new"):
        response = client.post(
            f"/v1/secret/data/{path}",
            {"data": {"k": "v"}, "options": {"cas": 2**40}},
            format="json",
        )
        assert response.status_code == 400, response.content
    assert not Secret.objects.filter(path="fast/bigcas-new", current_version__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_a_failed_write_leaves_it_usable(admin_user):
    """The general path runs in a savepoint; the one-statement path is not used in a
    transaction, so a write that fails (here: a lock timeout) can be caught and the
    transaction goes on."""
    from django.db import OperationalError, transaction

    _write(admin_user, path="fast/outer", value="one")
    locked = threading.Event()
    holder = _hold_row_lock("fast/outer", 1.0, locked)
    locked.wait(5)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
        with pytest.raises(OperationalError):
            _write(admin_user, path="fast/outer", value="two")
        assert Secret.objects.filter(path="fast/outer").count() == 1  # still usable
    holder.join()


def _hold_chain_head(seconds: float, locked: threading.Event) -> threading.Thread:
    """Another connection holds the audit chain head's row lock for `seconds`."""
    from django.db import transaction

    def holder() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM secrets_app_auditchainhead WHERE id = 1 FOR UPDATE")
                locked.set()
                threading.Event().wait(seconds)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_at_its_last_statement_leaves_nothing_and_the_connection_usable(
    admin_user,
):
    """The write statement travels with the COMMIT; when it fails (here: the audit chain's head
    stays locked past lock_timeout), the version, the pruning, the secret's state and the audit
    event are all rolled back, and the next write on the same connection works."""
    from django.db import OperationalError

    kv.secret_metadata_update(path="fast/fail", max_versions=1, user=admin_user, context=None)
    _write(admin_user, path="fast/fail", value="one")
    events_before = AuditEvent.objects.count()
    locked = threading.Event()
    holder = _hold_chain_head(1.0, locked)
    locked.wait(5)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        with pytest.raises(OperationalError):
            _write(admin_user, path="fast/fail", value="two", metadata={"m": "1"})
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        holder.join()
    secret = Secret.objects.get(path="fast/fail")
    assert secret.current_version == 1 and secret.metadata == {}
    kept = list(SecretVersion.objects.filter(secret=secret).values_list("version", "value"))
    assert kept == [(1, "one")]  # not pruned either
    assert AuditEvent.objects.count() == events_before
    assert _write(admin_user, path="fast/fail", value="three").version == 2
    assert list(SecretVersion.objects.filter(secret=secret).values_list("version", flat=True)) == [
        2
    ]
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_write_that_opens_a_request_with_a_connection_health_check_works(admin_user):
    """With DB_CONN_HEALTH_CHECKS (the default) Django checks a persistent connection before
    the first query of each request; under gunicorn the write was that first query and the
    check's SELECT 1 stayed unanswered in the pipeline (500 on every write)."""
    _write(admin_user, path="fast/health", value="one")
    enabled = connection.health_check_enabled
    connection.health_check_enabled, connection.health_check_done = True, False
    try:
        assert _write(admin_user, path="fast/health", value="two").version == 2
        connection.health_check_done = False
        assert _write(admin_user, path="fast/health-new", value="one").version == 1
    finally:
        connection.health_check_enabled = enabled
    assert audit_verify().ok
