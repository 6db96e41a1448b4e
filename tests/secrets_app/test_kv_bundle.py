"""secrets_export / secrets_import: an encrypted bundle round-trips secrets, versions, policies."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from secrets_app.models import Policy, Secret, SecretVersion
from secrets_app.services import kv
from tests.factories import UserFactory

from .bundle_helpers import bundle_seal
from .kv_helpers import make_policy

pytestmark = pytest.mark.django_db
VALUE = "bundle-secret-value-9f8e7d"


def test_round_trip_through_an_encrypted_bundle(admin_user, tmp_path, monkeypatch):
    ctx = {"user": admin_user, "context": None}
    kv.secret_write(path="b/one", value="first", metadata={"o": "x"}, **ctx)
    kv.secret_write(path="b/one", value={"k": VALUE}, **ctx)
    kv.secret_destroy_versions(path="b/one", versions=[1], **ctx)
    make_policy("team", ("b/*", ["read"]))
    bundle = tmp_path / "backup.bundle"
    monkeypatch.setenv("BUNDLE_PASS", "correct horse battery")
    call_command("secrets_export", str(bundle), "--passphrase-env", "BUNDLE_PASS")
    raw = bundle.read_bytes()
    assert VALUE.encode() not in raw and b"b/one" not in raw
    assert json.loads(raw)["kdf"]["name"] == "scrypt"

    Secret.objects.all().delete()
    Policy.objects.filter(name="team").delete()
    with pytest.raises(CommandError, match="wrong passphrase"):
        monkeypatch.setenv("WRONG", "not the passphrase")
        call_command("secrets_import", str(bundle), "--passphrase-env", "WRONG")
    call_command("secrets_import", str(bundle), "--passphrase-env", "BUNDLE_PASS")
    secret, version = kv.secret_read(path_or_id="b/one", **ctx)
    assert version.version == 2 and version.value == {"k": VALUE}
    assert secret.metadata == {"o": "x"}
    with pytest.raises(kv.VersionDeleted):
        kv.secret_read(path_or_id="b/one", version=1, **ctx)
    assert Policy.objects.get(name="team").rules == [{"path": "b/*", "capabilities": ["read"]}]


def test_import_skips_existing_unless_overwrite(admin_user, tmp_path, monkeypatch):
    ctx = {"user": admin_user, "context": None}
    kv.secret_write(path="c", value="from-bundle", **ctx)
    bundle = tmp_path / "b"
    monkeypatch.setenv("P", "passphrase-123")
    call_command("secrets_export", str(bundle), "--passphrase-env", "P")
    kv.secret_write(path="c", value="local-change", **ctx)
    call_command("secrets_import", str(bundle), "--passphrase-env", "P")
    assert kv.secret_read(path_or_id="c", **ctx)[1].value == "local-change"
    call_command("secrets_import", str(bundle), "--passphrase-env", "P", "--overwrite")
    assert kv.secret_read(path_or_id="c", **ctx)[1].value == "from-bundle"


def test_damaged_bundle_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "bad"
    bad.write_text("{not json")
    monkeypatch.setenv("P", "passphrase-123")
    with pytest.raises(CommandError, match="not a secrets bundle"):
        call_command("secrets_import", str(bad), "--passphrase-env", "P")


def test_round_trip_keeps_ids_timestamps_to_the_microsecond_and_authors(
    admin_user, user, tmp_path, monkeypatch
):
    ctx = {"user": user, "context": None}
    make_policy("writers", ("exact/*", ["create", "update", "read"]), users=[user])
    first = kv.secret_write(path="exact/one", value="v1", user=admin_user, context=None)
    kv.secret_write(path="exact/one", value="v2", **ctx)
    Secret.objects.filter(pk=first.secret_id).update(
        created_at=datetime(2026, 3, 4, 5, 6, 7, 123457, tzinfo=UTC)
    )
    before = Secret.objects.get(path="exact/one")
    versions_before = list(
        SecretVersion.objects.filter(secret=before)
        .order_by("version")
        .values_list("version", "created_at", "created_by_id")
    )
    assert versions_before[0][2] == admin_user.pk and versions_before[1][2] == user.pk
    SecretVersion.objects.filter(secret=before, version=1).update(
        created_at=datetime(2026, 3, 4, 5, 6, 8, 999999, tzinfo=UTC)
    )
    versions_before[0] = (1, datetime(2026, 3, 4, 5, 6, 8, 999999, tzinfo=UTC), admin_user.pk)
    monkeypatch.setenv("P", "passphrase-123")
    bundle = tmp_path / "b"
    call_command("secrets_export", str(bundle), "--passphrase-env", "P")

    Secret.objects.all().delete()
    call_command("secrets_import", str(bundle), "--passphrase-env", "P")
    after = Secret.objects.get(path="exact/one")
    assert after.id == before.id  # a fetch by the old id still finds it
    assert kv.secret_read(path_or_id=str(before.id), user=admin_user, context=None)[1].value == "v2"
    assert after.created_at == before.created_at
    assert after.created_at.microsecond == 123457
    assert (after.updated_at, after.created_by_id) == (before.updated_at, admin_user.pk)
    versions_after = list(
        SecretVersion.objects.filter(secret=after)
        .order_by("version")
        .values_list("version", "created_at", "created_by_id")
    )
    assert versions_after == versions_before


def test_an_author_unknown_here_is_left_empty_and_named(admin_user, tmp_path, monkeypatch):
    gone = UserFactory(role="admin", username="departed-admin")
    kv.secret_write(path="auth/one", value="v", user=gone, context=None)
    monkeypatch.setenv("P", "passphrase-123")
    bundle = tmp_path / "b"
    call_command("secrets_export", str(bundle), "--passphrase-env", "P")
    Secret.objects.all().delete()
    gone.delete()
    out = StringIO()
    call_command("secrets_import", str(bundle), "--passphrase-env", "P", stdout=out)
    assert "authors without a user here (left empty): departed-admin" in out.getvalue()
    secret = Secret.objects.get(path="auth/one")
    assert secret.created_by is None and secret.versions.get().created_by is None


def _broken_payload() -> dict:
    version = {"created_at": "2026-01-01T00:00:00.000001+00:00", "deletion_time": None}
    secret = {
        "metadata": {},
        "max_versions": 0,
        "cas_required": False,
        "delete_version_after": 0,
        "expires_at": None,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        "created_by": None,
    }
    return {
        "secrets": [
            {  # consistent
                **secret,
                "id": "6f1c2f50-0000-4000-8000-000000000001",
                "path": "hand/fine",
                "current_version": 2,
                "oldest_version": 1,
                "versions": [
                    {**version, "version": n, "value": f"fine-{n}", "destroyed": False}
                    for n in (1, 2)
                ],
            },
            {  # versions past current_version: what an export without a snapshot could hold
                **secret,
                "id": "6f1c2f50-0000-4000-8000-000000000002",
                "path": "hand/ahead",
                "current_version": 12,
                "oldest_version": 4,
                "versions": [
                    {**version, "version": n, "value": f"ahead-{n}", "destroyed": False}
                    for n in range(4, 14)
                ],
            },
        ],
        "policies": [],
    }


def test_a_bundle_breaking_the_invariants_is_refused_naming_the_secret_and_audited(
    admin_user, tmp_path, monkeypatch
):
    path = tmp_path / "hand"
    path.write_bytes(bundle_seal(_broken_payload(), "passphrase-123"))
    monkeypatch.setenv("P", "passphrase-123")
    with pytest.raises(CommandError, match="hand/ahead") as refused:
        call_command("secrets_import", str(path), "--passphrase-env", "P")
    assert "hand/fine" not in str(refused.value)
    assert not Secret.objects.filter(path__startswith="hand/").exists()  # nothing half-written
    failed = AuditEvent.objects.filter(action="secrets.import").latest("id")
    assert failed.outcome == AuditEvent.Outcome.ERROR and "hand/ahead" in failed.data["reason"]


def test_repair_makes_the_newest_kept_version_current_and_writable(
    admin_user, tmp_path, monkeypatch
):
    path = tmp_path / "hand"
    path.write_bytes(bundle_seal(_broken_payload(), "passphrase-123"))
    monkeypatch.setenv("P", "passphrase-123")
    out = StringIO()
    call_command("secrets_import", str(path), "--passphrase-env", "P", "--repair", stdout=out)
    assert "repaired 1 secret(s) whose versions ran past current_version: hand/ahead" in (
        out.getvalue()
    )
    ctx = {"user": admin_user, "context": None}
    secret, version = kv.secret_read(path_or_id="hand/ahead", **ctx)
    assert (version.version, version.value) == (13, "ahead-13")
    assert secret.oldest_version == 4
    assert kv.secret_write(path="hand/ahead", value="next", **ctx).version == 14
    assert kv.secret_read(path_or_id="hand/fine", **ctx)[1].value == "fine-2"


def test_failed_imports_are_audited(admin_user, tmp_path, monkeypatch):
    kv.secret_write(path="f/one", value="v", user=admin_user, context=None)
    bundle = tmp_path / "b"
    monkeypatch.setenv("P", "passphrase-123")
    monkeypatch.setenv("WRONG", "not-the-passphrase")
    call_command("secrets_export", str(bundle), "--passphrase-env", "P")
    with pytest.raises(CommandError, match="wrong passphrase"):
        call_command("secrets_import", str(bundle), "--passphrase-env", "WRONG")
    garbage = tmp_path / "garbage"
    garbage.write_text('{"format": "platform-secrets-bundle"}')
    with pytest.raises(CommandError, match="not a secrets bundle"):
        call_command("secrets_import", str(garbage), "--passphrase-env", "P")
    events = list(
        AuditEvent.objects.filter(action="secrets.import").order_by("id").values("outcome", "data")
    )
    assert [e["outcome"] for e in events] == [AuditEvent.Outcome.ERROR] * 2
    assert "wrong passphrase" in events[0]["data"]["reason"]
    assert "not a secrets bundle" in events[1]["data"]["reason"]


def test_the_migration_repairs_secrets_imported_with_versions_past_current(admin_user):
    ctx = {"user": admin_user, "context": None}
    for n in range(1, 6):
        kv.secret_write(path="stuck/one", value=f"v{n}", **ctx)
    kv.secret_write(path="fine/one", value="ok", **ctx)
    # what an import of an inconsistent bundle stored: current 3, versions 1-5
    Secret.objects.filter(path="stuck/one").update(current_version=3, oldest_version=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        kv.secret_write(path="stuck/one", value="next", **ctx)
    call_command("migrate", "secrets_app", "0011", verbosity=0)
    call_command("migrate", "secrets_app", verbosity=0)
    stuck = Secret.objects.get(path="stuck/one")
    assert (stuck.current_version, stuck.oldest_version) == (5, 1)
    assert kv.secret_read(path_or_id="stuck/one", **ctx)[1].value == "v5"
    assert kv.secret_write(path="stuck/one", value="next", **ctx).version == 6
    assert Secret.objects.get(path="fine/one").current_version == 1


def test_a_hand_made_bundle_may_leave_out_optional_fields(admin_user, tmp_path, monkeypatch):
    minimal = {
        "secrets": [
            {
                "path": "hand/minimal",
                "current_version": 1,
                "oldest_version": 1,
                "versions": [{"version": 1, "value": {"k": "v"}}],
            }
        ]
    }
    path = tmp_path / "minimal"
    path.write_bytes(bundle_seal(minimal, "passphrase-123"))
    monkeypatch.setenv("P", "passphrase-123")
    call_command("secrets_import", str(path), "--passphrase-env", "P", stdout=StringIO())
    version = kv.secret_read(path_or_id="hand/minimal", user=admin_user, context=None)[1]
    assert version.value == {"k": "v"}
    broken = {"secrets": [{"path": "hand/no-versions", "current_version": 1}]}
    path.write_bytes(bundle_seal(broken, "passphrase-123"))
    with pytest.raises(CommandError, match="not a secrets bundle"):
        call_command("secrets_import", str(path), "--passphrase-env", "P")


def test_an_export_names_the_values_no_key_opens(admin_user, tmp_path, monkeypatch, settings):
    """A value written with a key since dropped from ENCRYPTION_KEYS made the export a
    traceback that named no secret; it is refused naming each such secret and version."""
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    kv.secret_write(path="keys/lost", value="under-old", user=admin_user, context=None)
    settings.ENCRYPTION_KEYS = [new, old]
    kv.secret_write(path="keys/lost", value="under-new", user=admin_user, context=None)
    kv.secret_write(path="keys/fine", value="v", user=admin_user, context=None)
    settings.ENCRYPTION_KEYS = [new]  # old dropped before the rotation
    monkeypatch.setenv("P", "passphrase-123")
    with pytest.raises(CommandError) as refused:
        call_command("secrets_export", str(tmp_path / "b"), "--passphrase-env", "P")
    message = str(refused.value)
    assert "keys/lost v1" in message and "keys/fine" not in message
    assert "under-old" not in message and "ENCRYPTION_KEYS" in message
    assert not (tmp_path / "b").exists()
    event = AuditEvent.objects.filter(action="secrets.export").latest("id")
    assert event.outcome == AuditEvent.Outcome.ERROR
