"""Admin of the secrets store: metadata-only lists, audited reveal, path tester, settings forms,
audit chain status."""

import pytest
from django.test import Client

from core.models import AuditEvent
from core.registry import setting_get
from secrets_app.services import kv

from .kv_helpers import make_policy, token_context

pytestmark = pytest.mark.django_db
VALUE = "ADMIN-NEVER-LISTS-5a6b7c"


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def secret(admin_user):
    kv.secret_write(path="adm/one", value=VALUE, user=admin_user, context=None)
    return kv.secret_write(path="adm/one", value={"k": VALUE}, user=admin_user, context=None).secret


def test_changelist_and_change_page_never_show_values(admin_client, secret):
    listing = admin_client.get("/admin/secrets_app/secret/")
    assert listing.status_code == 200 and b"adm/one" in listing.content
    assert VALUE.encode() not in listing.content
    page = admin_client.get(f"/admin/secrets_app/secret/{secret.pk}/change/")
    assert page.status_code == 200 and VALUE.encode() not in page.content
    assert b"deletion_time" in page.content or b"Deletion time" in page.content


def test_reveal_action_shows_value_and_is_audited(admin_client, admin_user, secret):
    response = admin_client.post(
        "/admin/secrets_app/secret/", {"action": "reveal", "_selected_action": [secret.pk]}
    )
    assert response.status_code == 200 and VALUE.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="secret.read").latest("id")
    assert event.actor == admin_user.username and event.target == "adm/one"


def test_path_tester_for_user_and_token(admin_client, user):
    make_policy("t", ("team/*", ["read"]), ("team/private/*", ["deny"]), users=[user])
    ok = admin_client.post(
        "/admin/secrets_app/policy/test/",
        {"path": "team/a", "capability": "read", "username": user.username},
    )
    assert b"ALLOWED" in ok.content
    denied = admin_client.post(
        "/admin/secrets_app/policy/test/",
        {"path": "team/private/x", "capability": "read", "username": user.username},
    )
    assert b"DENIED" in denied.content
    _, ctx = token_context(user, policies=["default"])
    by_token = admin_client.post(
        "/admin/secrets_app/policy/test/",
        {"path": "team/a", "capability": "read", "accessor": ctx.accessor},
    )
    assert b"DENIED" in by_token.content
    assert admin_client.get("/admin/secrets_app/policy/").status_code == 200


def test_settings_and_security_forms(admin_client):
    page = admin_client.get("/admin/core/systemsetting/")
    assert page.status_code == 200 and b"secrets.default_max_versions" in page.content
    saved = admin_client.post(
        "/admin/core/systemsetting/",
        {
            "secrets.default_max_versions": "12",
            "secrets.max_value_bytes": "524288",
            "secrets.wrap_default_ttl": "3600",
            "secrets.wrap_max_ttl": "604800",
        },
    )
    assert saved.status_code == 302, saved.content[:2000]
    assert setting_get("secrets.default_max_versions") == 12
    security = admin_client.get("/admin/core/systemsetting/security/")
    assert security.status_code == 200 and b"security.lockout_threshold" in security.content
    bad = admin_client.post(
        "/admin/core/systemsetting/security/", {"security.lockout_threshold": "0"}
    )
    assert bad.status_code == 200 and b"errornote" in bad.content


def test_audit_chain_status_and_export(admin_client, secret):
    page = admin_client.get("/admin/core/auditchain/")
    assert page.status_code == 200 and b"Chain intact" in page.content
    export = admin_client.get("/admin/core/auditchain/export/")
    body = b"".join(export.streaming_content)
    assert body.count(b"\n") >= 2 and VALUE.encode() not in body
    first = AuditEvent.objects.order_by("id").first()
    AuditEvent.objects.filter(pk=first.pk).update(target="tampered")
    broken = admin_client.get("/admin/core/auditchain/")
    assert f"Chain broken at row #{first.pk}".encode() in broken.content
    full = admin_client.get("/admin/core/auditchain/?full=1")
    assert f"Chain broken at row #{first.pk}".encode() in full.content


def test_audit_chain_page_checks_the_newest_rows_unless_asked_for_all(admin_client, secret):
    from core import admin as kv_admin

    first = AuditEvent.objects.order_by("id").first()
    AuditEvent.objects.filter(pk=first.pk).update(target="tampered")
    count = AuditEvent.objects.count()
    kv_admin.TAIL_ROWS, saved = count - 1, kv_admin.TAIL_ROWS  # the first row out of the window
    try:
        page = admin_client.get("/admin/core/auditchain/")
        full = admin_client.get("/admin/core/auditchain/?full=1")
    finally:
        kv_admin.TAIL_ROWS = saved
    assert b"Chain intact" in page.content and b"Verify the whole chain" in page.content
    assert f"Chain broken at row #{first.pk}".encode() in full.content


def test_change_form_validates_metadata_and_audits(admin_client, secret):
    url = f"/admin/secrets_app/secret/{secret.pk}/change/"
    inline = {"versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"}
    bad = admin_client.post(
        url,
        {
            "metadata": '{"a": {"nested": 1}}',
            "max_versions": "0",
            "delete_version_after": "0",
            **inline,
        },
    )
    assert bad.status_code == 200 and b"errorlist" in bad.content
    good = admin_client.post(
        url,
        {"metadata": '{"team": "ops"}', "max_versions": "4", "delete_version_after": "0", **inline},
    )
    assert good.status_code == 302
    secret.refresh_from_db()
    assert secret.metadata == {"team": "ops"} and secret.max_versions == 4
    assert AuditEvent.objects.filter(action="secret.metadata_update", target="adm/one").exists()
