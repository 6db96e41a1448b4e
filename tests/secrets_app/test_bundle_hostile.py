"""A hand-made or damaged bundle is refused naming the secret (or policy) and the field, with
nothing imported, instead of a traceback from the database or a secret that every later read
of it (or of the secrets list) answers with a 500."""

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from secrets_app.models import Policy, Secret

from .bundle_helpers import bundle_seal

pytestmark = pytest.mark.django_db

GOOD = {
    "path": "hand/good",
    "current_version": 1,
    "oldest_version": 1,
    "versions": [{"version": 1, "value": {"k": "v"}}],
}
BAD = {
    "hand/id": ({"id": "not-a-uuid"}, "id is not a UUID"),
    "a/../b": ({}, "'.' or '..' segment"),
    "a\x00b": ({}, "control character"),
    "hand/meta": ({"metadata": "x"}, "metadata must be an object"),
    "hand/nested": ({"metadata": {"a": {"b": 1}}}, "metadata values are strings"),
    "hand/inf": ({"versions": [{"version": 1, "value": {"n": 1e400}}]}, "NaN or Infinity"),
    "hand/list": ({"versions": [{"version": 1, "value": [1]}]}, "string or a JSON object"),
    "hand/max": ({"max_versions": "abc"}, "max_versions must be an integer"),
    "hand/huge": (
        {"versions": [{"version": 2**40, "value": "v"}]},
        "version numbers must be integers from 1 to 2147483647",
    ),
    "hand/date": ({"created_at": "yesterday"}, "created_at must be an ISO 8601"),
    "hand/flag": ({"cas_required": "yes"}, "cas_required must be true or false"),
    "hand/gone": (
        {"versions": [{"version": 1, "value": "v", "destroyed": True}]},
        "a destroyed version has no value",
    ),
}


def _import(tmp_path, monkeypatch, payload):
    path = tmp_path / "bundle"
    path.write_bytes(bundle_seal(payload, "passphrase-123"))
    monkeypatch.setenv("P", "passphrase-123")
    call_command("secrets_import", str(path), "--passphrase-env", "P")


@pytest.mark.parametrize("bad_path", sorted(BAD))
def test_a_secret_the_store_would_not_accept_is_refused_by_name(bad_path, tmp_path, monkeypatch):
    fields, reason = BAD[bad_path]
    payload = {"secrets": [GOOD, {**GOOD, "path": bad_path, **fields}]}
    with pytest.raises(CommandError) as refused:
        _import(tmp_path, monkeypatch, payload)
    message = str(refused.value)
    assert f"secret {bad_path!r} of the bundle cannot be imported" in message
    assert reason in message and "Nothing was imported" in message
    assert not Secret.objects.exists()  # the good secret was not written either
    event = AuditEvent.objects.filter(action="secrets.import").latest("id")
    assert event.outcome == AuditEvent.Outcome.ERROR


def test_a_policy_the_policy_api_would_refuse_is_refused_by_name(tmp_path, monkeypatch):
    payload = {"secrets": [GOOD], "policies": [{"name": "odd", "rules": [{"x": 1}]}]}
    with pytest.raises(CommandError, match="policy 'odd' of the bundle cannot be imported"):
        _import(tmp_path, monkeypatch, payload)
    assert not Secret.objects.exists() and not Policy.objects.filter(name="odd").exists()
