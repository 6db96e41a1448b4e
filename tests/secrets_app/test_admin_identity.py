"""The identity admin: tokens by accessor (never the token), revoke action, read-only audit."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from secrets_app.models import Token
from secrets_app.services.tokens import hash_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_token_list_shows_accessor_never_the_token(admin_client, user, make_token):
    raw = make_token(user, policies=["default"])
    token = Token.objects.get(token_hash=hash_token(raw))
    page = admin_client.get("/admin/secrets_app/token/").content.decode()
    assert token.accessor in page
    assert raw not in page
    assert token.token_hash not in page
    detail = admin_client.get(f"/admin/secrets_app/token/{token.pk}/change/").content.decode()
    assert raw not in detail and token.token_hash not in detail


def test_revoke_action_kills_the_token(admin_client, api_client, user, make_token):
    raw = make_token(user)
    token = Token.objects.get(token_hash=hash_token(raw))
    response = admin_client.post(
        "/admin/secrets_app/token/",
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    assert (
        api_client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 401
    )


def test_audit_log_is_read_only_in_the_admin(admin_client, user, make_token):
    make_token(user)
    event = AuditEvent.objects.latest("id")
    assert admin_client.get("/admin/core/auditevent/").status_code == 200
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403
    response = admin_client.post(
        f"/admin/core/auditevent/{event.pk}/change/", {"action": "tampered"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "token.create"


def test_registering_an_api_client_shows_the_secret_once(admin_client):
    from secrets_app.models import ApiClient

    response = admin_client.post(
        "/admin/secrets_app/apiclient/add/",
        {"name": "ci", "allowed_policies": "[]", "is_active": "on"},
        follow=True,
    )
    client = ApiClient.objects.get(name="ci")
    page = response.content.decode()
    assert client.client_id in page and "shown once" in page
    assert client.secret_hash not in page
