"""The secrets contract's URL lines and its "create or update" setting route (issue 16, item 9)."""

from decimal import Decimal

import pytest

from core.models import AuditEvent, SystemSetting
from core.registry import setting_get
from secrets_app.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_users_delete_takes_the_username_in_the_body(admin_user, auth_client):
    victim = UserFactory(username="leaving")
    c = auth_client(admin_user)
    answer = c.post("/api/v1/users/delete", {"username": "leaving"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"deleted": True, "username": "leaving"}
    assert not User.objects.filter(pk=victim.pk).exists()
    assert AuditEvent.objects.filter(action="user.delete", target="leaving").exists()
    missing = c.post("/api/v1/users/delete", {"username": "leaving"}, format="json")
    assert missing.status_code == 404
    bad = c.post("/api/v1/users/delete", {}, format="json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "username"]


def test_users_delete_is_for_admins_only(user, auth_client):
    UserFactory(username="stays")
    answer = auth_client(user).post("/api/v1/users/delete", {"username": "stays"}, format="json")
    assert answer.status_code == 403
    assert User.objects.filter(username="stays").exists()


def test_settings_list_at_the_seed_url(operator_user, user, auth_client):
    listed = auth_client(operator_user).get("/api/v1/settings")
    assert listed.status_code == 200
    keys = {item["key"] for item in listed.json()}
    assert "secrets.default_max_versions" in keys
    assert keys == {
        item["key"] for item in auth_client(operator_user).get("/api/v1/sys/settings").json()
    }
    assert auth_client(user).get("/api/v1/settings").status_code == 403


def test_new_custom_setting_is_created_typed_and_audited(admin_user, auth_client):
    c = auth_client(admin_user)
    created = c.post(
        "/api/v1/sys/setting",
        {"key": "custom.reports.max_rows", "value": "250", "type": "int", "description": "rows"},
        format="json",
    )
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["key"], body["value"], body["type"], body["description"]) == (
        "custom.reports.max_rows",
        250,
        "int",
        "rows",
    )
    assert setting_get("custom.reports.max_rows") == 250
    event = AuditEvent.objects.get(action="setting.create", target="custom.reports.max_rows")
    assert event.data == {"type": "int", "new": 250}
    # an update keeps the type: a value of another type is a 422, a type change too
    bad = c.post(
        "/api/v1/sys/setting", {"key": "custom.reports.max_rows", "value": "many"}, format="json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "value"]
    retype = c.post(
        "/api/v1/sys/setting",
        {"key": "custom.reports.max_rows", "value": "x", "type": "str"},
        format="json",
    )
    assert retype.status_code == 422 and retype.json()["detail"][0]["loc"] == ["body", "type"]
    changed = c.post(
        "/api/v1/sys/setting", {"key": "custom.reports.max_rows", "value": 300}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["value"] == 300
    assert AuditEvent.objects.get(
        action="setting.change", target="custom.reports.max_rows"
    ).data == {"old": 250, "new": 300}
    # listed with the registered ones, readable by key
    listed = {item["key"]: item for item in c.get("/api/v1/sys/settings").json()}
    assert listed["custom.reports.max_rows"]["value"] == 300
    one = c.get("/api/v1/sys/setting/custom.reports.max_rows").json()
    assert one["type"] == "int" and one["value"] == 300


def test_custom_setting_type_is_inferred_from_the_value(admin_user, auth_client):
    c = auth_client(admin_user)
    for key, value, kind in [
        ("custom.flag", True, "bool"),
        ("custom.count", 3, "int"),
        ("custom.ratio", 0.5, "decimal"),
        ("custom.name", "north", "str"),
        ("custom.doc", {"a": [1, 2]}, "json"),
    ]:
        answer = c.post("/api/v1/sys/setting", {"key": key, "value": value}, format="json")
        assert answer.status_code == 200, answer.content
        assert answer.json()["type"] == kind
    assert setting_get("custom.ratio") == Decimal("0.5")
    assert setting_get("custom.doc") == {"a": [1, 2]}


def test_unknown_keys_outside_the_namespace_are_refused(admin_user, auth_client):
    c = auth_client(admin_user)
    for key in ["secrets.no_such", "Custom.Upper", "custom.", "custom..x", "custom.a-b"]:
        answer = c.post("/api/v1/sys/setting", {"key": key, "value": 1}, format="json")
        assert answer.status_code == 404, key
        assert "custom.<name>" in answer.json()["detail"]
    too_big = c.post(
        "/api/v1/sys/setting", {"key": "custom.big", "value": "x" * 20_000}, format="json"
    )
    assert too_big.status_code == 422
    assert not SystemSetting.objects.filter(key__startswith="custom.").exists()


def test_permission_before_input_for_setting_writes(operator_user, auth_client):
    """A non-admin gets 403 whatever the body: no 404/422 telling which keys exist."""
    op = auth_client(operator_user)
    for body in [
        {"key": "custom.new", "value": 1},
        {"key": "no.such", "value": 1},
        {"key": "secrets.default_max_versions", "value": "many"},
        {},
    ]:
        assert op.post("/api/v1/sys/setting", body, format="json").status_code == 403, body
    assert not SystemSetting.objects.filter(key="custom.new").exists()
