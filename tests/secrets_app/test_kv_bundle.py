"""secrets_export / secrets_import: an encrypted bundle round-trips secrets, versions, policies."""

import json

import pytest
from django.core.management import CommandError, call_command

from secrets_app.models import Policy, Secret
from secrets_app.services import kv

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
