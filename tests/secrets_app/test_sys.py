"""The contract's sys routes: typed settings from the registry and the security configuration."""

import pytest

from core.models import AuditEvent
from core.registry import register, setting_get

pytestmark = pytest.mark.django_db

register("tests.api_key", "str", "", "A secret setting used by the tests.", secret=True)


def test_settings_list_and_one_setting(admin_user, auth_client):
    c = auth_client(admin_user)
    listed = c.get("/api/v1/sys/settings").json()
    keys = {item["key"]: item for item in listed}
    assert keys["secrets.default_max_versions"]["type"] == "int"
    assert keys["secrets.default_max_versions"]["value"] == 10
    one = c.get("/api/v1/sys/setting/security.lockout_threshold").json()
    assert set(one) >= {"key", "value", "type", "description", "updated_at"}
    assert c.get("/api/v1/sys/setting/no.such").status_code == 404


def test_admin_changes_typed_setting_audited(admin_user, auth_client):
    c = auth_client(admin_user)
    changed = c.post(
        "/api/v1/sys/setting", {"key": "secrets.default_max_versions", "value": "25"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["value"] == 25
    assert changed.json()["updated_at"]
    assert setting_get("secrets.default_max_versions") == 25
    event = AuditEvent.objects.filter(action="setting.change").latest("id")
    assert event.data == {"old": 10, "new": 25}
    bad = c.post(
        "/api/v1/sys/setting",
        {"key": "secrets.default_max_versions", "value": "many"},
        format="json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "value"]


def test_secret_setting_is_masked(admin_user, auth_client):
    c = auth_client(admin_user)
    c.post(
        "/api/v1/sys/setting", {"key": "tests.api_key", "value": "sk-live-abcdef"}, format="json"
    )
    assert c.get("/api/v1/sys/setting/tests.api_key").json()["value"] == "********"
    event = AuditEvent.objects.filter(action="setting.change", target="tests.api_key").get()
    assert "sk-live-abcdef" not in str(event.data)


def test_non_admin_cannot_change_and_is_audited(operator_user, user, auth_client):
    op = auth_client(operator_user)
    assert op.get("/api/v1/sys/settings").status_code == 200
    assert (
        op.post(
            "/api/v1/sys/setting",
            {"key": "secrets.default_max_versions", "value": 3},
            format="json",
        ).status_code
        == 403
    )
    assert (
        op.post("/api/v1/sys/security", {"require_https": True}, format="json").status_code == 403
    )
    assert auth_client(user).get("/api/v1/sys/settings").status_code == 403
    # Refused by the one authority check (core.authority) before the input is read.
    refused = AuditEvent.objects.filter(outcome="denied", action="authority.denied")
    assert sorted(refused.values_list("target", flat=True)) == [
        "settings.read",
        "settings.write",
        "settings.write",
    ]


def test_security_get_and_post(admin_user, auth_client):
    c = auth_client(admin_user)
    before = c.get("/api/v1/sys/security").json()
    assert set(before) >= {
        "require_https",
        "allowed_cidrs",
        "token_default_ttl",
        "token_max_ttl",
        "lockout_threshold",
        "lockout_window",
        "password_min_length",
    }
    after = c.post(
        "/api/v1/sys/security",
        {"lockout_threshold": 7, "allowed_cidrs": ["127.0.0.0/8"], "token_default_ttl": "2h"},
        format="json",
    )
    assert after.status_code == 200, after.content
    body = after.json()
    assert body["lockout_threshold"] == 7 and body["token_default_ttl"] == 7200
    assert body["allowed_cidrs"] == ["127.0.0.0/8"]
    bad = c.post(
        "/api/v1/sys/security", {"lockout_threshold": 0, "allowed_cidrs": ["nope"]}, format="json"
    )
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {
        ("body", "lockout_threshold"),
        ("body", "allowed_cidrs"),
    }
    assert c.get("/api/v1/sys/security").json()["lockout_threshold"] == 7  # nothing changed
    too_long = c.post("/api/v1/sys/security", {"token_default_ttl": 10**9}, format="json")
    assert too_long.status_code == 422


def test_setting_probe_is_refused_before_the_key_is_looked_at(user, operator_user, auth_client):
    """Hole 5 of issue 11: a caller who may not change settings learns nothing about which
    settings exist: an unknown key and a real one get the same 403."""
    for caller in (user, operator_user):
        client = auth_client(caller)
        unknown = client.post("/api/v1/sys/setting", {"key": "x", "value": "y"}, format="json")
        real = client.post(
            "/api/v1/sys/setting",
            {"key": "secrets.default_max_versions", "value": 3},
            format="json",
        )
        garbage = client.post("/api/v1/sys/setting", {"nothing": []}, format="json")
        assert unknown.status_code == real.status_code == garbage.status_code == 403
        assert unknown.json() == real.json() == garbage.json()
